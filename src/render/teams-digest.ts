/**
 * A digest as one Teams card: a container coloured by the worst band with the count and the counts by band, the top
 * types and accounts, then a Table (Adaptive Cards 1.5) of the worst findings first (severity, title linked to its
 * console page, account, type, count), and "…and N more (…)" for the rest, so that every finding is accounted for.
 * The table is cut by `top` and by a byte budget, so 5,000 findings make a card as small as 50 do.
 */
import type { AdaptiveCard, CardElement, TableCell, TableRow, TextRun } from '../core/adaptive-card.js';
import { UNKNOWN_BAND } from '../finding/finding.js';
import { accountParts, displayTitle } from './finding-facts.js';
import { formatCount, formatWhen, plural, severityParts } from './format.js';
import { safeUrl } from './mrkdwn.js';
import {
  ACCOUNTS_SHOWN,
  BAND_ORDER,
  latestActivity,
  moreLine,
  TYPES_SHOWN,
  type DigestFacts,
} from './digest-facts.js';
import type { DigestContext, DigestItem } from './render-context.js';
import { fitCard } from './teams-card.js';
import { adaptiveCard, bandMarker, bandStyle, ownText, richText, runText, teamsRun } from './teams-text.js';

const LINK_URL_MAX = 2000;

interface DigestStep {
  /** Bytes of table rows (JSON) at most; rows past it are counted in "…and N more". */
  readonly tableBytes: number;
  readonly titleMax: number;
  readonly typesShown: number;
  readonly accountsShown: number;
}

const DIGEST_STEPS: readonly DigestStep[] = [
  { tableBytes: 9_000, titleMax: 120, typesShown: TYPES_SHOWN, accountsShown: ACCOUNTS_SHOWN },
  { tableBytes: 4_000, titleMax: 80, typesShown: 3, accountsShown: 3 },
  { tableBytes: 0, titleMax: 60, typesShown: 3, accountsShown: 3 },
];

function cell(...runs: TextRun[]): TableCell {
  const block = richText(runs);
  return { type: 'TableCell', items: block === undefined ? [] : [block] };
}

function headerRow(): TableRow {
  const heading = (text: string): TableCell => ({ type: 'TableCell', items: [ownText(text, { weight: 'bolder' })] });
  return { type: 'TableRow', cells: ['Severity', 'Finding', 'Account', 'Type', 'Seen'].map(heading) };
}

function findingRow(item: DigestItem, step: DigestStep): TableRow {
  const { finding } = item;
  const shown = severityParts(finding);
  const url = safeUrl(item.consoleUrl, LINK_URL_MAX);
  const title = teamsRun(displayTitle(finding), step.titleMax, {}, { singleLine: true });
  // The title opens the finding in the console: a URL enrich built, never one out of the finding.
  if (url !== undefined) title.selectAction = { type: 'Action.OpenUrl', title: 'Open in console', url };
  const account = accountParts(item.accountName, finding.accountId).map((part) => part.text).join(' ');
  return {
    type: 'TableRow',
    cells: [
      cell({ type: 'TextRun', text: `${bandMarker(finding.band.name)} ${shown === undefined ? 'Unknown' : (shown.score ?? shown.band)}` }),
      cell(title, ...(finding.sample ? [{ type: 'TextRun' as const, text: ' (sample)', isSubtle: true }] : [])),
      cell(teamsRun(account || 'Unknown', 80, {}, { singleLine: true })),
      cell(teamsRun(finding.type || 'Unknown', 80, { fontType: 'monospace' }, { singleLine: true })),
      cell({ type: 'TextRun', text: finding.count > 1 ? `×${formatCount(finding.count)}` : '1' }),
    ],
  };
}

/** `3 × Recon:EC2/PortProbeUnprotectedPort` lines, then "…and N more types (M findings)". */
function countLines(heading: string, counts: ReadonlyArray<[string, number]>, shown: number, label: (key: string) => string, noun: string): CardElement[] {
  const lines: CardElement[] = [ownText(heading, { weight: 'bolder', spacing: 'medium' })];
  for (const [key, count] of counts.slice(0, shown)) {
    const line = richText([{ type: 'TextRun', text: `${formatCount(count)} × ` }, teamsRun(label(key) || `Unknown ${noun}`, 120, { fontType: 'monospace' }, { singleLine: true })]);
    if (line !== undefined) lines.push(line);
  }
  const others = counts.slice(shown);
  if (others.length > 0) {
    const findings = others.reduce((sum, [, count]) => sum + count, 0);
    lines.push(ownText(`…and ${plural(others.length, `more ${noun}`)} (${plural(findings, 'finding')})`, { isSubtle: true, spacing: 'none' }));
  }
  return lines;
}

function digestCardAt(facts: DigestFacts, ctx: DigestContext, step: DigestStep): AdaptiveCard {
  const worst = facts.ranked[0]?.finding.band ?? UNKNOWN_BAND;
  const part = facts.part === undefined ? '' : ` · Digest ${facts.part.index}/${facts.part.of}`;
  const head: CardElement[] = [ownText(`${bandMarker(worst.name)} ${plural(facts.total, facts.noun)}${part}`, { weight: 'bolder', size: 'large' })];
  if (facts.total === 0) {
    head.push(ownText('No findings in this digest.'));
    return adaptiveCard([{ type: 'Container', style: 'default', bleed: true, items: head }]);
  }
  const bands = BAND_ORDER.filter((band) => (facts.bands.get(band.name) ?? 0) > 0).map(
    (band) => `${bandMarker(band.name)} ${band.name} ${formatCount(facts.bands.get(band.name) ?? 0)}`,
  );
  head.push(ownText(bands.join(' · '), { spacing: 'small' }));
  const notes: string[] = [];
  if (facts.samples > 0) notes.push(plural(facts.samples, 'sample finding'));
  if (facts.archived > 0) notes.push(`${formatCount(facts.archived)} archived`);
  if (notes.length > 0) head.push(ownText(notes.join(' · '), { isSubtle: true, spacing: 'none' }));
  const body: CardElement[] = [{ type: 'Container', style: bandStyle(worst.name), bleed: true, items: head }];
  body.push(...countLines('Top types', facts.types, step.typesShown, (type) => type, 'type'));
  body.push(
    ...countLines('Top accounts', facts.accounts, step.accountsShown, (id) => accountParts(facts.accountNames.get(id), id === '' ? undefined : id).map((p) => p.text).join(' '), 'account'),
  );
  // The worst first, as many as `top` and the byte budget allow.
  const rows: TableRow[] = [];
  let used = 0;
  for (const item of facts.ranked.slice(0, facts.top)) {
    const row = findingRow(item, step);
    const size = JSON.stringify(row).length;
    if (used + size > step.tableBytes) break;
    rows.push(row);
    used += size;
  }
  if (rows.length > 0) {
    body.push({
      type: 'Table',
      columns: [{ width: 2 }, { width: 6 }, { width: 3 }, { width: 4 }, { width: 1 }],
      rows: [headerRow(), ...rows],
      firstRowAsHeader: true,
      showGridLines: false,
      spacing: 'medium',
      separator: true,
    });
  }
  const rest = facts.ranked.slice(rows.length);
  if (rest.length > 0) body.push(ownText(runText(moreLine(rest), 300), { isSubtle: true }));
  const footer = [plural(facts.accounts.length, 'account'), plural(facts.regions, 'region')];
  const latest = latestActivity(facts.ranked);
  const when = latest === undefined ? undefined : formatWhen(new Date(latest).toISOString(), ctx.now);
  if (when !== undefined) footer.push(`latest activity ${when}`);
  body.push(ownText(footer.join(' · '), { isSubtle: true, size: 'small', separator: true }));
  return adaptiveCard(body);
}

/**
 * A digest as one Teams card, within TEAMS_CARD_BUDGET_BYTES however many findings it counts.
 *
 * @example
 * const card = teamsDigestCard(digestFacts(items, ctx), ctx); // "🟠 42 GuardDuty findings · Digest 1/3"
 */
export function teamsDigestCard(facts: DigestFacts, ctx: DigestContext): AdaptiveCard {
  return fitCard(DIGEST_STEPS, (step) => digestCardAt(facts, ctx, step));
}

