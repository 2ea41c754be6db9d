/**
 * An independent reading of a Teams card, for tests: Microsoft's own `adaptivecards` package parses and validates it
 * against schema 1.5, and markdown-it (a CommonMark parser, with linkify on) reads every text Teams would parse as
 * Markdown. No DOM is needed: parse and validate are plain object work (the UMD bundle in dist/ loads in Node; the
 * package's lib/ is extensionless ESM meant for bundlers).
 *
 * What `adaptivecards` checks: element and action types known at the target version (a 1.5 Table parsed for 1.4 is
 * "Unknown element type"), enum values (style, size, weight, color, spacing…), required properties it declares as such
 * (Action.OpenUrl's url), duplicate ids. What it does not: a card's declared `version` (1.6 parses fine), TextBlocks
 * without text, empty FactSets, sizes, Teams' own `msteams` keys, and anything about Markdown in text. Those are
 * checked here by hand.
 */
import { createRequire } from 'node:module';
import MarkdownIt from 'markdown-it';
import type { AdaptiveCard } from '../../src/core/adaptive-card.js';
import { TEAMS_POST_MAX_BYTES, postBytes } from '../../src/render/teams-text.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Markdown tokens that only plain text yields; anything else (link, em, list, heading, html…) is a finding. */
const PLAIN_TOKENS = new Set(['paragraph_open', 'paragraph_close', 'inline', 'text', 'softbreak', 'hardbreak']);
const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

interface CardTexts {
  /** TextBlock texts and Fact values/titles: Markdown for Teams. */
  markdown: Array<{ where: string; text: string }>;
  /** TextRun texts: drawn as is. */
  runs: Array<{ where: string; text: string }>;
  urls: Array<{ where: string; url: string }>;
  types: string[];
}

function walk(node: unknown, where: string, out: CardTexts): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => walk(child, `${where}[${i}]`, out));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj['type'] === 'string') out.types.push(obj['type']);
  if (obj['type'] === 'TextBlock' && typeof obj['text'] === 'string') out.markdown.push({ where, text: obj['text'] });
  if (obj['type'] === 'TextRun' && typeof obj['text'] === 'string') out.runs.push({ where, text: obj['text'] });
  if (obj['type'] === 'FactSet' && Array.isArray(obj['facts'])) {
    (obj['facts'] as Array<{ title: string; value: string }>).forEach((fact, i) => {
      out.markdown.push({ where: `${where}.facts[${i}].title`, text: fact.title });
      out.markdown.push({ where: `${where}.facts[${i}].value`, text: fact.value });
    });
  }
  if (typeof obj['url'] === 'string') out.urls.push({ where, url: obj['url'] });
  for (const [key, value] of Object.entries(obj)) if (typeof value === 'object') walk(value, `${where}.${key}`, out);
}

export function cardTexts(card: AdaptiveCard): CardTexts {
  const out: CardTexts = { markdown: [], runs: [], urls: [], types: [] };
  walk(card, '$', out);
  return out;
}

/** What markdown-it makes of `text`, as token types that are not plain text (empty: inert). */
export function markdownFindings(text: string): string[] {
  const found: string[] = [];
  const visit = (tokens: ReturnType<typeof markdown.parse>): void => {
    for (const token of tokens) {
      if (!PLAIN_TOKENS.has(token.type)) found.push(token.type);
      if (token.children) visit(token.children);
    }
  };
  visit(markdown.parse(text, {}));
  return found;
}

/** What `adaptivecards` reports parsing and validating the card for Adaptive Cards 1.5. */
export function adaptiveCardsReport(card: AdaptiveCard): string[] {
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card as unknown as object, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of parsed.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return problems;
}

/**
 * Every reason `card` is not a card we may post: an `adaptivecards` parse or validation event, a version above 1.5, a
 * post over Teams' 28,000 bytes, Markdown structure in a TextBlock or Fact, a `{{` anywhere, a mention entity, a
 * button that calls back, or a URL not in `allowedUrls`.
 */
export function cardProblems(card: AdaptiveCard, allowedUrls: readonly string[]): string[] {
  const problems = adaptiveCardsReport(card);
  if (card.type !== 'AdaptiveCard') problems.push(`type ${String(card.type)}`);
  if (Number(card.version) > 1.5 || card.version !== '1.5') problems.push(`version ${card.version}`);
  if (card.$schema !== 'http://adaptivecards.io/schemas/adaptive-card.json') problems.push('no $schema');
  if (card.msteams?.width !== 'Full') problems.push('msteams.width is not Full');
  if ('entities' in (card.msteams ?? {})) problems.push('msteams.entities');
  const bytes = postBytes(card);
  if (bytes > TEAMS_POST_MAX_BYTES) problems.push(`post of ${bytes} bytes > ${TEAMS_POST_MAX_BYTES}`);
  const texts = cardTexts(card);
  for (const { where, text } of texts.markdown) {
    const found = markdownFindings(text);
    if (found.length > 0) problems.push(`${where}: Markdown ${found.join(', ')} in ${JSON.stringify(text).slice(0, 120)}`);
    if (text.trim() === '') problems.push(`${where}: blank text`);
  }
  for (const { where, text } of [...texts.markdown, ...texts.runs]) {
    if (text.includes('{{')) problems.push(`${where}: template function in ${JSON.stringify(text).slice(0, 120)}`);
    if (/<at>/i.test(text) && texts.markdown.some((m) => m.text === text)) problems.push(`${where}: <at> in Markdown text`);
  }
  for (const type of texts.types) {
    if (type === 'Action.Submit' || type === 'Action.Execute' || type === 'Image' || type === 'Media') problems.push(`element ${type}`);
  }
  for (const { where, url } of texts.urls) if (!allowedUrls.includes(url)) problems.push(`${where}: URL not ours: ${url.slice(0, 120)}`);
  return problems;
}
