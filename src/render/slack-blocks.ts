/**
 * One finding as a Slack Block Kit message.
 *
 * Layout: the header (band emoji + title) and, for escalations/reminders/repeats, a context line saying why, sit at
 * the top level; the facts, the description, resource details, the meta line and the buttons sit in one attachment
 * whose `color` draws the band's bar. Having blocks at the top level keeps `text` a pure notification fallback (with
 * only attachments, Slack would also print `text` above them as the message body), and keeps the header visible when
 * Slack collapses a long attachment.
 *
 * Every finding string goes through mrkdwn.ts (see its module comment for the escaping approach); every mrkdwn text
 * object carries `verbatim: true`; every length is cut to limits.ts.
 */
import type { Finding } from '../finding/finding.js';
import type {
  ActionElement,
  ActionsBlock,
  Block,
  ButtonElement,
  ContextBlock,
  Mrkdwn,
  PlainText,
  SectionBlock,
  SlackMessage,
} from '../core/message.js';
import {
  BUTTON_TEXT_MAX,
  BUTTON_URL_MAX,
  CONTEXT_ELEMENT_MAX,
  CONTEXT_ELEMENTS_MAX,
  DESCRIPTION_MAX,
  DETAILS_TEXT_MAX,
  FIELD_VALUE_MAX,
  HEADER_TEXT_MAX,
  NOTIFICATION_TEXT_MAX,
  SECTION_FIELDS_MAX,
  SEQUENCE_DESCRIPTION_MAX,
  SEQUENCE_NAME_MAX,
  SEQUENCE_TEXT_MAX,
} from './limits.js';
import { escapeMrkdwnTo, inlineCode, plainText, safeUrl, sanitizeText, truncate } from './mrkdwn.js';
import { formatCount, severityParts } from './format.js';
import {
  footerFacts,
  kindPrefix,
  LIST_SEPARATOR,
  prepareFinding,
  productLine,
  type DetailSection,
  type FactPart,
  type PreparedFinding,
  type SequenceFacts,
} from './finding-facts.js';
import { DEFAULT_CONSOLE_LABEL, RUNBOOK_LABEL, type RenderContext } from './render-context.js';
import { ACTIONS_BLOCK_ID, findingActionElements, linkActionId } from './interactive-actions.js';

/** The actions block's id: the interaction handler finds and rewrites this block after a click. */
export { ACTIONS_BLOCK_ID } from './interactive-actions.js';

/** One part of a field (an IP, a name): enough for any real value, small enough for ten fields to stay short. */
const PART_MAX = 150;
/** A finding title inside the notification text. */
const TITLE_IN_TEXT_MAX = 150;
const ACCOUNT_IN_TEXT_MAX = 60;
const REGION_IN_TEXT_MAX = 30;
const FINDING_ID_MAX = 200;
const DETAIL_LABEL_MAX = 40;
const DETAIL_VALUE_MAX = 150;
const DETAILS_SHOWN = 8;
const TAGS_SHOWN = 10;
const TAG_MAX = 80;

/** A mrkdwn text object; `verbatim: true` stops Slack from auto-linking URLs and channel names in it. */
export function mrkdwn(text: string): Mrkdwn {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function plain(text: string): PlainText {
  return { type: 'plain_text', text, emoji: true };
}

/** Room kept for each part still to come, so that a long first part cannot crowd out the ones after it. */
const PART_MIN = 24;

/** Fact parts as mrkdwn: identifiers as code spans, words as escaped prose; blank parts dropped; at most `max` chars. */
export function partsToMrkdwn(parts: readonly FactPart[], separator: string, max: number = FIELD_VALUE_MAX): string {
  const rendered: string[] = [];
  let used = 0;
  parts.forEach((part, index) => {
    const joiner = rendered.length > 0 ? separator.length : 0;
    const later = (parts.length - index - 1) * (PART_MIN + separator.length);
    const room = Math.min(PART_MAX, max - used - joiner - later);
    if (room < 3) return;
    const text = part.code ? inlineCode(part.text, room) : escapeMrkdwnTo(part.text, room, { singleLine: true });
    if (text === '') return;
    rendered.push(text);
    used += joiner + text.length;
  });
  return truncate(rendered.join(separator), max);
}

function field(label: string, value: string): Mrkdwn {
  return mrkdwn(`*${label}*\n${value === '' ? 'Unknown' : value}`);
}

/** `*High* 8.0`; `*High*` when the source gives no number (OCSF, scan results); `*Low* (Informational)`; or `Unknown`. */
export function severityMrkdwn(finding: Finding): string {
  const parts = severityParts(finding);
  if (parts === undefined) return 'Unknown';
  const word = parts.word === undefined ? '' : ` (${escapeMrkdwnTo(parts.word, 30, { singleLine: true })})`;
  return `*${parts.band}*${parts.score === undefined ? '' : ` ${parts.score}`}${word}`;
}

/**
 * The short notification fallback: `[High 8.0] <title> — <account name or id> (<region>)`, escaped, at most
 * NOTIFICATION_TEXT_MAX characters. Escalations and reminders say so after the bracket.
 */
export function notificationText(prepared: PreparedFinding): string {
  const { finding, ctx } = prepared;
  const title = escapeMrkdwnTo(prepared.title, TITLE_IN_TEXT_MAX, { singleLine: true });
  const name = ctx.accountName === undefined ? '' : sanitizeText(ctx.accountName, { singleLine: true });
  const account =
    name !== ''
      ? escapeMrkdwnTo(name, ACCOUNT_IN_TEXT_MAX, { singleLine: true })
      : finding.accountId !== undefined && sanitizeText(finding.accountId) !== ''
        ? escapeMrkdwnTo(finding.accountId, ACCOUNT_IN_TEXT_MAX, { singleLine: true })
        : 'unknown account';
  const region =
    finding.region !== undefined && sanitizeText(finding.region) !== ''
      ? ` (${escapeMrkdwnTo(finding.region, REGION_IN_TEXT_MAX, { singleLine: true })})`
      : '';
  const prefix = escapeMrkdwnTo(kindPrefix(ctx, finding), 60, { singleLine: true });
  return truncate(`[${prepared.severity}] ${prefix}${prefix === '' ? '' : ' '}${title} — ${account}${region}`, NOTIFICATION_TEXT_MAX);
}

function headerBlock(prepared: PreparedFinding): Block {
  const emoji = prepared.finding.band.emoji;
  return { type: 'header', text: plain(`${emoji} ${plainText(prepared.title, HEADER_TEXT_MAX - emoji.length - 1)}`) };
}

function kindBlock(prepared: PreparedFinding): ContextBlock | undefined {
  const line = prepared.kind;
  if (line === undefined) return undefined;
  const text = escapeMrkdwnTo(line.text, CONTEXT_ELEMENT_MAX - line.emoji.length - 1, { singleLine: true });
  return { type: 'context', elements: [mrkdwn(`${line.emoji} ${text}`)] };
}

function factsBlock(prepared: PreparedFinding): SectionBlock {
  const fields = [field('Severity', severityMrkdwn(prepared.finding))];
  for (const fact of prepared.facts) fields.push(field(fact.label, partsToMrkdwn(fact.parts, fact.separator)));
  return { type: 'section', fields: fields.slice(0, SECTION_FIELDS_MAX) };
}

function descriptionBlock(finding: Finding): SectionBlock | undefined {
  const text = escapeMrkdwnTo(finding.description, DESCRIPTION_MAX);
  return text === '' ? undefined : { type: 'section', text: mrkdwn(text) };
}

/** Resource details and tags, most useful first, within DETAILS_TEXT_MAX; the tags line always keeps its room. */
function detailsBlock(finding: Finding): SectionBlock | undefined {
  const tags = Object.entries(finding.resource.tags);
  let tagsLine = '';
  if (tags.length > 0) {
    const shown = tags
      .slice(0, TAGS_SHOWN)
      .map(([key, value]) => inlineCode(value === '' ? key : `${key}=${value}`, TAG_MAX))
      .filter((tag) => tag !== '');
    const more = tags.length - TAGS_SHOWN;
    tagsLine = `Tags: ${shown.join(' ')}${more > 0 ? ` and ${more} more` : ''}`;
  }
  const lines = ['*Resource details*'];
  let used = lines[0]!.length + (tagsLine === '' ? 0 : tagsLine.length + 1);
  for (const [label, value] of finding.resource.details.slice(0, DETAILS_SHOWN)) {
    const shownValue = inlineCode(value, DETAIL_VALUE_MAX);
    const shownLabel = escapeMrkdwnTo(label, DETAIL_LABEL_MAX, { singleLine: true });
    if (shownValue === '' || shownLabel === '') continue;
    const line = `${shownLabel}: ${shownValue}`;
    if (used + line.length + 1 > DETAILS_TEXT_MAX) break;
    lines.push(line);
    used += line.length + 1;
  }
  if (tagsLine !== '') lines.push(tagsLine);
  if (lines.length === 1) return undefined;
  return { type: 'section', text: mrkdwn(truncate(lines.join('\n'), DETAILS_TEXT_MAX)) };
}

/**
 * The attack sequence: its counts, its own description, the tactics, the worst signals (name, count, severity, first
 * and last seen) and the endpoints, every name as inert code, within SEQUENCE_TEXT_MAX. Lines are dropped from the
 * end, never cut in the middle of a code span.
 */
function sequenceBlock(sequence: SequenceFacts | undefined): SectionBlock | undefined {
  if (sequence === undefined) return undefined;
  const lines = [`*Attack sequence*${LIST_SEPARATOR}${escapeMrkdwnTo(sequence.counts, 200, { singleLine: true })}`];
  const description = sequence.description === undefined ? '' : escapeMrkdwnTo(sequence.description, SEQUENCE_DESCRIPTION_MAX);
  if (description !== '') lines.push(description);
  if (sequence.tactics.length > 0) {
    lines.push(`Tactics: ${escapeMrkdwnTo(sequence.tactics.join(', '), 300, { singleLine: true })}`);
  }
  if (sequence.signals.length > 0) lines.push('*Worst signals*');
  for (const signal of sequence.signals) {
    const name = inlineCode(signal.name, SEQUENCE_NAME_MAX);
    if (name === '') continue;
    const parts = [`• ${name}${signal.count > 1 ? ` ×${formatCount(signal.count)}` : ''}`];
    if (signal.severity !== undefined) parts.push(`severity ${signal.severity}`);
    if (signal.firstSeen !== undefined) parts.push(`first ${escapeMrkdwnTo(signal.firstSeen, 80, { singleLine: true })}`);
    if (signal.lastSeen !== undefined) parts.push(`last ${escapeMrkdwnTo(signal.lastSeen, 80, { singleLine: true })}`);
    lines.push(parts.join(LIST_SEPARATOR));
  }
  if (sequence.moreSignals > 0) lines.push(`…and ${formatCount(sequence.moreSignals)} more ${sequence.moreSignals === 1 ? 'signal' : 'signals'}`);
  for (const indicator of sequence.indicators) {
    const values = indicator.values.map((value) => inlineCode(value, SEQUENCE_NAME_MAX)).filter((code) => code !== '');
    if (values.length === 0) continue;
    const more = indicator.moreValues > 0 ? ` and ${formatCount(indicator.moreValues)} more` : '';
    lines.push(`${escapeMrkdwnTo(indicator.label, 80, { singleLine: true })}: ${values.join(' ')}${more}`);
  }
  const alsoTypes = sequence.additionalTypes.map((type) => inlineCode(type, SEQUENCE_NAME_MAX)).filter((code) => code !== '');
  if (alsoTypes.length > 0) lines.push(`Also matches: ${alsoTypes.join(' ')}`);
  const endpoints = sequence.endpoints.map((endpoint) => inlineCode(endpoint, SEQUENCE_NAME_MAX)).filter((code) => code !== '');
  if (endpoints.length > 0) {
    lines.push(`Endpoints: ${endpoints.join(' ')}${sequence.moreEndpoints > 0 ? ` and ${formatCount(sequence.moreEndpoints)} more` : ''}`);
  }
  let text = '';
  for (const line of lines) {
    const next = text === '' ? line : `${text}\n${line}`;
    if (next.length > SEQUENCE_TEXT_MAX) break;
    text = next;
  }
  return { type: 'section', text: mrkdwn(text) };
}

/** A detail section's text: the bold title, then one line per entry, whole lines only, within DETAILS_TEXT_MAX. */
function detailSectionBlock(section: DetailSection): SectionBlock | undefined {
  const title = `*${escapeMrkdwnTo(section.title, 150, { singleLine: true })}*`;
  let text = title;
  let shown = 0;
  for (const parts of section.lines) {
    const line = partsToMrkdwn(parts, ' ', DETAIL_LINE_MAX);
    if (line === '') continue;
    if (text.length + line.length + 1 > DETAILS_TEXT_MAX - 40) break;
    text += `\n${line}`;
    shown++;
  }
  const more = section.more + (section.lines.length - shown);
  if (more > 0) text += `\n…and ${formatCount(more)} more${section.moreWhat === undefined ? '' : ` ${escapeMrkdwnTo(section.moreWhat, 20, { singleLine: true })}`}`;
  return shown === 0 && more === 0 ? undefined : { type: 'section', text: mrkdwn(text) };
}

/** One line of a detail section (a threat with its path and hash is long, but one line). */
const DETAIL_LINE_MAX = 600;

/** Footer elements: the id, the product, flags, the update time, then feature, status, custom rule, sequence. */
function metaBlock(prepared: PreparedFinding): ContextBlock {
  const { finding } = prepared;
  const elements: Mrkdwn[] = [];
  const id = inlineCode(finding.id, FINDING_ID_MAX);
  if (id !== '') elements.push(mrkdwn(`Finding ${id}`));
  elements.push(mrkdwn(escapeMrkdwnTo(productLine(finding), 100, { singleLine: true }) || 'GuardDuty'));
  if (finding.sample) elements.push(mrkdwn(':test_tube: sample finding'));
  if (finding.archived) elements.push(mrkdwn(':file_cabinet: archived'));
  const updated = prepared.updated;
  if (updated !== undefined) elements.push(mrkdwn(`Updated ${escapeMrkdwnTo(updated, CONTEXT_ELEMENT_MAX - 8, { singleLine: true })}`));
  for (const fact of footerFacts(finding)) {
    const value = fact.code ? inlineCode(fact.value, FOOTER_VALUE_MAX) : escapeMrkdwnTo(fact.value, FOOTER_VALUE_MAX, { singleLine: true });
    if (value !== '' && elements.length < CONTEXT_ELEMENTS_MAX) elements.push(mrkdwn(`${fact.label} ${value}`));
  }
  return { type: 'context', elements };
}

/** A footer value (feature, status, rule name, sequence id): short by nature, cut when it is not. */
const FOOTER_VALUE_MAX = 120;

function button(label: string, url: string, actionId?: string): ButtonElement {
  return actionId === undefined ? { type: 'button', text: plain(label), url } : { type: 'button', text: plain(label), url, action_id: actionId };
}

/**
 * The interactive elements when `ctx.interact` is set (interactive-actions.ts), then the link buttons. Link buttons carry
 * no action_id unless the message is interactive (Slack then sends a payload for link clicks too, which the handler
 * recognises by its action_id and ignores). Undefined when there is nothing to show: an actions block must hold at
 * least one element.
 */
function actionsBlock(finding: Finding, ctx: RenderContext): ActionsBlock | undefined {
  const interactive = ctx.interact !== undefined;
  const elements: ActionElement[] = ctx.interact === undefined ? [] : findingActionElements(finding, ctx.interact);
  const consoleUrl = safeUrl(ctx.consoleUrl, BUTTON_URL_MAX);
  if (consoleUrl !== undefined) {
    const label = ctx.consoleLabel === undefined ? '' : plainText(ctx.consoleLabel, BUTTON_TEXT_MAX);
    elements.push(button(label === '' ? DEFAULT_CONSOLE_LABEL : label, consoleUrl, interactive ? linkActionId('open') : undefined));
  }
  const runbookUrl = safeUrl(ctx.runbookUrl, BUTTON_URL_MAX);
  if (runbookUrl !== undefined) elements.push(button(RUNBOOK_LABEL, runbookUrl, interactive ? linkActionId('runbook') : undefined));
  return elements.length === 0 ? undefined : { type: 'actions', block_id: ACTIONS_BLOCK_ID, elements };
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/**
 * One finding as a Slack message: header, why-line, facts, description, details, meta, buttons, inside the band's
 * colour bar. Stays within Slack's limits for any finding (checkSlackLimits is empty).
 *
 * @example
 * const message = renderSlackMessage(finding, { now: Date.now(), accountName: 'prod-payments', consoleUrl });
 */
export function renderSlackMessage(finding: Finding, ctx: RenderContext): SlackMessage {
  return slackMessageOf(prepareFinding(finding, ctx));
}

/** renderSlackMessage from a finding prepared once for several media. */
export function slackMessageOf(prepared: PreparedFinding): SlackMessage {
  const { finding, ctx } = prepared;
  const text = notificationText(prepared);
  const top = [headerBlock(prepared), kindBlock(prepared)].filter(defined);
  const body: Block[] = [
    factsBlock(prepared),
    descriptionBlock(finding),
    sequenceBlock(prepared.sequence),
    ...prepared.sections.map(detailSectionBlock),
    detailsBlock(finding),
    metaBlock(prepared),
    actionsBlock(finding, ctx),
  ].filter(defined);
  return {
    text,
    blocks: top,
    attachments: [{ color: finding.band.color, blocks: body, fallback: text }],
    // A console link in the message must not unfurl into a preview card.
    unfurl_links: false,
    unfurl_media: false,
  };
}
