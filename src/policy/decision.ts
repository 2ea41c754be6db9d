import type { Finding } from '../finding/finding.js';
import type { LedgerEntry } from './ledger.js';
import type { ActiveMute } from './mute.js';
import type { RouteTarget } from './route.js';

/**
 * Why a finding was not sent to a destination; logged, counted and kept as the decision record's reason. A mute names
 * the rule that matched (`config:<index>` or the store's rule id). Printed by `formatDecisionReason`.
 */
export type SuppressReason =
  | { code: 'duplicate' | 'below-threshold' | 'archived' | 'sample' | 'clean' }
  | { code: 'muted'; muteId: string };

/**
 * What kind of message a notify decision asks for:
 * - `new`: first message about this finding in this destination;
 * - `escalated`: its severity band rose above the highest band already sent;
 * - `reminder`: still active after the route's `repeatAfter` (Alertmanager's repeat_interval);
 * - `repeat`: its count grew, the destination threads (slack-api) and the finding has a thread: a quiet reply in it.
 */
export type NotifyKind = 'new' | 'escalated' | 'reminder' | 'repeat';

export const NOTIFY_KINDS = ['new', 'escalated', 'reminder', 'repeat'] as const satisfies readonly NotifyKind[];

export type Decision =
  | {
      outcome: 'notify';
      kind: NotifyKind;
      destination: string;
      finding: Finding;
      target: RouteTarget;
      /** Band name last notified (`escalated` only), e.g. `Medium`. */
      previousBand?: string;
    }
  | { outcome: 'suppress'; reason: SuppressReason; destination: string; finding: Finding; target: RouteTarget };

export type NotifyDecision = Extract<Decision, { outcome: 'notify' }>;
export type SuppressDecision = Extract<Decision, { outcome: 'suppress' }>;

/** Everything `decideNotification` needs about one (finding, destination) pair; the caller reads state, we decide. */
export interface DecideInput {
  finding: Finding;
  target: RouteTarget;
  /** This finding's ledger row in this destination, if it was ever notified there. */
  ledger?: LedgerEntry;
  mutes: readonly ActiveMute[];
  /** Decision time, epoch ms. */
  now: number;
  /** max(config.minSeverity, destination.minSeverity ?? 0). */
  minSeverity: number;
  dropSamples: boolean;
  /** The destination can thread (slack-api): count increases become quiet `repeat` thread replies. */
  threads: boolean;
}
