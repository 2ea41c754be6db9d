import { bandOf, SEVERITY_BANDS, type SeverityBandName } from '../finding/finding.js';
import type { Decision, NotifyKind, SuppressReason } from './decision.js';

/** `error`: the finding made a stage throw (see FindingStage); kept in the decision log so that `status` shows it. */
export type DecisionOutcome = 'notify' | 'suppress' | 'digest' | 'error';

/** The per-finding stages of the pipeline; a finding that throws in one is one recorded error, never the batch's. */
export type FindingStage = 'enrich' | 'route' | 'decide' | 'render' | 'respond';

/** The destination of an error record made before routing knew one (enrich, route). */
export const NO_DESTINATION = '-';

/**
 * Why a decision came out as it did, as data: the notify kind, the suppress reason (a mute names its rule), or a
 * digest naming the kind it would have had alone and the digest's outbox id. Shown as text only at the edges
 * (`status`, `replay`, logs, the demo page, the decision log) through `formatDecisionReason`.
 */
export type DecisionReason =
  | { code: NotifyKind }
  | SuppressReason
  | { code: 'digest'; kind: NotifyKind; digestId: string }
  | { code: 'error'; stage: FindingStage };

/** One decision, kept for `status` and the demo page ("recent decisions"). */
export interface DecisionRecord {
  at: number;
  destination: string;
  findingId: string;
  findingType: string;
  title: string;
  severity: number | null;
  /**
   * The finding's band, which is known without a number too (an OCSF finding says `High`, a scan result implies one).
   * Set by decisionRecord and errorRecord; a record stored before the band was kept has none: read it with
   * decisionBand.
   */
  band?: SeverityBandName;
  outcome: DecisionOutcome;
  reason: DecisionReason;
}

/**
 * A decision as the decision log keeps and shows it: the reason in its printed form (`new`, `duplicate`,
 * `muted:m-1a2b3c4d`, `new; digest 1a2b3c4d`). What `status`, `status --json` and the demo page show.
 */
export type LoggedDecision = Omit<DecisionRecord, 'reason'> & { reason: string };

/** Digest ids are 32 hex chars; the first 8 tell digests apart in a list. */
const SHOWN_DIGEST_ID_CHARS = 8;

/**
 * The one printed form of a reason: `new` … `repeat`, `duplicate`, `below-threshold`, `archived`, `sample`,
 * `muted:<mute id>`, `<kind>; digest <first 8 of the digest's outbox id>`, `error:<stage>`. Stored as is in the
 * decision log.
 *
 * @example
 * formatDecisionReason({ code: 'muted', muteId: 'm-1a2b' }) // 'muted:m-1a2b'
 */
export function formatDecisionReason(reason: DecisionReason): string {
  switch (reason.code) {
    case 'muted':
      return `muted:${reason.muteId}`;
    case 'digest':
      return `${reason.kind}; digest ${reason.digestId.slice(0, SHOWN_DIGEST_ID_CHARS)}`;
    case 'error':
      return `error:${reason.stage}`;
    default:
      return reason.code;
  }
}

/**
 * A reason as a bounded label (metrics, summaries by kind): its code, or for a digest the kind it stands for; never
 * an id, so the set of labels is fixed.
 */
export function decisionReasonLabel(reason: DecisionReason): string {
  return reason.code === 'digest' ? reason.kind : reason.code;
}

/** The record of one decision at `at`; `reason` defaults to what the decision itself says. */
export function decisionRecord(decision: Decision, at: number, outcome: DecisionOutcome, reason?: DecisionReason): DecisionRecord {
  return {
    at,
    destination: decision.destination,
    findingId: decision.finding.id,
    findingType: decision.finding.type,
    title: decision.finding.title,
    severity: decision.finding.severity,
    band: decision.finding.band.name,
    outcome,
    reason: reason ?? (decision.outcome === 'notify' ? { code: decision.kind } : decision.reason),
  };
}

/**
 * The record of a finding that threw in `stage`, for the decision log. Its fields are read defensively: this finding
 * already made a stage throw, and its record must not throw again.
 */
export function errorRecord(finding: unknown, stage: FindingStage, at: number, destination: string = NO_DESTINATION): DecisionRecord {
  const read = (key: string): unknown => {
    try {
      return (finding as Record<string, unknown> | null | undefined)?.[key];
    } catch {
      return undefined;
    }
  };
  const text = (key: string): string => {
    const value = read(key);
    return typeof value === 'string' ? value : '';
  };
  const severity = read('severity');
  const number = typeof severity === 'number' && Number.isFinite(severity) ? severity : null;
  let band: unknown;
  try {
    band = (read('band') as { name?: unknown } | null | undefined)?.name;
  } catch {
    band = undefined;
  }
  return {
    at,
    destination,
    findingId: text('id'),
    findingType: text('type'),
    title: text('title'),
    severity: number,
    band: isBandName(band) ? band : bandOf(number).name,
    outcome: 'error',
    reason: { code: 'error', stage },
  };
}

const BAND_NAMES: ReadonlySet<unknown> = new Set<SeverityBandName>([...SEVERITY_BANDS.map((b) => b.name), 'Unknown']);
const isBandName = (value: unknown): value is SeverityBandName => BAND_NAMES.has(value);

/**
 * The band of a decision: the one it recorded, else (a record stored before bands were kept, or one a store read back
 * from a column it did not have) the band of its number.
 *
 * @example
 * decisionBand({ severity: null, band: 'High' }) // 'High' (an OCSF finding: a band, no number)
 */
export function decisionBand(record: Pick<DecisionRecord, 'severity' | 'band'>): SeverityBandName {
  return isBandName(record.band) ? record.band : bandOf(record.severity).name;
}

/** The record as the decision log keeps it (see LoggedDecision). */
export function toLoggedDecision(record: DecisionRecord): LoggedDecision {
  return { ...record, band: decisionBand(record), reason: formatDecisionReason(record.reason) };
}
