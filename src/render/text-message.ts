/**
 * One finding as plain text for e-mail and SNS: a subject within SNS's rules and a body of labelled lines with the
 * same facts as the Slack message, and the console link.
 *
 * Plain text is not parsed by anyone, so nothing is escaped; it is only sanitised (no control characters, bidi
 * controls shown as "�") and cut. One exception: once an SNS topic is bridged into Slack (a Lambda that posts the
 * message, an e-mail-to-Slack app), `<!channel>`, `<@U…>`, `<#C…>` and `<url|label>` in it would be live again, so
 * every `<` is followed by a zero-width joiner in the body and by a space in the (ASCII-only) subject.
 */
import type { Finding } from '../finding/finding.js';
import type { TextMessage } from '../core/message.js';
import { SNS_SUBJECT_MAX, TEXT_BODY_MAX } from './limits.js';
import { safeUrl, sanitizeText, truncate } from './mrkdwn.js';

import {
  footerFacts,
  kindPrefix,
  LIST_SEPARATOR,
  prepareFinding,
  productLine,
  type Fact,
  type FactPart,
  type PreparedFinding,
  type DetailSection,
  type SequenceFacts,
} from './finding-facts.js';
import { formatCount } from './format.js';
import { DEFAULT_CONSOLE_LABEL, RUNBOOK_LABEL, type RenderContext } from './render-context.js';

const VALUE_MAX = 300;
const DESCRIPTION_TEXT_MAX = 4000;
const URL_TEXT_MAX = 2000;
const LABEL_WIDTH = 12;
const DETAILS_SHOWN = 20;
const TAGS_SHOWN = 20;

// ---- ASCII for SNS subjects ----------------------------------------------------------------------------------------

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const COMBINING_MARKS = /[\u0300-\u036F]/g;
const NON_ASCII = /[^\x20-\x7E]/gu;
const ASCII_LOOKALIKES: Readonly<Record<string, string>> = {
  '—': '-',
  '–': '-',
  '…': '...',
  '·': '-',
  '→': '->',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  '\u00A0': ' ',
};

/**
 * One line of printable ASCII (what SNS accepts in a Subject): accents dropped (`é` → `e`), common punctuation
 * spelled in ASCII, anything else (CJK, emoji, "�") as `?`.
 */
export function toAsciiLine(text: string): string {
  const line = sanitizeText(text, { singleLine: true });
  if (PRINTABLE_ASCII.test(line)) return line;
  return line
    .normalize('NFKD')
    .replace(COMBINING_MARKS, '')
    .replace(NON_ASCII, (ch) => ASCII_LOOKALIKES[ch] ?? '?');
}

const STARTS_WELL = /^[A-Za-z0-9!-/:-@[-`{-~]/;

const ANGLE = /</g;
const ANGLE_BEFORE_TEXT = /<(?=\S)/g;

/**
 * Text for SNS/e-mail bodies, inert if it ever reaches Slack: a zero-width joiner (U+200D) after every `<`, which
 * breaks `<!channel>`, `<@U…>`, `<#C…>` and `<url|label>` for Slack and is invisible to a reader. Applied last
 * (sanitizeText would show a joiner in finding text as "�").
 */
export function inertForSlackBridges(text: string): string {
  return text.includes('<') ? text.replace(ANGLE, '<\u200D') : text;
}

/**
 * An SNS Subject: printable ASCII, one line, at most SNS_SUBJECT_MAX characters (cut with "..."), starting with a
 * letter, digit or punctuation mark. https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
 */
export function snsSubject(text: string): string {
  // ASCII only, so a space instead of the body's zero-width joiner keeps `<!channel>` inert (see inertForSlackBridges).
  let subject = toAsciiLine(text).replace(ANGLE_BEFORE_TEXT, '< ').replace(/ {2,}/g, ' ').trim();
  if (subject === '' || !STARTS_WELL.test(subject)) subject = `GuardDuty ${subject}`.trim();
  if (subject.length > SNS_SUBJECT_MAX) subject = `${subject.slice(0, SNS_SUBJECT_MAX - 3).trimEnd()}...`;
  return subject;
}

// ---- body ----------------------------------------------------------------------------------------------------------

/** One sanitised line of at most `max` characters; huge values are cut before sanitising, which is the costly part. */
function line(text: string, max: number = VALUE_MAX): string {
  return truncate(sanitizeText(text.length > max + 1 ? text.slice(0, max + 1) : text, { singleLine: true }), max);
}

function labelled(label: string, value: string): string {
  return `${`${label}:`.padEnd(LABEL_WIDTH)} ${value}`;
}

function partsText(fact: Fact): string {
  const parts = fact.parts.map((part: FactPart) => line(part.text)).filter((text) => text !== '');
  // The account reads better as "prod-payments (123456789012)" in plain text.
  if (fact.label === 'Account' && parts.length === 2) return line(`${parts[0]} (${parts[1]})`);
  return line(parts.join(fact.separator));
}

/** A detail section as text: its title, then one indented line per entry. */
function sectionLines(section: DetailSection): string[] {
  const lines = ['', `${line(section.title)}:`];
  for (const parts of section.lines) {
    const text = parts.map((part) => part.text).join(' ');
    const shown = line(text, 600);
    if (shown !== '') lines.push(`  ${shown}`);
  }
  if (section.more > 0) lines.push(`  …and ${formatCount(section.more)} more${section.moreWhat === undefined ? '' : ` ${section.moreWhat}`}`);
  return lines;
}

/** The attack sequence as text lines: counts, description, tactics, worst signals, endpoints. */
function sequenceLines(sequence: SequenceFacts | undefined): string[] {
  if (sequence === undefined) return [];
  const lines = ['', `Attack sequence: ${line(sequence.counts)}`];
  if (sequence.description !== undefined) lines.push(`  ${line(sequence.description, 1000)}`);
  if (sequence.tactics.length > 0) lines.push(`  Tactics: ${line(sequence.tactics.join(', '))}`);
  for (const signal of sequence.signals) {
    const parts = [`  - ${line(signal.name, 150)}${signal.count > 1 ? ` x${formatCount(signal.count)}` : ''}`];
    if (signal.severity !== undefined) parts.push(`severity ${signal.severity}`);
    if (signal.firstSeen !== undefined) parts.push(`first ${line(signal.firstSeen, 80)}`);
    if (signal.lastSeen !== undefined) parts.push(`last ${line(signal.lastSeen, 80)}`);
    lines.push(parts.join(LIST_SEPARATOR));
  }
  if (sequence.moreSignals > 0) lines.push(`  and ${formatCount(sequence.moreSignals)} more signals`);
  for (const indicator of sequence.indicators) {
    const values = indicator.values.map((value) => line(value, 150)).filter((v) => v !== '');
    if (values.length > 0) lines.push(`  ${line(indicator.label, 80)}: ${values.join(', ')}${indicator.moreValues > 0 ? ` and ${formatCount(indicator.moreValues)} more` : ''}`);
  }
  if (sequence.additionalTypes.length > 0) lines.push(`  Also matches: ${line(sequence.additionalTypes.join(', '))}`);
  const endpoints = sequence.endpoints.map((endpoint) => line(endpoint, 150)).filter((e) => e !== '');
  if (endpoints.length > 0) {
    lines.push(`  Endpoints: ${endpoints.join(', ')}${sequence.moreEndpoints > 0 ? ` and ${formatCount(sequence.moreEndpoints)} more` : ''}`);
  }
  return lines;
}

/**
 * The subject: `[High 8.0] <title> (<account>, <region>)`, in SNS's rules. When it is too long the title is cut, not
 * the account and region, which say where to look.
 */
export function findingSubject(prepared: PreparedFinding): string {
  const { finding, ctx } = prepared;
  const where = [ctx.accountName ?? finding.accountId, finding.region]
    .map((value) => (value === undefined ? '' : toAsciiLine(line(value, 30))))
    .filter((value) => value !== '');
  // toAsciiLine trims, so the space after the prefix is added afterwards.
  const prefix = `${toAsciiLine(`[${prepared.severity}] ${kindPrefix(ctx, finding)}`)} `;
  const suffix = where.length > 0 ? ` (${where.join(', ')})` : '';
  let title = toAsciiLine(line(prepared.title, SNS_SUBJECT_MAX));
  const room = SNS_SUBJECT_MAX - prefix.length - suffix.length;
  if (title.length > room) title = room > 3 ? `${title.slice(0, room - 3).trimEnd()}...` : '';
  return snsSubject(`${prefix}${title}${suffix}`);
}

/**
 * One finding as an e-mail/SNS message.
 *
 * @example
 * const { subject, body } = renderTextMessage(finding, { now: Date.now(), consoleUrl });
 */
export function renderTextMessage(finding: Finding, ctx: RenderContext): TextMessage {
  return textMessageOf(prepareFinding(finding, ctx));
}

/** renderTextMessage from a finding prepared once for several media. */
export function textMessageOf(prepared: PreparedFinding): TextMessage {
  const { finding, ctx } = prepared;
  // Head and tail are short and always whole; the middle (description, resource details) gets what is left of
  // TEXT_BODY_MAX, so that a 100 KB description can never push the console link out of the message.
  const head: string[] = [line(prepared.title, 500)];
  if (prepared.kind !== undefined) head.push(line(prepared.kind.text));
  head.push('', labelled('Severity', prepared.severity));
  for (const fact of prepared.facts) head.push(labelled(fact.label, partsText(fact)));

  const middle: string[] = [];
  const description = truncate(sanitizeText(finding.description.slice(0, DESCRIPTION_TEXT_MAX + 1)), DESCRIPTION_TEXT_MAX);
  if (description !== '') middle.push('', description);
  middle.push(...sequenceLines(prepared.sequence));
  for (const section of prepared.sections) middle.push(...sectionLines(section));
  const details = finding.resource.details
    .slice(0, DETAILS_SHOWN)
    .map(([label, value]) => `  ${line(label, 60)}: ${line(value)}`);
  const tags = Object.entries(finding.resource.tags);
  if (tags.length > 0) {
    const shown = tags.slice(0, TAGS_SHOWN).map(([key, value]) => line(value === '' ? key : `${key}=${value}`, 100));
    const more = tags.length - TAGS_SHOWN;
    details.push(`  Tags: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`);
  }
  if (details.length > 0) middle.push('', 'Resource details:', ...details);

  const tail: string[] = ['', labelled('Finding id', line(finding.id) || 'Unknown')];
  const flags = [finding.sample ? 'sample finding' : '', finding.archived ? 'archived' : ''].filter((flag) => flag !== '');
  const product = line(productLine(finding), 100) || 'GuardDuty';
  tail.push(labelled('Product', flags.length > 0 ? `${product} (${flags.join(', ')})` : product));
  if (prepared.updated !== undefined) tail.push(labelled('Updated', prepared.updated));
  for (const fact of footerFacts(finding)) {
    const value = line(fact.value, 200);
    if (value !== '') tail.push(labelled(fact.label === 'Part of attack sequence' ? 'Sequence' : fact.label, value));
  }
  const links: string[] = [];
  const consoleUrl = safeUrl(ctx.consoleUrl, URL_TEXT_MAX);
  if (consoleUrl !== undefined) {
    const label = ctx.consoleLabel === undefined ? '' : line(ctx.consoleLabel, 75);
    links.push(`${label === '' ? DEFAULT_CONSOLE_LABEL : label}: ${consoleUrl}`);
  }
  const runbookUrl = safeUrl(ctx.runbookUrl, URL_TEXT_MAX);
  if (runbookUrl !== undefined) links.push(`${RUNBOOK_LABEL}: ${runbookUrl}`);
  if (links.length > 0) tail.push('', ...links);
  const destination = ctx.destination === undefined ? '' : line(ctx.destination, 100);
  if (destination !== '') tail.push('', `Sent to ${destination} by guardduty-notifier.`);

  const headText = head.join('\n');
  const tailText = tail.join('\n');
  const room = Math.max(0, TEXT_BODY_MAX - headText.length - tailText.length - 2);
  const body = [headText, truncate(middle.join('\n'), room), tailText].filter((part) => part !== '').join('\n');
  return { subject: findingSubject(prepared), body: inertForSlackBridges(body) };
}
