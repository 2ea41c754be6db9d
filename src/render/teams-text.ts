/**
 * Finding text made inert for Microsoft Teams, and the small card pieces every Teams renderer builds from.
 *
 * What Teams does with text (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format):
 * - `TextBlock` and `Fact` values are parsed as a Markdown subset: emphasis, lists, `[text](url)` links; and
 *   `{{DATE(…)}}`/`{{TIME(…)}}` are evaluated. Teams does not draw code spans, so backticks make nothing inert, and
 *   some clients have ignored backslash escapes.
 * - `RichTextBlock`/`TextRun` text is drawn as is: no Markdown. A mention needs `<at>…</at>` and an `msteams.entities`
 *   entry, which we never emit.
 *
 * So finding text goes into TextRuns wherever the layout allows (teamsRun); the FactSet is the one place where finding
 * text sits in a Markdown-parsed value, and there every character Markdown gives a meaning is backslash-escaped AND the
 * constructs that would matter if a client ignored the backslashes are broken with an invisible character (factValue).
 * In every text, `{{` gets a zero-width space between its braces, so no date function is evaluated.
 */
import type { AdaptiveCard, CardElement, ContainerStyle, Fact, RichTextBlock, TextBlock, TextRun } from '../core/adaptive-card.js';
import { sanitizeText, truncate } from './mrkdwn.js';

/** Teams refuses a post whose body is larger than about 28 KB (issue 21; Microsoft's connector/Workflows limit). */
export const TEAMS_POST_MAX_BYTES = 28_000;
/**
 * What a card aims to stay within: some tenants fail near 21 KB, so ordinary cards stay far below and every card is
 * re-rendered shorter until its whole post fits this (teams-card.ts fitCard).
 */
export const TEAMS_CARD_BUDGET_BYTES = 18_000;

export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json' as const;

const ZERO_WIDTH_SPACE = '\u200B';
const TEMPLATE_OPEN = /\{(?=\{)/g;

/** `{{DATE(…)}}` → `{​{DATE(…)}}`: Teams evaluates the first, draws the second as written. */
export function breakTemplates(text: string): string {
  return text.includes('{{') ? text.replace(TEMPLATE_OPEN, `{${ZERO_WIDTH_SPACE}`) : text;
}

/** One sanitised, cut, template-free string for a TextRun; huge values are cut before sanitising (the costly part). */
export function runText(text: string, max: number, options: { singleLine?: boolean } = {}): string {
  const head = text.length > max + 1 ? text.slice(0, max + 1) : text;
  return breakTemplates(truncate(sanitizeText(head, options), max));
}

/** A TextRun of finding text: drawn as is by Teams (no Markdown), cut to `max`. */
export function teamsRun(text: string, max: number, style: Omit<TextRun, 'type' | 'text'> = {}, options: { singleLine?: boolean } = {}): TextRun {
  return { type: 'TextRun', text: runText(text, max, options), ...style };
}

/** A RichTextBlock of runs, empty runs dropped; undefined when nothing is left. */
export function richText(inlines: readonly TextRun[], extra: Omit<RichTextBlock, 'type' | 'inlines'> = {}): RichTextBlock | undefined {
  const kept = inlines.filter((run) => run.text !== '');
  return kept.length === 0 ? undefined : { type: 'RichTextBlock', inlines: kept, ...extra };
}

/** A TextBlock of our own words (never finding text): headings, labels, counts. */
export function ownText(text: string, extra: Omit<TextBlock, 'type' | 'text'> = {}): TextBlock {
  return { type: 'TextBlock', text: breakTemplates(text), wrap: true, ...extra };
}

/** Characters Markdown gives a meaning anywhere in a line (emphasis, code, links, HTML, entities, tables). */
const MARKDOWN_PUNCTUATION = /[\\`*_{}[\]<>|~&]/g;
/** What makes a line a heading, a list item or a setext underline only at its start: `# `, `- `, `+ `, `= `, `1. `. */
const BLOCK_START = /^(?:[#+\-=]|\d+[.)])/;
/**
 * Constructs that would be live if a client ignored the backslashes (links, autolinks, emphasis pairs, HTML), and the
 * dot before a name label, where Teams' linkifier would turn `evil.example.com` or `www.evil.example` into a link.
 */
const LIVE_IF_UNESCAPED = /\]\(|\/(?=\/)|<|\*|_|~|\[|@|\.(?=[A-Za-z])|(?:https?|ftp|mailto)(?=:)/gi;

/**
 * A Fact value from finding text: one line, cut, then every Markdown punctuation character backslash-escaped (what
 * CommonMark and Teams' parser honour), and after each construct that could still turn into a link, emphasis or HTML
 * for a client that ignores backslashes, a zero-width space (invisible, and it breaks the construct: `](` no longer
 * adjoins, `*` no longer flanks a word, a domain name is no longer one name for a linkifier). IP addresses and numbers
 * stay as they are; the exact value of a domain is in the finding's details and the console.
 */
export function factValue(text: string, max: number): string {
  const line = runText(text, max, { singleLine: true }).trim();
  const escaped = line.replace(LIVE_IF_UNESCAPED, (match) => `${match}${ZERO_WIDTH_SPACE}`).replace(MARKDOWN_PUNCTUATION, (ch) => `\\${ch}`);
  // `1. x` → `1\. x`, `- x` → `\- x`: escaped where it matters, at the start, and nowhere else (10.0.0.1 stays readable).
  return escaped.replace(BLOCK_START, (start) => `${start.slice(0, -1)}\\${start.slice(-1)}`);
}

/** A fact whose value is our own words (counts, times): no finding text, nothing to escape but `{{`. */
export function ownFact(title: string, value: string): Fact {
  return { title, value: breakTemplates(value) };
}

/** Container styles by band: Critical/High `attention`, Medium `warning`, Low `accent`, Unknown `default`. */
export const BAND_STYLES: Readonly<Record<string, ContainerStyle>> = Object.freeze({
  Critical: 'attention',
  High: 'attention',
  Medium: 'warning',
  Low: 'accent',
  Unknown: 'default',
});

export function bandStyle(bandName: string): ContainerStyle {
  return Object.hasOwn(BAND_STYLES, bandName) ? BAND_STYLES[bandName]! : 'default';
}

/** The band's marker in a title line (Teams draws no Slack emoji shortcodes). */
const BAND_MARKERS: Readonly<Record<string, string>> = Object.freeze({ Critical: '🔴', High: '🟠', Medium: '🟡', Low: '🔵', Unknown: '⚪' });

export function bandMarker(bandName: string): string {
  return Object.hasOwn(BAND_MARKERS, bandName) ? BAND_MARKERS[bandName]! : '⚪';
}

/** A card around a body: schema 1.5, full width, the actions when there are any. */
export function adaptiveCard(body: CardElement[], actions: AdaptiveCard['actions'] = []): AdaptiveCard {
  const card: AdaptiveCard = { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: '1.5', body, msteams: { width: 'Full' } };
  if (actions.length > 0) card.actions = actions;
  return card;
}

/**
 * The body a Teams Workflows webhook takes: one message with one Adaptive Card attachment
 * (https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook, "When a Teams webhook
 * request is received").
 */
export function workflowPostBody(card: AdaptiveCard): { type: 'message'; attachments: Array<{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }> } {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

/** The UTF-8 size of the whole post that carries `card`, as Teams counts it against its limit. */
export function postBytes(card: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(workflowPostBody(card)), 'utf8');
}
