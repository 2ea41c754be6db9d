import type { MessageKind } from '../core/message.js';
import type { RenderedMessage } from '../core/message.js';

/**
 * What we remember per (destination, finding id): enough to decide whether the next sighting is new, escalated,
 * a reminder or a duplicate, and where its Slack thread is.
 */
export interface LedgerEntry {
  destination: string;
  findingId: string;
  /** Epoch ms of the first message about this finding in this destination. */
  firstNotifiedAt: number;
  /** Epoch ms of the latest message (new, escalation, reminder) in this destination. */
  lastNotifiedAt: number;
  /** Band rank (0 unknown … 4 critical) last notified: a rise above it is an escalation. */
  lastBandRank: number;
  lastSeverity: number | null;
  /** service.count last seen (notified or not). */
  lastCount: number;
  /** Epoch ms this finding was last seen by us (notified or suppressed). */
  lastSeenAt: number;
  /** Slack `ts` of the first message (slack-api): later messages go into its thread. */
  threadTs?: string;
}

export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxRow {
  /** Stable id, e.g. `${destination}:${findingId}:${decidedAt}` or a digest id. */
  id: string;
  destination: string;
  kind: MessageKind;
  findingId?: string;
  findingIds: string[];
  message: RenderedMessage;
  status: OutboxStatus;
  attempts: number;
  createdAt: number;
  /** Epoch ms before which the drainer must not try again. */
  nextAttemptAt: number;
  sentAt?: number;
  /** Slack `ts` of the posted message (slack-api), as given to `markSent`: lets a later feature edit or reply to it. */
  sentTs?: string;
  /** Last error text (never a secret), kept for `status`. */
  lastError?: string;
}

export type DecisionOutcome = 'notify' | 'suppress' | 'digest';

/** One decision, kept for `status` and the demo page ("recent decisions"). */
export interface DecisionRecord {
  at: number;
  destination: string;
  findingId: string;
  findingType: string;
  title: string;
  severity: number | null;
  outcome: DecisionOutcome;
  /** new | escalated | reminder | duplicate | below-threshold | archived | muted:<id> | sample | digest:<outbox id> */
  reason: string;
}

/** A mute rule a user added (from Slack or `mute add`). Config mutes are not stored. */
export interface MuteRule {
  id: string;
  /** Type glob, e.g. `Recon:*`. */
  type?: string;
  account?: string;
  resourceType?: string;
  /** Exact finding id. */
  findingId?: string;
  reason: string;
  createdBy?: string;
  createdAt: number;
  /** Epoch ms; the rule no longer applies from then on. */
  expiresAt: number;
}

/** Everything one batch of decisions writes; it commits whole or not at all. */
export interface DecisionCommit {
  ledger: LedgerEntry[];
  outbox: OutboxRow[];
  decisions: DecisionRecord[];
}

export interface StoreStats {
  pending: number;
  failed: number;
  sent: number;
  oldestPendingAt?: number;
}

/**
 * The state of the notifier. Two implementations pass one conformance suite: SQLite (embedded default) and
 * DynamoDB (Lambda). Future `respond/` (block list) and Slack interactivity (mutes from buttons) add methods here.
 */
export interface Store {
  /** Ledger rows for these finding ids in one destination; missing ids are simply absent. */
  getLedger(destination: string, findingIds: readonly string[]): Promise<Map<string, LedgerEntry>>;
  /**
   * Records decisions, ledger rows and outbox rows together. SQLite: one transaction. DynamoDB: conditional
   * single-item writes, outbox rows first so that a crash can repeat a message but never lose one.
   */
  commit(commit: DecisionCommit): Promise<void>;
  /**
   * Pending rows due at `now` (`nextAttemptAt <= now`), oldest first, at most `limit`. "Oldest" is by
   * `nextAttemptAt`, then `createdAt`, then the order the rows were given to one `commit`.
   */
  duePending(now: number, limit: number): Promise<OutboxRow[]>;
  /**
   * The row was delivered: status `sent`, `sentAt = at`, one more attempt (a repeated call changes nothing).
   * `threadTs` is the posted message's Slack ts, kept as the row's `sentTs`; it does not touch the ledger: which
   * messages open a finding's thread is the drainer's call, made with `setThreadTs`. Unknown ids are ignored, as by
   * the two below.
   */
  /**
   * Leases a pending row to the caller until `until` (epoch ms), right before sending it, so that two drainers
   * working on one store (two Lambda invocations on one DynamoDB table) never post the same message. true when this
   * caller now holds it; false when another lease is still running or the row is no longer pending. A lease ends at
   * `until`, or when the row is marked sent, retried or failed; a drainer that dies mid-send blocks the row only that long.
   * A store with one sender by construction (SQLite: the state file's lock) may only check that the row is pending.
   */
  claim(id: string, now: number, until: number): Promise<boolean>;
  markSent(id: string, at: number, threadTs?: string): Promise<void>;
  /** A retryable failure: the row stays pending until `nextAttemptAt`, one more attempt. Only pending rows change. */
  markRetry(id: string, error: string, nextAttemptAt: number): Promise<void>;
  /** A permanent failure: the row is kept as failed, visible in `status`, never retried automatically. Only pending rows change. */
  markFailed(id: string, error: string, at: number): Promise<void>;
  /**
   * Sets the Slack thread of a finding in a destination (first message posted by slack-api). A later `commit` keeps
   * it even when its ledger entry carries no or another ts. Set before the ledger row exists, it is remembered
   * (getLedger reports nothing until a commit writes the row).
   */
  setThreadTs(destination: string, findingId: string, threadTs: string): Promise<void>;
  /** Pending rows in due order, failed and sent rows newest first; with no status: pending, then failed, then sent. */
  listOutbox(filter: { status?: OutboxStatus; limit: number }): Promise<OutboxRow[]>;
  /** Newest first. SQLite keeps the latest 1000; DynamoDB the last 7 days (TTL). */
  recentDecisions(limit: number): Promise<DecisionRecord[]>;
  /** Row counts by status; `oldestPendingAt` is the `createdAt` of the oldest pending row. DynamoDB: eventually consistent. */
  stats(): Promise<StoreStats>;

  addMute(rule: MuteRule): Promise<void>;
  /** Rules not yet expired at `now`. */
  listMutes(now: number): Promise<MuteRule[]>;
  /** true when a rule was removed. */
  removeMute(id: string): Promise<boolean>;

  /** Poll cursors for the daemon: epoch ms per key (e.g. `us-east-1/<detectorId>`). */
  getCursor(key: string): Promise<number | undefined>;
  setCursor(key: string, value: number): Promise<void>;

  close(): Promise<void>;
}
