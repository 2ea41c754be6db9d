import type { AttackSequenceSummary, AttackSignal, SequenceIndicator } from './finding.js';
import { get, getArray, getNumber, getObject, getText, text } from './keys.js';
import { guardDutySeverity } from './severity.js';
import { toIsoTimestamp } from './timestamps.js';

/** Signals shown by name: the worst few say what happened; the count says how much more there is. */
export const MAX_SEQUENCE_SIGNALS = 5;
/** Endpoint addresses listed (as inert text). */
export const MAX_SEQUENCE_ENDPOINTS = 10;
export const MAX_SEQUENCE_TACTICS = 8;
/** Indicators (other than tactics) kept, and values kept per indicator. */
export const MAX_SEQUENCE_INDICATORS = 12;
export const MAX_INDICATOR_VALUES = 5;
export const MAX_ADDITIONAL_SEQUENCE_TYPES = 10;
/** GuardDuty sends at most 100 signals and 400 actors / resources / endpoints (API_Sequence); we read no more. */
const MAX_READ = 400;

/**
 * An attack sequence (GuardDuty Extended Threat Detection) → its summary, or undefined when there is none.
 *
 * GuardDuty: `service.detection.sequence` with `uid`, `description`, `signals[]` (`name`, `type`, `count`, `severity`,
 * `firstSeenAt`, `lastSeenAt`), `actors[]`, `resources[]`, `endpoints[]` (`ip`, `domain`), `sequenceIndicators[]`
 * (`key`, `values`). Security Hub CSPM's ASFF carries the same object as `Detection.Sequence` in PascalCase (its signals
 * have `Title` too), which the case-tolerant readers take as they come.
 * Sources: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Sequence.html,
 * https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Signal.html,
 * https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Sequence.html
 */
export function readAttackSequence(sequence: unknown): AttackSequenceSummary | undefined {
  if (sequence === undefined || sequence === null || typeof sequence !== 'object') return undefined;
  const signals = (getArray(sequence, 'signals') ?? []).slice(0, MAX_READ);
  const endpoints = getArray(sequence, 'endpoints') ?? [];
  const read: AttackSignal[] = [];
  for (const signal of signals) {
    const name = getText(signal, 'name') ?? getText(signal, 'title') ?? getText(signal, 'uid') ?? getText(signal, 'id');
    if (name === undefined) continue;
    read.push(signalOf(name, signal));
  }
  const summary: { -readonly [K in keyof AttackSequenceSummary]: AttackSequenceSummary[K] } = {
    signalCount: signals.length,
    actorCount: (getArray(sequence, 'actors') ?? []).length,
    resourceCount: (getArray(sequence, 'resources') ?? []).length,
    endpointCount: endpoints.length,
    signals: Object.freeze(worstFirst(read).slice(0, MAX_SEQUENCE_SIGNALS)),
    endpoints: Object.freeze(endpointAddresses(endpoints)),
    tactics: Object.freeze(tacticsOf(getArray(sequence, 'sequenceIndicators'))),
    indicators: Object.freeze(indicatorsOf(getArray(sequence, 'sequenceIndicators'))),
    additionalTypes: Object.freeze(additionalTypesOf(getArray(sequence, 'additionalSequenceTypes'))),
  };
  const uid = getText(sequence, 'uid');
  if (uid !== undefined) summary.uid = uid;
  const description = getText(sequence, 'description');
  if (description !== undefined) summary.description = description;
  return Object.freeze(summary);
}

function signalOf(name: string, signal: unknown): AttackSignal {
  const out: { -readonly [K in keyof AttackSignal]: AttackSignal[K] } = { name, count: countOf(getNumber(signal, 'count')) };
  const type = getText(signal, 'type');
  if (type !== undefined) out.type = type;
  const severity = guardDutySeverity(get(signal, 'severity'));
  if (severity !== null) out.severity = severity;
  const firstSeen = toIsoTimestamp(get(signal, 'firstSeenAt') ?? get(signal, 'createdAt'));
  if (firstSeen !== undefined) out.firstSeen = firstSeen;
  const lastSeen = toIsoTimestamp(get(signal, 'lastSeenAt') ?? get(signal, 'updatedAt'));
  if (lastSeen !== undefined) out.lastSeen = lastSeen;
  return Object.freeze(out);
}

function countOf(value: number | undefined): number {
  return value === undefined || value < 1 ? 1 : Math.floor(value);
}

/** Worst first: severity, then how often it was seen, then the most recent, then name (a stable order). */
export function worstFirst(signals: readonly AttackSignal[]): AttackSignal[] {
  return signals.slice().sort(
    (a, b) =>
      (b.severity ?? -1) - (a.severity ?? -1) ||
      b.count - a.count ||
      (b.lastSeen ?? '').localeCompare(a.lastSeen ?? '') ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

function endpointAddresses(endpoints: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const endpoint of endpoints.slice(0, MAX_READ)) {
    const address = getText(endpoint, 'ip') ?? getText(endpoint, 'domain') ?? getText(endpoint, 'id');
    if (address !== undefined && !out.includes(address)) out.push(address);
    if (out.length >= MAX_SEQUENCE_ENDPOINTS) break;
  }
  return out;
}

/** `sequenceIndicators` of key ATTACK_TACTIC: the MITRE tactics. Source: API_Indicator (GuardDuty API reference). */
function tacticsOf(indicators: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const indicator of (indicators ?? []).slice(0, 100)) {
    if (getText(indicator, 'key')?.toUpperCase() !== 'ATTACK_TACTIC') continue;
    for (const value of (getArray(indicator, 'values') ?? []).slice(0, 100)) {
      const tactic = text(value);
      if (tactic !== undefined && !out.includes(tactic)) out.push(tactic);
      if (out.length >= MAX_SEQUENCE_TACTICS) return out;
    }
  }
  return out;
}

/**
 * `sequenceIndicators` other than ATTACK_TACTIC (shown as tactics): ATTACK_TECHNIQUE, the threat-intelligence keys
 * (MALICIOUS_IP, TOR_IP, CRYPTOMINING_DOMAIN, …) and, since May 2026, the context keys MALICIOUS_PACKAGE,
 * MISCONFIGURATION, REACHABILITY, SENSITIVE_DATA and VULNERABILITY. Keys we do not know are kept too (the renderer
 * says them as they are). Source: the IndicatorType enum of `@aws-sdk/client-guardduty` (API_Indicator).
 */
function indicatorsOf(indicators: readonly unknown[] | undefined): SequenceIndicator[] {
  const out: SequenceIndicator[] = [];
  for (const indicator of (indicators ?? []).slice(0, 100)) {
    const key = getText(indicator, 'key')?.trim().toUpperCase();
    if (key === undefined || key === '' || key === 'ATTACK_TACTIC') continue;
    const values: string[] = [];
    let total = 0;
    for (const value of (getArray(indicator, 'values') ?? []).slice(0, 1_000)) {
      const shown = text(value);
      if (shown === undefined || values.includes(shown)) continue;
      total++;
      if (values.length < MAX_INDICATOR_VALUES) values.push(shown);
    }
    const entry: { -readonly [K in keyof SequenceIndicator]: SequenceIndicator[K] } = { key, values: Object.freeze(values), moreValues: total - values.length };
    const title = getText(indicator, 'title');
    if (title !== undefined) entry.title = title;
    out.push(Object.freeze(entry));
    if (out.length >= MAX_SEQUENCE_INDICATORS) break;
  }
  return out;
}

/** `additionalSequenceTypes`: attack-sequence types this sequence also matches. Source: API_Sequence. */
function additionalTypesOf(types: readonly unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const type of (types ?? []).slice(0, 100)) {
    const shown = text(type);
    if (shown !== undefined && !out.includes(shown)) out.push(shown);
    if (out.length >= MAX_ADDITIONAL_SEQUENCE_TYPES) break;
  }
  return out;
}

/**
 * An OCSF attack sequence: GuardDuty's signals as `finding_info.related_events[]` (OCSF related_event: `title`, `uid`,
 * `count`, `first_seen_time`, `last_seen_time`, `severity_id`), the resources and endpoints from the finding itself.
 * Source: the OCSF schema (objects/related_event.json); AWS documents `finding_info.related_events.*` among the
 * OCSF fields Security Hub filters on (API_OcsfStringFilter). No AWS example of a sequence in OCSF was at hand.
 */
export function readOcsfAttackSequence(
  findingInfo: unknown,
  counts: { resources: number; endpoints: readonly string[]; actors: number },
  description: string | undefined,
): AttackSequenceSummary | undefined {
  const events = getArray(findingInfo, 'related_events');
  if (events === undefined || events.length === 0) return undefined;
  const read: AttackSignal[] = [];
  for (const event of events.slice(0, MAX_READ)) {
    const name = getText(event, 'title') ?? getText(event, 'uid');
    if (name === undefined) continue;
    const signal: { -readonly [K in keyof AttackSignal]: AttackSignal[K] } = { name, count: countOf(getNumber(event, 'count')) };
    const type = getText(event, 'type');
    if (type !== undefined) signal.type = type;
    const firstSeen = toIsoTimestamp(get(event, 'first_seen_time') ?? get(event, 'created_time'));
    if (firstSeen !== undefined) signal.firstSeen = firstSeen;
    const lastSeen = toIsoTimestamp(get(event, 'last_seen_time') ?? get(event, 'modified_time'));
    if (lastSeen !== undefined) signal.lastSeen = lastSeen;
    read.push(Object.freeze(signal));
  }
  const summary: { -readonly [K in keyof AttackSequenceSummary]: AttackSequenceSummary[K] } = {
    signalCount: getNumber(findingInfo, 'related_events_count') ?? events.length,
    actorCount: counts.actors,
    resourceCount: counts.resources,
    endpointCount: counts.endpoints.length,
    signals: Object.freeze(worstFirst(read).slice(0, MAX_SEQUENCE_SIGNALS)),
    endpoints: Object.freeze(counts.endpoints.slice(0, MAX_SEQUENCE_ENDPOINTS)),
    tactics: Object.freeze([]),
  };
  if (description !== undefined) summary.description = description;
  return Object.freeze(summary);
}

/** `getObject` re-exported for callers that dig the sequence out of `service.detection`. */
export function sequenceOf(service: unknown): unknown {
  return getObject(getObject(service, 'detection'), 'sequence');
}
