import type { MessageKind, RenderedMessage, SlackMessage } from '../core/message.js';
import type { AuditLog } from '../interact/audit-record.js';
import type { DecisionRecord, LoggedDecision } from '../policy/decision-record.js';
import type { LedgerEntry } from '../policy/ledger.js';
import type { MuteRule } from '../policy/mute.js';
import type { BlockRecord } from '../respond/block-record.js';
import type { BlockOwnership, OwnershipChange } from '../respond/block-ownership.js';
import type { EscalationRow, EscalationState } from '../policy/escalation.js';
import type { Acknowledgement, PageRecord } from '../policy/acknowledgement.js';

// The rows the policy computes are the policy's types; the store keeps them. Re-exported so that a reader of the
// store finds every row it holds here.
export type { DecisionOutcome, DecisionReason, DecisionRecord, LoggedDecision } from '../policy/decision-record.js';
export type { LedgerEntry } from '../policy/ledger.js';
export type { MuteRule } from '../policy/mute.js';
export type { BlockRecord } from '../respond/block-record.js';
export type { BlockOwnership, OwnershipChange } from '../respond/block-ownership.js';
export type { AuditAction, AuditLog, AuditRecord, AuditResult } from '../interact/audit-record.js';
export type { EscalationRow, EscalationState } from '../policy/escalation.js';
export type { Acknowledgement, PageRecord } from '../policy/acknowledgement.js';

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

/** Everything one batch of decisions writes; it commits whole or not at all. */
export interface DecisionCommit {
  ledger: LedgerEntry[];
  outbox: OutboxRow[];
  decisions: DecisionRecord[];
  /**
   * Block rows the batch decided (respond/), committed with the messages that announce them; each is merged into the
   * row of its key (mergeBlockRecord). DynamoDB writes them after the outbox rows and before the ledger rows.
   */
  blocks?: BlockRecord[];
  /**
   * What a Slack action needs to know about each finding a message of this batch names (with `interact:` only): each
   * replaces the stored snapshot of its (destination, finding). DynamoDB writes them after the outbox rows.
   */
  snapshots?: FindingSnapshot[];
  /**
   * Escalation rows of the messages of this batch (policy/escalation.ts), each put only if no row has its id: the
   * deadline is committed with the message, and a re-published finding neither re-arms nor doubles it. DynamoDB writes
   * them after the outbox rows.
   */
  escalations?: EscalationRow[];
  /** The PagerDuty alerts the batch's triggers open (replaced per ref + destination). DynamoDB: after the outbox rows. */
  pages?: PageRecord[];
}

/**
 * Outbox counts for `status`: what a person asked for, so a store may read its history to answer. Each count is exact
 * unless its status is listed in `capped`: then the store stopped counting at a bound (DynamoDB: 200 pages of the
 * index) and the true number is at least the one given.
 */
export interface StoreStats {
  pending: number;
  failed: number;
  /** Sent rows still kept (SQLite and DynamoDB: the last 7 days). */
  sent: number;
  oldestPendingAt?: number;
  /** Counts that hit the store's bound: "at least". Absent when every count is exact. */
  capped?: OutboxStatus[];
}

/**
 * What a drainer looks at after every pass (a Lambda invocation, a daemon drain): bounded work whatever the store
 * holds, so the thousandth day costs what the first did. Counts stop at the `limit` asked.
 */
export interface OutboxDepth {
  /** Pending rows, at most `limit`. */
  pending: number;
  /** Failed rows, at most `limit`. */
  failed: number;
  /**
   * The `createdAt` of the oldest pending row: exact unless `pending` is capped; then the oldest of the first `limit`
   * rows in due order (a row backing off can sort behind newer ones, by at most its backoff: 15 minutes).
   */
  oldestPendingAt?: number;
  /** Counts that reached `limit`: the true number is at least that. Absent when both are exact. */
  capped?: Array<'pending' | 'failed'>;
}

/**
 * The ledger, and the one commit that writes it together with the outbox rows and decision records of a batch
 * ("effects are decided, committed, then carried out": the ledger never claims a message the outbox does not hold).
 */
export interface LedgerStore {
  /** Ledger rows for these finding ids in one destination; missing ids are simply absent. */
  getLedger(destination: string, findingIds: readonly string[]): Promise<Map<string, LedgerEntry>>;
  /**
   * Records decisions, ledger rows and outbox rows together. SQLite: one transaction. DynamoDB: conditional
   * single-item writes, outbox rows first so that a crash can repeat a message but never lose one.
   */
  commit(commit: DecisionCommit): Promise<void>;
  /**
   * Sets the Slack thread of a finding in a destination (first message posted by slack-api). A later `commit` keeps
   * it even when its ledger entry carries no or another ts. Set before the ledger row exists, it is remembered
   * (getLedger reports nothing until a commit writes the row).
   */
  setThreadTs(destination: string, findingId: string, threadTs: string): Promise<void>;
}

/** The outbox as the drainer and `status` see it: rows `commit` wrote, on their way to a sink. */
export interface OutboxStore {
  /**
   * Pending rows due at `now` (`nextAttemptAt <= now`), oldest first, at most `limit`. "Oldest" is by
   * `nextAttemptAt`, then `createdAt`, then the order the rows were given to one `commit`.
   */
  duePending(now: number, limit: number): Promise<OutboxRow[]>;
  /**
   * Leases a pending row to the caller until `until` (epoch ms), right before sending it, so that two drainers
   * working on one store (two Lambda invocations on one DynamoDB table) never post the same message. true when this
   * caller now holds it; false when another lease is still running or the row is no longer pending. A lease ends at
   * `until`, or when the row is marked sent, retried or failed; a drainer that dies mid-send blocks the row only that long.
   * A store with one sender by construction (SQLite: the state file's lock) may only check that the row is pending.
   */
  claim(id: string, now: number, until: number): Promise<boolean>;
  /**
   * Ends the lease `claim(id, …, until)` took without an attempt (the drain ran out of time before sending): the row is
   * due again at once, for any drainer, with its attempts unchanged. Only that lease ends: one that has already expired
   * and been taken by another drainer stays.
   */
  release(id: string, until: number): Promise<void>;
  /**
   * The row was delivered: status `sent`, `sentAt = at`, one more attempt (a repeated call changes nothing).
   * `threadTs` is the posted message's Slack ts, kept as the row's `sentTs`; it does not touch the ledger: which
   * messages open a finding's thread is the drainer's call, made with `setThreadTs`. Unknown ids are ignored, as by
   * the two below.
   */
  markSent(id: string, at: number, threadTs?: string): Promise<void>;
  /** A retryable failure: the row stays pending until `nextAttemptAt`, one more attempt. Only pending rows change. */
  markRetry(id: string, error: string, nextAttemptAt: number): Promise<void>;
  /** A permanent failure: the row is kept as failed, visible in `status`, never retried automatically. Only pending rows change. */
  markFailed(id: string, error: string, at: number): Promise<void>;
  /**
   * Puts failed rows back in the outbox (`guardduty-notifier resend`): each becomes pending and due at `at`, its attempts
   * and last error kept, so any drainer (the daemon's loop, the Lambda's schedule, `resend` itself) sends it as any due
   * row. Only failed rows move (a pending or sent row, an unknown id: nothing); returns the ids that moved, in the order
   * asked. Row by row, each atomic: two callers requeue a row once between them.
   */
  requeueFailed(ids: readonly string[], at: number): Promise<string[]>;
  /** The rows with these ids as the store holds them now, in the order asked; ids it does not hold are left out. */
  getOutboxRows(ids: readonly string[]): Promise<OutboxRow[]>;
  /** Pending rows in due order, failed and sent rows newest first; with no status: pending, then failed, then sent. */
  listOutbox(filter: { status?: OutboxStatus; limit: number }): Promise<OutboxRow[]>;
  /**
   * Row counts by status for `status` (a person asked); `oldestPendingAt` is the `createdAt` of the oldest pending row.
   * May read every kept row (DynamoDB: bounded, then `capped`); never call it per batch. DynamoDB: eventually consistent.
   */
  stats(): Promise<StoreStats>;
  /** Pending and failed rows counted up to `limit`, and the oldest pending: O(limit), never O(history). */
  outboxDepth(limit: number): Promise<OutboxDepth>;
}

/** The history of decisions `commit` recorded, for `status` and the demo page. */
export interface DecisionLog {
  /**
   * Newest first, the reason in its printed form (formatDecisionReason). SQLite keeps the latest 1000; DynamoDB the
   * last 7 days (TTL).
   */
  recentDecisions(limit: number): Promise<LoggedDecision[]>;
}

/** Mute rules users added (`mute add`, Slack); the policy reads them every batch. */
export interface MuteStore {
  /** Adds the rule, or replaces the rule with the same id. */
  addMute(rule: MuteRule): Promise<void>;
  /** Rules not yet expired at `now`. */
  listMutes(now: number): Promise<MuteRule[]>;
  /** true when a rule was removed. */
  removeMute(id: string): Promise<boolean>;
}

/**
 * Blocks (respond/): one row per (target, cidr) with an expiry; the targets are made to match the rows in force.
 * Every write — `commit`'s `blocks` and `putBlocks` — merges the row into the stored one with `mergeBlockRecord`
 * (src/respond/block-record.ts), atomically per row, so concurrent writers converge. Rows are not deleted when a block
 * ends: SQLite keeps them; DynamoDB keeps ended rows 7 days (TTL). Beside them, per WAF target and address, whether
 * the address in the IP set is ours (we added it and still own it) or was already there when we blocked it
 * (src/respond/block-ownership.ts): what lets a WAF reconciler take out only what is ours.
 */
export interface BlockStore {
  /**
   * Rows of every target, or of one; `standing`: only rows in state active or dry-run (whatever their `until`).
   * Ordered by target, then `since`, then cidr. DynamoDB lists ended rows of the last 7 days only.
   */
  listBlocks(filter?: { target?: string; standing?: boolean }): Promise<BlockRecord[]>;
  /** The ownership records of a WAF target (src/respond/block-ownership.ts), every family, ordered by cidr. */
  listBlockOwnership(target: string): Promise<BlockOwnership[]>;
  /**
   * Compare-and-set per record: each change applies only while the stored record is exactly its `before` (absent when
   * undefined); `after` undefined deletes. Returns, in order, whether each applied.
   */
  changeBlockOwnership(changes: readonly OwnershipChange[]): Promise<boolean[]>;
  /** Per target: blocks begun at or after `since` (epoch ms), ended ones included — the `maxNewPerHour` count. */
  newBlocksSince(since: number): Promise<Map<string, number>>;
  /** Writes rows outside a decision commit (`block add`/`remove`, prune), each merged; returns them as now stored. */
  putBlocks(rows: readonly BlockRecord[]): Promise<BlockRecord[]>;
}

/**
 * A finding as a Slack action needs it (src/interact/: the button only names the finding; this is what is acted on):
 * where it lives in GuardDuty, what to mute, which addresses respond may be asked to block, and which outbox row
 * carried its latest message here. Small on purpose: no title, no description, no resource details.
 * Finding text (type, resource type) is attacker-controlled, as everywhere.
 */
export interface FindingSnapshot {
  destination: string;
  findingId: string;
  /** Epoch ms of the commit that wrote it (its retention starts here: 90 days, as GuardDuty keeps findings). */
  at: number;
  arn?: string;
  region?: string;
  accountId?: string;
  detectorId?: string;
  product: string;
  type: string;
  resourceType?: string;
  archived: boolean;
  sample: boolean;
  /** The remote addresses the finding names, as given (respond validates them when asked to block). */
  remoteIps: string[];
  /** The affected resource's own addresses the finding names (never blocked: respond's `own-address`). */
  ownIps?: string[];
  /** The outbox row of the latest message about this finding in this destination. */
  outboxId?: string;
}

/** A snapshot as read back, with what its message became. */
export interface StoredSnapshot extends FindingSnapshot {
  /** The Slack `ts` of the outbox row `outboxId`, once sent (slack-api), while the row is kept. */
  sentTs?: string;
  /**
   * The message as we last sent it: the one saved after a click (`saveSnapshotMessage`) while `outboxId` is still the
   * row it was made from, else the outbox row's own Slack message while the row is kept. Absent when neither is kept.
   */
  message?: SlackMessage;
}

/**
 * How long audit records and finding snapshots are kept: 90 days, as long as GuardDuty keeps a finding
 * (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings.html); a button on an older message is refused.
 */
export const INTERACT_RETENTION_MS = 90 * 86_400_000;

/** Snapshots of notified findings, for Slack actions (written by `commit`'s `snapshots`). */
export interface SnapshotStore {
  /** undefined when the store holds no snapshot (never notified here with `interact:`, or past its retention). */
  getSnapshot(destination: string, findingId: string): Promise<StoredSnapshot | undefined>;
  /** Keeps `message` as the finding's latest message (after a click rewrote it); nothing when there is no snapshot. */
  saveSnapshotMessage(destination: string, findingId: string, message: SlackMessage): Promise<void>;
}

/**
 * Keys seen once, until they expire: Slack request signatures, so that a replayed request is refused even when
 * another Lambda container (or a restarted daemon) received the first one.
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAt` (epoch ms), atomically: true when it was not held at `now` (first sight, or its
   * earlier record had expired), false when it is still held.
   */
  claimOnce(key: string, expiresAt: number, now: number): Promise<boolean>;
}

/**
 * On-call state: escalation deadlines, acknowledgements, and the PagerDuty alerts we opened (src/actions/acknowledge.ts,
 * src/pipeline/escalate.ts). Conformance-tested like every group (test/state/on-call-store-conformance.ts).
 */
export interface OnCallStore {
  /** Rows by id; missing ids are absent. */
  getEscalations(ids: readonly string[]): Promise<Map<string, EscalationRow>>;
  /** Waiting rows with `dueAt <= now`, earliest first, at most `limit`. */
  dueEscalations(now: number, limit: number): Promise<EscalationRow[]>;
  /**
   * Replaces the row only while the stored one still has `from`'s step and state: true when this caller's write won.
   * Two escalators (two Lambda invocations, a daemon restarted mid-step) never both advance one step.
   */
  updateEscalation(row: EscalationRow, from: { step: number; state: EscalationState }): Promise<boolean>;
  /** Rows created at or after `since`, newest first, at most `limit` (for `status`). */
  listEscalations(since: number, limit: number): Promise<EscalationRow[]>;
  /** Records the acknowledgement unless the finding has one: `recorded` false and the stored one when it had. */
  recordAck(ack: Acknowledgement): Promise<{ recorded: boolean; ack: Acknowledgement }>;
  getAcks(findingIds: readonly string[]): Promise<Map<string, Acknowledgement>>;
  /** true when there was one to remove (PagerDuty `incident.unacknowledged`). */
  removeAck(findingId: string): Promise<boolean>;
  /** The alerts we opened under this reference (one per destination). */
  getPages(ref: string): Promise<PageRecord[]>;
}

/** Poll cursors for the daemon: epoch ms per key (e.g. `us-east-1/<detectorId>`). */
export interface CursorStore {
  getCursor(key: string): Promise<number | undefined>;
  setCursor(key: string, value: number): Promise<void>;
}

/**
 * The state of the notifier: one group per concept, every group on one connection and one set of data. Two
 * implementations pass one conformance suite (test/state/store-conformance.ts, a describe per group): SQLite (embedded
 * default) and DynamoDB (Lambda); the in-memory store (memory-store.ts: the Lambda without a table, and the tests' double) passes it too. Code that needs only a group asks for that
 * group (`MuteStore` for the mute commands, `CursorStore` for the poller, `BlockStore` for respond, `AuditLog`,
 * `SnapshotStore` and `ReplayStore` for Slack actions).
 */
export interface Store extends LedgerStore, OutboxStore, DecisionLog, MuteStore, CursorStore, BlockStore, AuditLog, SnapshotStore, ReplayStore, OnCallStore {
  close(): Promise<void>;
}

/** A backend's groups, one per concept; a new group (blocks, audit) is a new key every backend must fill. */
export interface StoreGroups {
  ledger: LedgerStore;
  outbox: OutboxStore;
  decisions: DecisionLog;
  mutes: MuteStore;
  cursors: CursorStore;
  blocks: BlockStore;
  audit: AuditLog;
  snapshots: SnapshotStore;
  replay: ReplayStore;
  onCall: OnCallStore;
}

/**
 * One Store out of a backend's groups (they share its connection) and how to close it.
 *
 * @example
 * return composeStore({ ledger, outbox, decisions, mutes, cursors, blocks, audit, snapshots, replay }, async () => db.close());
 */
export function composeStore(groups: StoreGroups, close: () => Promise<void>): Store {
  return {
    ...groups.ledger,
    ...groups.outbox,
    ...groups.decisions,
    ...groups.mutes,
    ...groups.cursors,
    ...groups.blocks,
    ...groups.audit,
    ...groups.snapshots,
    ...groups.replay,
    ...groups.onCall,
    close,
  };
}
