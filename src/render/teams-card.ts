/**
 * One finding as a Microsoft Teams Adaptive Card (1.5), posted through a Workflows webhook.
 *
 * Layout, top to bottom: a container coloured by band (Critical/High `attention`, Medium `warning`, Low `accent`) with
 * the title line (band marker, "Escalated from Medium:"/"Still active:"/"Seen again:" when it is not new, the title)
 * and the why-line; a FactSet (Severity, Account, Region, Type, Resource, Remote, Action, Count, First/Last seen); the
 * description; the attack sequence (counts, tactics, worst signals, endpoints); resource details and tags; a small
 * footer (finding id, product, flags, updated, feature/status/rule/sequence); and `Action.OpenUrl` buttons to the
 * console and the route's runbook. `msteams.width: "Full"`.
 *
 * Finding text sits in TextRuns (drawn as is) everywhere but the FactSet, whose values are escaped (teams-text.ts).
 * No buttons call us back: a Workflows post cannot (acting stays in Slack).
 *
 * Every card fits TEAMS_CARD_BUDGET_BYTES: when the full rendering is larger (a 100 KB description, hundreds of tags),
 * it is rendered again with shorter lists and texts (SIZE_STEPS), and every list says how many it left out.
 */
import type { AdaptiveCard, CardElement, FactSet, OpenUrlAction, RichTextBlock, TextRun } from '../core/adaptive-card.js';
import type { Finding } from '../finding/finding.js';
import { footerFacts, kindPrefix, LIST_SEPARATOR, productLine, type DetailSection, type PreparedFinding, type SequenceFacts } from './finding-facts.js';
import { formatCount, plural, severityParts } from './format.js';
import { safeUrl } from './mrkdwn.js';
import { DEFAULT_CONSOLE_LABEL, RUNBOOK_LABEL, type RenderContext } from './render-context.js';
import {
  adaptiveCard,
  bandMarker,
  bandStyle,
  factValue,
  ownFact,
  ownText,
  postBytes,
  richText,
  runText,
  TEAMS_CARD_BUDGET_BYTES,
  teamsRun,
} from './teams-text.js';

/** Action.OpenUrl title: Teams shows short button labels; ours are ours, cut like Slack's (75). */
const ACTION_TITLE_MAX = 75;
/** A console or runbook URL we built; a longer one is not ours and is left out. */
const ACTION_URL_MAX = 3000;
const TITLE_MAX = 300;
const FINDING_ID_MAX = 200;
const FOOTER_VALUE_MAX = 120;

/** How much of each list and text a card shows, from the full rendering to the shortest (see fitCard). */
interface SizeStep {
  readonly factPart: number;
  readonly description: number;
  readonly details: number;
  readonly detailValue: number;
  readonly tags: number;
  readonly signals: number;
  readonly endpoints: number;
  readonly sequenceDescription: number;
  readonly responseLines: number;
}

export const SIZE_STEPS: readonly SizeStep[] = [
  { factPart: 150, description: 3000, details: 8, detailValue: 150, tags: 10, signals: 10, endpoints: 10, sequenceDescription: 600, responseLines: 15 },
  { factPart: 100, description: 1000, details: 6, detailValue: 100, tags: 5, signals: 5, endpoints: 5, sequenceDescription: 300, responseLines: 10 },
  { factPart: 60, description: 300, details: 0, detailValue: 0, tags: 0, signals: 0, endpoints: 0, sequenceDescription: 0, responseLines: 5 },
];

/** `High 8.0`, `High (Fatal)`; the source's word is finding text, escaped like every fact value. */
function severityFact(finding: Finding): string {
  const parts = severityParts(finding);
  if (parts === undefined) return 'Unknown';
  const word = parts.word === undefined ? '' : ` (${factValue(parts.word, 30)})`;
  return `${parts.band}${parts.score === undefined ? '' : ` ${parts.score}`}${word}`;
}

function factSet(prepared: PreparedFinding, step: SizeStep): FactSet {
  const facts = [ownFact('Severity', severityFact(prepared.finding))];
  for (const fact of prepared.facts) {
    const value = fact.parts
      .map((part) => factValue(part.text, step.factPart))
      .filter((text) => text !== '')
      .join(fact.separator);
    facts.push({ title: fact.label, value: value === '' ? 'Unknown' : value });
  }
  return { type: 'FactSet', facts };
}

/** The title line: band marker, why (for a message that is not the first), the title. */
function titleBlock(prepared: PreparedFinding): RichTextBlock {
  const { finding, ctx } = prepared;
  const why = kindPrefix(ctx);
  const runs: TextRun[] = [{ type: 'TextRun', text: `${bandMarker(finding.band.name)} ` }];
  if (why !== '') runs.push(teamsRun(why, 80, { weight: 'bolder', size: 'large', color: 'attention' }, { singleLine: true }), { type: 'TextRun', text: ' ' });
  runs.push(teamsRun(prepared.title, TITLE_MAX, { weight: 'bolder', size: 'large' }, { singleLine: true }));
  return { type: 'RichTextBlock', inlines: runs };
}

function kindBlock(prepared: PreparedFinding): RichTextBlock | undefined {
  return prepared.kind === undefined ? undefined : richText([teamsRun(prepared.kind.text, 200, { isSubtle: true }, { singleLine: true })]);
}

function descriptionBlock(finding: Finding, step: SizeStep): RichTextBlock | undefined {
  return richText([teamsRun(finding.description, step.description)], { spacing: 'medium' });
}

/** `Label: ` in bold, then the value in monospace; both finding text, both runs. */
function labelledLine(label: string, value: string, valueMax: number): RichTextBlock | undefined {
  const shownValue = runText(value, valueMax, { singleLine: true });
  if (shownValue === '') return undefined;
  return richText([teamsRun(`${label}: `, 60, { weight: 'bolder' }, { singleLine: true }), { type: 'TextRun', text: shownValue, fontType: 'monospace' }]);
}

function detailsBlocks(finding: Finding, step: SizeStep): CardElement[] {
  if (step.details === 0 && step.tags === 0) return [];
  const lines: CardElement[] = [];
  for (const [label, value] of finding.resource.details.slice(0, step.details)) {
    const line = labelledLine(label, value, step.detailValue);
    if (line !== undefined) lines.push(line);
  }
  const tags = Object.entries(finding.resource.tags);
  if (tags.length > 0 && step.tags > 0) {
    const runs: TextRun[] = [{ type: 'TextRun', text: 'Tags: ', weight: 'bolder' }];
    tags.slice(0, step.tags).forEach(([key, value], index) => {
      if (index > 0) runs.push({ type: 'TextRun', text: ' · ' });
      runs.push(teamsRun(value === '' ? key : `${key}=${value}`, 80, { fontType: 'monospace' }, { singleLine: true }));
    });
    const more = tags.length - step.tags;
    if (more > 0) runs.push({ type: 'TextRun', text: ` and ${formatCount(more)} more` });
    const line = richText(runs);
    if (line !== undefined) lines.push(line);
  }
  const more = finding.resource.details.length - step.details;
  if (step.details > 0 && more > 0) lines.push(ownText(`…and ${plural(more, 'more detail')}`, { isSubtle: true, spacing: 'none' }));
  return lines.length === 0 ? [] : [ownText('Resource details', { weight: 'bolder', spacing: 'medium' }), ...lines];
}

function sequenceBlocks(sequence: SequenceFacts | undefined, step: SizeStep): CardElement[] {
  if (sequence === undefined) return [];
  const blocks: CardElement[] = [ownText(`Attack sequence${LIST_SEPARATOR}${runText(sequence.counts, 200, { singleLine: true })}`, { weight: 'bolder', spacing: 'medium' })];
  if (sequence.description !== undefined && step.sequenceDescription > 0) {
    const description = richText([teamsRun(sequence.description, step.sequenceDescription)]);
    if (description !== undefined) blocks.push(description);
  }
  if (sequence.tactics.length > 0) {
    const tactics = richText([{ type: 'TextRun', text: 'Tactics: ', weight: 'bolder' }, teamsRun(sequence.tactics.join(', '), 300, {}, { singleLine: true })]);
    if (tactics !== undefined) blocks.push(tactics);
  }
  // The other indicators in plain words (MALICIOUS_PACKAGE, VULNERABILITY, …) and the other sequence types it matches.
  for (const indicator of step.signals > 0 ? sequence.indicators : []) {
    const runs: TextRun[] = [teamsRun(`${indicator.label}:`, 80, { weight: 'bolder' }, { singleLine: true }), { type: 'TextRun', text: ' ' }];
    indicator.values.forEach((value, index) => {
      if (index > 0) runs.push({ type: 'TextRun', text: ' · ' });
      runs.push(teamsRun(value, 150, { fontType: 'monospace' }, { singleLine: true }));
    });
    if (indicator.moreValues > 0) runs.push({ type: 'TextRun', text: ` and ${formatCount(indicator.moreValues)} more` });
    const line = richText(runs);
    if (line !== undefined) blocks.push(line);
  }
  if (sequence.additionalTypes.length > 0 && step.signals > 0) {
    const also = richText([{ type: 'TextRun', text: 'Also matches: ', weight: 'bolder' }, teamsRun(sequence.additionalTypes.join(', '), 300, { fontType: 'monospace' }, { singleLine: true })]);
    if (also !== undefined) blocks.push(also);
  }
  const shown = sequence.signals.slice(0, step.signals);
  for (const signal of shown) {
    const facts = [signal.count > 1 ? `×${formatCount(signal.count)}` : ''];
    if (signal.severity !== undefined) facts.push(`severity ${signal.severity}`);
    if (signal.firstSeen !== undefined) facts.push(`first ${signal.firstSeen}`);
    if (signal.lastSeen !== undefined) facts.push(`last ${signal.lastSeen}`);
    const line = richText([
      { type: 'TextRun', text: '• ' },
      teamsRun(signal.name, 150, { fontType: 'monospace' }, { singleLine: true }),
      teamsRun(` ${facts.filter((f) => f !== '').join(LIST_SEPARATOR)}`, 300, { isSubtle: true }, { singleLine: true }),
    ]);
    if (line !== undefined) blocks.push(line);
  }
  const moreSignals = sequence.moreSignals + (sequence.signals.length - shown.length);
  if (moreSignals > 0) blocks.push(ownText(`…and ${plural(moreSignals, 'more signal')}`, { isSubtle: true, spacing: 'none' }));
  const endpoints = sequence.endpoints.slice(0, step.endpoints);
  if (endpoints.length > 0) {
    const runs: TextRun[] = [{ type: 'TextRun', text: 'Endpoints: ', weight: 'bolder' }];
    endpoints.forEach((endpoint, index) => {
      if (index > 0) runs.push({ type: 'TextRun', text: ' · ' });
      runs.push(teamsRun(endpoint, 150, { fontType: 'monospace' }, { singleLine: true }));
    });
    const more = sequence.moreEndpoints + (sequence.endpoints.length - endpoints.length);
    if (more > 0) runs.push({ type: 'TextRun', text: ` and ${formatCount(more)} more` });
    const line = richText(runs);
    if (line !== undefined) blocks.push(line);
  }
  return blocks;
}

/**
 * The finding's detail sections (finding-facts.ts detailSections: a malware scan and its threats, a health notice's
 * coverage, an insight's results): a bold title, then one line per entry, identifiers in monospace. Cut to the size
 * step's detail count; the rest is counted.
 */
function detailSectionBlocks(sections: readonly DetailSection[], step: SizeStep): CardElement[] {
  const blocks: CardElement[] = [];
  const max = Math.max(step.details, step.signals, 3);
  for (const section of sections) {
    const lines: CardElement[] = [];
    for (const parts of section.lines.slice(0, max)) {
      const runs: TextRun[] = [];
      parts.forEach((part, index) => {
        if (index > 0) runs.push({ type: 'TextRun', text: ' ' });
        runs.push(teamsRun(part.text, 200, part.code === true ? { fontType: 'monospace' } : {}, { singleLine: true }));
      });
      const line = richText(runs);
      if (line !== undefined) lines.push(line);
    }
    if (lines.length === 0) continue;
    const more = section.more + Math.max(0, section.lines.length - max);
    if (more > 0) lines.push(ownText(`…and ${formatCount(more)} more${section.moreWhat === undefined ? '' : ` ${section.moreWhat}`}`, { isSubtle: true, spacing: 'none' }));
    blocks.push(ownText(runText(section.title, 150, { singleLine: true }), { weight: 'bolder', spacing: 'medium' }), ...lines);
  }
  return blocks;
}

/** The footer: finding id, product and flags, updated, then feature, status, custom rule, sequence. Small, subtle. */
function footerBlock(prepared: PreparedFinding): RichTextBlock | undefined {
  const { finding } = prepared;
  const small = { size: 'small', isSubtle: true } as const;
  const runs: TextRun[] = [];
  const id = runText(finding.id, FINDING_ID_MAX, { singleLine: true });
  if (id !== '') runs.push({ type: 'TextRun', text: 'Finding ', ...small }, { type: 'TextRun', text: id, fontType: 'monospace', ...small });
  const notes = [runText(productLine(finding), 100, { singleLine: true }) || 'GuardDuty'];
  if (finding.sample) notes.push('sample finding');
  if (finding.archived) notes.push('archived');
  if (prepared.updated !== undefined) notes.push(`Updated ${prepared.updated}`);
  for (const fact of footerFacts(finding)) {
    const value = runText(fact.value, FOOTER_VALUE_MAX, { singleLine: true });
    if (value !== '') notes.push(`${fact.label} ${value}`);
  }
  // `Updated …` shows the finding's own time when it is not one we can read: finding text like the rest.
  if (runs.length > 0) runs.push({ type: 'TextRun', text: LIST_SEPARATOR, ...small });
  runs.push({ type: 'TextRun', text: runText(notes.join(LIST_SEPARATOR), 2000, { singleLine: true }), ...small });
  return richText(runs, { separator: true, spacing: 'medium' });
}

/** Console and runbook buttons, for URLs we built (enrich's console link, the route's runbook from the config). */
export function linkActions(ctx: Pick<RenderContext, 'consoleUrl' | 'consoleLabel' | 'runbookUrl'>): OpenUrlAction[] {
  const actions: OpenUrlAction[] = [];
  const consoleUrl = safeUrl(ctx.consoleUrl, ACTION_URL_MAX);
  if (consoleUrl !== undefined) {
    const label = ctx.consoleLabel === undefined ? '' : runText(ctx.consoleLabel, ACTION_TITLE_MAX, { singleLine: true });
    actions.push({ type: 'Action.OpenUrl', title: label === '' ? DEFAULT_CONSOLE_LABEL : label, url: consoleUrl });
  }
  const runbookUrl = safeUrl(ctx.runbookUrl, ACTION_URL_MAX);
  if (runbookUrl !== undefined) actions.push({ type: 'Action.OpenUrl', title: RUNBOOK_LABEL, url: runbookUrl });
  return actions;
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function cardAt(prepared: PreparedFinding, step: SizeStep): AdaptiveCard {
  const { finding, ctx } = prepared;
  const head = [titleBlock(prepared), kindBlock(prepared), factSet(prepared, step)].filter(defined);
  const body: CardElement[] = [
    { type: 'Container' as const, style: bandStyle(finding.band.name), bleed: true, items: head },
    descriptionBlock(finding, step),
    ...sequenceBlocks(prepared.sequence, step),
    ...detailSectionBlocks(prepared.sections, step),
    ...detailsBlocks(finding, step),
    footerBlock(prepared),
  ].filter(defined);
  return adaptiveCard(body, linkActions(ctx));
}

/**
 * The first rendering in SIZE_STEPS whose whole post fits `budget`; the shortest one when none does (its texts are
 * bounded, so it is always far below Teams' 28 KB).
 */
export function fitCard<T>(steps: readonly T[], render: (step: T) => AdaptiveCard, budget: number = TEAMS_CARD_BUDGET_BYTES): AdaptiveCard {
  let card: AdaptiveCard | undefined;
  for (const step of steps) {
    card = render(step);
    if (postBytes(card) <= budget) return card;
  }
  return card!;
}

/**
 * One finding as a Teams card, within TEAMS_CARD_BUDGET_BYTES for any finding.
 *
 * @example
 * const card = teamsCardOf(prepareFinding(finding, { now: Date.now(), accountName: 'prod-payments', consoleUrl }));
 */
export function teamsCardOf(prepared: PreparedFinding): AdaptiveCard {
  return fitCard(SIZE_STEPS, (step) => cardAt(prepared, step));
}
