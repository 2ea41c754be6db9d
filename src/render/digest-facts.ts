/**
 * The neutral facts of a digest, computed once for every medium (digest.ts renders Slack and text, teams-digest.ts the
 * Teams card): the findings ranked worst first, counts by band, by type and by account, and what is left unlisted.
 */
import { SEVERITY_BANDS, UNKNOWN_BAND, type Finding, type SeverityBand } from '../finding/finding.js';
import { formatCount, parseTime } from './format.js';
import type { DigestContext, DigestItem } from './render-context.js';

export const DEFAULT_DIGEST_TOP = 10;
/** Findings listed one by one, at most, whatever `top` asks: more would not be read, and each line costs ~250 chars. */
export const MAX_DIGEST_TOP = 25;
/** Types and accounts counted by name; the rest are summed into "…and N more". */
export const TYPES_SHOWN = 5;
export const ACCOUNTS_SHOWN = 5;

/** Bands from worst to Unknown, the order every count is shown in. */
export const BAND_ORDER: readonly SeverityBand[] = [...SEVERITY_BANDS, UNKNOWN_BAND];

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

export function countBands(items: readonly DigestItem[]): Map<string, number> {
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

export interface DigestFacts {
  /** The items as they came (the decisions' order). */
  readonly items: readonly DigestItem[];
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

export function digestFacts(items: readonly DigestItem[], ctx: DigestContext): DigestFacts {
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
    items,
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

export function partTag(facts: DigestFacts): string {
  return facts.part === undefined ? '' : ` ${facts.part.index}/${facts.part.of}`;
}

/** `…and 12 more (2 High, 10 Low)`: what the list left out, counted. */
export function moreLine(rest: readonly DigestItem[]): string {
  return `…and ${formatCount(rest.length)} more (${bandSummary(countBands(rest))})`;
}

/** The latest activity (last seen, else updated) among the items, epoch ms. */
export function latestActivity(items: readonly DigestItem[]): number | undefined {
  let latest: number | undefined;
  for (const { finding } of items) {
    const at = parseTime(finding.lastSeen ?? finding.updatedAt);
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
}
