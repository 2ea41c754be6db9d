/**
 * One message for a burst of findings (one press of "Generate sample findings" makes hundreds): counts by band, by
 * type and by account, the worst findings one per line, and "…and N more (…)" so that every finding is accounted for.
 *
 * However many items come in (1 or 5,000), the message stays within Slack's limits: the list is cut by a count (`top`,
 * at most MAX_TOP) and by a text budget, and the rest is counted, not listed.
 */
import { SEVERITY_BANDS, UNKNOWN_BAND, type Finding, type SeverityBand } from '../finding/finding.js';
import type { Block, RenderedMessage, SectionBlock, TextMessage } from '../core/message.js';
import { NOTIFICATION_TEXT_MAX, SECTION_TEXT_MAX } from './limits.js';
import { inlineCode, mrkdwnLink, safeUrl, sanitizeText, truncate } from './mrkdwn.js';
import { formatCount, formatSeverity, formatWhen, parseTime, plural, severityLabel, severityParts } from './format.js';
import { accountParts, displayTitle } from './finding-facts.js';
import { mrkdwn, partsToMrkdwn, plain } from './slack-blocks.js';
import { setAttribute } from './render-message.js';
import { inertForSlackBridges, snsSubject } from './text-message.js';
import type { DigestContext, DigestItem } from './render-context.js';
import { digestActionsBlock } from './interactive-actions.js';

export type { DigestContext, DigestItem } from './render-context.js';

export const DEFAULT_DIGEST_TOP = 10;
/** Findings listed one by one, at most, whatever `top` asks: more would not be read, and each line costs ~250 chars. */
export const MAX_DIGEST_TOP = 25;
/** Characters of finding lines in one digest, so the message stays well under MESSAGE_BLOCKS_TEXT_BUDGET. */
const LIST_TEXT_BUDGET = 6000;
const TYPES_SHOWN = 5;
const ACCOUNTS_SHOWN = 5;
const LINK_URL_MAX = 500;
const LINE_TITLE_MAX = 90;
const LINE_ACCOUNT_MAX = 80;
const LINE_TYPE_MAX = 70;
const TEXT_TITLE_MAX = 200;
const TEXT_URL_MAX = 2000;

/** Bands from worst to Unknown, the order every count is shown in. */
const BAND_ORDER: readonly SeverityBand[] = [...SEVERITY_BANDS, UNKNOWN_BAND];

interface Ranked {
  readonly item: DigestItem;
  readonly rank: number;
  readonly severity: number;
  readonly seenAt: number;
}

/** Worst first: band, then severity, then most recent activity, then id (so the order never depends on input order). */
function rankItems(items: readonly DigestItem[]): DigestItem[] {
  const ranked: Ranked[] = items.map((item) => ({
    item,
    rank: item.finding.band.rank,
    severity: item.finding.severity ?? -1,
    seenAt: parseTime(item.finding.lastSeen ?? item.finding.updatedAt) ?? 0,
  }));
  ranked.sort(
    (a, b) =>
      b.rank - a.rank ||
      b.severity - a.severity ||
      b.seenAt - a.seenAt ||
      (a.item.finding.id < b.item.finding.id ? -1 : a.item.finding.id > b.item.finding.id ? 1 : 0),
  );
  return ranked.map((entry) => entry.item);
}

function countBands(items: readonly DigestItem[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { finding } of items) counts.set(finding.band.name, (counts.get(finding.band.name) ?? 0) + 1);
  return counts;
}

/** `2 Critical, 10 High, 20 Medium, 10 Low` (bands with findings only, worst first). */
export function bandSummary(counts: ReadonlyMap<string, number>): string {
  return BAND_ORDER.filter((band) => (counts.get(band.name) ?? 0) > 0)
    .map((band) => `${formatCount(counts.get(band.name) ?? 0)} ${band.name}`)
    .join(', ');
}

/** Counts by key, largest first, ties by key. */
function topCounts<K>(items: readonly DigestItem[], keyOf: (finding: Finding) => K): Array<[K, number]> {
  const counts = new Map<K, number>();
  for (const { finding } of items) {
    const key = keyOf(finding);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Plain code-unit order for ties: deterministic, and far cheaper than localeCompare on thousands of keys.
  return [...counts].sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0));
}

function validPart(part: DigestContext['part']): { index: number; of: number } | undefined {
  if (part === undefined) return undefined;
  const { index, of } = part;
  return Number.isInteger(index) && Number.isInteger(of) && index >= 1 && of >= index ? { index, of } : undefined;
}

function topOf(ctx: DigestContext): number {
  const top = ctx.top ?? DEFAULT_DIGEST_TOP;
  if (!Number.isFinite(top) || top < 0) return DEFAULT_DIGEST_TOP;
  return Math.min(Math.floor(top), MAX_DIGEST_TOP);
}

interface DigestFacts {
  readonly total: number;
  readonly ranked: readonly DigestItem[];
  readonly bands: ReadonlyMap<string, number>;
  readonly types: ReadonlyArray<[string, number]>;
  readonly accounts: ReadonlyArray<[string, number]>;
  /** First account name seen for each account id. */
  readonly accountNames: ReadonlyMap<string, string>;
  readonly regions: number;
  readonly samples: number;
  readonly archived: number;
  readonly noun: string;
  readonly part: { index: number; of: number } | undefined;
  readonly top: number;
}

function digestFacts(items: readonly DigestItem[], ctx: DigestContext): DigestFacts {
  const accountNames = new Map<string, string>();
  const regions = new Set<string>();
  let samples = 0;
  let archived = 0;
  let allGuardDuty = true;
  for (const { finding, accountName } of items) {
    const id = finding.accountId ?? '';
    if (accountName !== undefined && !accountNames.has(id)) accountNames.set(id, accountName);
    if (finding.region !== undefined) regions.add(finding.region);
    if (finding.sample) samples += 1;
    if (finding.archived) archived += 1;
    if (finding.product !== 'GuardDuty') allGuardDuty = false;
  }
  return {
    total: items.length,
    ranked: rankItems(items),
    bands: countBands(items),
    types: topCounts(items, (finding) => finding.type),
    accounts: topCounts(items, (finding) => finding.accountId ?? ''),
    accountNames,
    regions: regions.size,
    samples,
    archived,
    noun: allGuardDuty ? 'GuardDuty finding' : 'finding',
    part: validPart(ctx.part),
    top: topOf(ctx),
  };
}

function partTag(facts: DigestFacts): string {
  return facts.part === undefined ? '' : ` ${facts.part.index}/${facts.part.of}`;
}

// ---- Slack -----------------------------------------------------------------------------------------------------

function findingLine(item: DigestItem): string {
  const finding = item.finding;
  // The score when there is one (`*8.0*`), else the band a source gave without a number (`*High*`).
  const shown = severityParts(finding);
  const severity = shown === undefined ? 'Unknown' : `*${shown.score ?? shown.band}*`;
  const title = mrkdwnLink(item.consoleUrl, displayTitle(finding), { urlMax: LINK_URL_MAX, labelMax: LINE_TITLE_MAX });
  const parts = [
    `${finding.band.emoji} ${severity} ${title}`,
    partsToMrkdwn(accountParts(item.accountName, finding.accountId), ' ', LINE_ACCOUNT_MAX),
    inlineCode(finding.type, LINE_TYPE_MAX),
    finding.count > 1 ? `×${formatCount(finding.count)}` : '',
    finding.sample ? 'sample' : '',
  ];
  return parts.filter((part) => part !== '').join(' · ');
}

/** The worst findings, one line each, packed into sections of at most SECTION_TEXT_MAX; returns how many were listed. */
function listSections(facts: DigestFacts): { sections: SectionBlock[]; listed: number } {
  const texts: string[] = [];
  let current = '';
  let used = 0;
  let listed = 0;
  for (const item of facts.ranked.slice(0, facts.top)) {
    const line = findingLine(item);
    if (used + line.length + 1 > LIST_TEXT_BUDGET) break;
    if (current !== '' && current.length + 1 + line.length > SECTION_TEXT_MAX) {
      texts.push(current);
      current = '';
    }
    current = current === '' ? line : `${current}\n${line}`;
    used += line.length + 1;
    listed += 1;
  }
  if (current !== '') texts.push(current);
  return { sections: texts.map((text) => ({ type: 'section', text: mrkdwn(text) })), listed };
}

function bandLine(facts: DigestFacts): string {
  const bands = BAND_ORDER.filter((band) => (facts.bands.get(band.name) ?? 0) > 0).map(
    (band) => `${band.emoji} *${band.name}* ${formatCount(facts.bands.get(band.name) ?? 0)}`,
  );
  const notes: string[] = [];
  if (facts.samples > 0) notes.push(`:test_tube: ${plural(facts.samples, 'sample finding')}`);
  if (facts.archived > 0) notes.push(`:file_cabinet: ${formatCount(facts.archived)} archived`);
  return [bands.join(' · '), notes.join(' · ')].filter((part) => part !== '').join('\n');
}

function typesField(facts: DigestFacts): string {
  const lines = facts.types
    .slice(0, TYPES_SHOWN)
    .map(([type, count]) => `${formatCount(count)} × ${inlineCode(type, 80) || 'Unknown type'}`);
  const others = facts.types.slice(TYPES_SHOWN);
  if (others.length > 0) {
    const findings = others.reduce((sum, [, count]) => sum + count, 0);
    lines.push(`…and ${plural(others.length, 'more type')} (${plural(findings, 'finding')})`);
  }
  return ['*Top types*', ...lines].join('\n');
}

function accountsField(facts: DigestFacts): string {
  const lines = facts.accounts.slice(0, ACCOUNTS_SHOWN).map(([id, count]) => {
    const account = partsToMrkdwn(accountParts(facts.accountNames.get(id), id === '' ? undefined : id), ' ', 120);
    return `${formatCount(count)} × ${account === '' ? 'Unknown account' : account}`;
  });
  const others = facts.accounts.slice(ACCOUNTS_SHOWN);
  if (others.length > 0) {
    const findings = others.reduce((sum, [, count]) => sum + count, 0);
    lines.push(`…and ${plural(others.length, 'more account')} (${plural(findings, 'finding')})`);
  }
  return ['*Top accounts*', ...lines].join('\n');
}

function moreLine(rest: readonly DigestItem[]): string {
  return `…and ${formatCount(rest.length)} more (${bandSummary(countBands(rest))})`;
}

function digestText(facts: DigestFacts): string {
  const summary = bandSummary(facts.bands);
  return truncate(
    `[Digest${partTag(facts)}] ${plural(facts.total, 'finding')}${summary === '' ? '' : `: ${summary}`}`,
    NOTIFICATION_TEXT_MAX,
  );
}

function digestSlack(facts: DigestFacts, now: number, interact: DigestContext['interact']): RenderedMessage['slack'] {
  const text = digestText(facts);
  const part = facts.part === undefined ? '' : ` · Digest ${facts.part.index}/${facts.part.of}`;
  const header: Block = { type: 'header', text: plain(`:rotating_light: ${plural(facts.total, facts.noun)}${part}`) };
  const body: Block[] = [];
  if (facts.total === 0) {
    body.push({ type: 'section', text: mrkdwn('No findings in this digest.') });
  } else {
    body.push({ type: 'section', text: mrkdwn(bandLine(facts)) });
    body.push({ type: 'section', fields: [mrkdwn(typesField(facts)), mrkdwn(accountsField(facts))] });
    const { sections, listed } = listSections(facts);
    if (sections.length > 0) body.push({ type: 'divider' }, ...sections);
    const rest = facts.ranked.slice(listed);
    if (rest.length > 0) body.push({ type: 'context', elements: [mrkdwn(moreLine(rest))] });
    const footer = [plural(facts.accounts.length, 'account'), plural(facts.regions, 'region')];
    const latest = latestActivity(facts.ranked);
    const when = latest === undefined ? undefined : formatWhen(new Date(latest).toISOString(), now);
    if (when !== undefined) footer.push(`latest activity ${when}`);
    body.push({ type: 'context', elements: [mrkdwn(footer.join(' · '))] });
    // Mute type for the types listed under "Top types" (interactive-actions.ts).
    const actions = interact === undefined ? undefined : digestActionsBlock(facts.types.slice(0, TYPES_SHOWN).map(([type]) => type), interact);
    if (actions !== undefined) body.push(actions);
  }
  const worst = facts.ranked[0]?.finding.band ?? UNKNOWN_BAND;
  return {
    text,
    blocks: [header],
    attachments: [{ color: worst.color, blocks: body, fallback: text }],
    unfurl_links: false,
    unfurl_media: false,
  };
}

function latestActivity(items: readonly DigestItem[]): number | undefined {
  let latest: number | undefined;
  for (const { finding } of items) {
    const at = parseTime(finding.lastSeen ?? finding.updatedAt);
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
}

// ---- text ------------------------------------------------------------------------------------------------------

function plainLine(text: string, max: number): string {
  return truncate(sanitizeText(text.length > max + 1 ? text.slice(0, max + 1) : text, { singleLine: true }), max);
}

function accountText(name: string | undefined, id: string | undefined): string {
  const cleanName = name === undefined ? '' : plainLine(name, 60);
  const cleanId = id === undefined ? '' : plainLine(id, 40);
  if (cleanName !== '' && cleanId !== '' && cleanName !== cleanId) return `${cleanName} (${cleanId})`;
  return cleanName || cleanId || 'unknown account';
}

function digestTextMessage(facts: DigestFacts, destination: string | undefined): TextMessage {
  const summary = bandSummary(facts.bands);
  const subject = snsSubject(`[Digest${partTag(facts)}] ${plural(facts.total, facts.noun)}${summary === '' ? '' : `: ${summary}`}`);
  const lines: string[] = [
    `${plural(facts.total, facts.noun)}${facts.part === undefined ? '' : ` (digest ${facts.part.index} of ${facts.part.of})`}`,
  ];
  if (summary !== '') lines.push(`By severity: ${summary}`);
  if (facts.samples > 0) lines.push(`Sample findings: ${formatCount(facts.samples)}`);
  if (facts.archived > 0) lines.push(`Archived: ${formatCount(facts.archived)}`);
  if (facts.total > 0) {
    lines.push('', 'Top types:');
    for (const [type, count] of facts.types.slice(0, TYPES_SHOWN)) {
      lines.push(`  ${formatCount(count).padStart(6)}  ${plainLine(type, 120) || 'Unknown type'}`);
    }
    if (facts.types.length > TYPES_SHOWN) lines.push(`  and ${plural(facts.types.length - TYPES_SHOWN, 'more type')}`);
    lines.push('', 'Top accounts:');
    for (const [id, count] of facts.accounts.slice(0, ACCOUNTS_SHOWN)) {
      lines.push(`  ${formatCount(count).padStart(6)}  ${accountText(facts.accountNames.get(id), id === '' ? undefined : id)}`);
    }
    if (facts.accounts.length > ACCOUNTS_SHOWN) lines.push(`  and ${plural(facts.accounts.length - ACCOUNTS_SHOWN, 'more account')}`);
    const listed = facts.ranked.slice(0, facts.top);
    if (listed.length > 0) lines.push('', 'Worst findings:');
    for (const { finding, accountName, consoleUrl } of listed) {
      lines.push(`  [${severityLabel(finding)}] ${plainLine(displayTitle(finding), TEXT_TITLE_MAX)}`);
      const where = [accountText(accountName, finding.accountId), plainLine(finding.region ?? '', 30), plainLine(finding.type, 120)];
      if (finding.count > 1) where.push(`seen ${formatCount(finding.count)} times`);
      if (finding.sample) where.push('sample');
      lines.push(`      ${where.filter((part) => part !== '').join(' - ')}`);
      const url = safeUrl(consoleUrl, TEXT_URL_MAX);
      if (url !== undefined) lines.push(`      ${url}`);
    }
    const rest = facts.ranked.slice(listed.length);
    if (rest.length > 0) lines.push(moreLine(rest));
  }
  const to = destination === undefined ? '' : plainLine(destination, 100);
  if (to !== '') lines.push('', `Sent to ${to} by guardduty-notifier.`);
  return { subject, body: inertForSlackBridges(lines.join('\n')) };
}

// ---- public ----------------------------------------------------------------------------------------------------

/**
 * One digest message for a burst of findings, for every medium.
 *
 * @example
 * renderDigestMessage(items, { now, top: 10, part: { index: 1, of: 3 } });
 * // slack.text: "[Digest 1/3] 42 findings: 2 Critical, 10 High, 20 Medium, 10 Low"
 */
export function renderDigestMessage(items: DigestItem[], ctx: DigestContext): RenderedMessage {
  const facts = digestFacts(items, ctx);
  const attributes: Record<string, string> = { kind: 'digest', count: String(facts.total) };
  const worst = facts.ranked[0]?.finding;
  setAttribute(attributes, 'band', worst?.band.name ?? UNKNOWN_BAND.name);
  if (worst !== undefined) setAttribute(attributes, 'severity', formatSeverity(worst.severity));
  return { slack: digestSlack(facts, ctx.now, ctx.interact), text: digestTextMessage(facts, ctx.destination), attributes };
}
