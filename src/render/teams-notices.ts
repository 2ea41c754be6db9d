/**
 * The Teams cards that are not a finding or a digest: the fallback for a finding no renderer could show in full, and
 * respond's news (in a card of its own, or as lines added to the finding's card). Same rules as every Teams card:
 * finding text in TextRuns, our own words in TextBlocks, only URLs we built.
 */
import type { AdaptiveCard, CardElement } from '../core/adaptive-card.js';
import { fallbackSentence, type FallbackFacts } from './fallback-message.js';
import { RESPOND_LINES_SHOWN, type RespondMessageInput } from './respond-lines.js';
import { linkActions } from './teams-card.js';
import { adaptiveCard, ownText, richText, teamsRun } from './teams-text.js';

const LINE_MAX = 400;

/** "A finding could not be shown in full: id, type, account …", with the console button when there is a link. */
export function teamsFallbackCard(facts: FallbackFacts): AdaptiveCard {
  const { sentence } = fallbackSentence(facts);
  const text = richText([teamsRun(sentence, 1000)]) ?? ownText('A finding could not be shown in full');
  return adaptiveCard([{ type: 'Container', style: 'warning', bleed: true, items: [text] }], linkActions({ consoleUrl: facts.consoleUrl }));
}

/** respond's lines under a heading, each one a TextRun (a line can carry an attacker-influenced address or type). */
export function teamsResponseBlocks(lines: readonly string[], heading: string): CardElement[] {
  const blocks: CardElement[] = [ownText(heading, { weight: 'bolder', spacing: 'medium', separator: true })];
  for (const line of lines.slice(0, RESPOND_LINES_SHOWN)) {
    const block = richText([{ type: 'TextRun', text: '• ' }, teamsRun(line, LINE_MAX, {}, { singleLine: true })]);
    if (block !== undefined) blocks.push(block);
  }
  if (lines.length > RESPOND_LINES_SHOWN) blocks.push(ownText(`…and ${lines.length - RESPOND_LINES_SHOWN} more`, { isSubtle: true, spacing: 'none' }));
  return blocks;
}

const HEADINGS = { news: 'Blocking', alert: 'Blocking failed', recovered: 'Blocking works again' } as const;
const STYLES = { news: 'default', alert: 'attention', recovered: 'good' } as const;

/** respond's news in a card of its own. */
export function teamsRespondCard(input: RespondMessageInput): AdaptiveCard {
  const tone = input.tone ?? 'news';
  const [heading, ...rest] = teamsResponseBlocks(input.lines, HEADINGS[tone]);
  const body: CardElement[] = [{ type: 'Container', style: STYLES[tone], bleed: true, items: [{ ...heading!, separator: false }] }, ...rest];
  if (input.finding !== undefined) {
    const about = richText([
      { type: 'TextRun', text: 'Finding ', size: 'small', isSubtle: true },
      teamsRun(input.finding.id, 100, { size: 'small', isSubtle: true, fontType: 'monospace' }, { singleLine: true }),
      { type: 'TextRun', text: ': ', size: 'small', isSubtle: true },
      teamsRun(input.finding.title ?? input.finding.type, 200, { size: 'small', isSubtle: true }, { singleLine: true }),
    ]);
    if (about !== undefined) body.push(about);
  }
  return adaptiveCard(body);
}

/** The finding's card with respond's lines added at the end of its body (before the buttons, which sit below). */
export function teamsCardWithResponse(card: AdaptiveCard, lines: readonly string[]): AdaptiveCard {
  return { ...card, body: [...card.body, ...teamsResponseBlocks(lines, 'Response')] };
}
