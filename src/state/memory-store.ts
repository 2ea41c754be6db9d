import { copyPlain } from './copy-plain.js';
import { toLoggedDecision } from '../policy/decision-record.js';
import { composeStore } from './store.js';
import { createMemoryBlocks } from './memory-blocks.js';
import { createMemoryInteract } from './memory-interact.js';
import { createMemoryOnCall } from './memory-on-call.js';
import type {
  CursorStore,
  DecisionCommit,
  DecisionLog,
  LedgerEntry,
  LedgerStore,
  LoggedDecision,
  MuteRule,
  MuteStore,
  OutboxDepth,
  OutboxRow,
  OutboxStatus,
  OutboxStore,
  Store,
  StoreStats,
} from './store.js';

export interface MemoryStoreOptions {
  /** Clock for pruning sent rows. Default Date.now. */
  now?: () => number;
  /**
   * At most this many ledger entries; past it the least recently written go (that finding may then be notified again).
   * Default 20,000: a warm Lambda container's memory stays bounded whatever it sees. Infinity for tests.
   */
  maxLedgerEntries?: number;
  /** Sent rows kept for `listOutbox`/`stats` (newest). Default 1,000; Infinity for tests. */
  keepSent?: number;
  /** Sent rows kept at most this long. Default 7 days, as SQLite and DynamoDB. */
  sentRetentionMs?: number;
  /** Decision records kept (newest). Default 1,000, as SQLite. */
  keepDecisions?: number;
  /** Audit records and finding snapshots are kept this long. Default 90 days, as SQLite and DynamoDB; Infinity for tests. */
  interactRetentionMs?: number;
}

/** The in-memory store, with what only a store without durability needs. */
export interface MemoryStore extends Store {
  /**
   * Takes back outbox rows that were not delivered: removes them (pending or failed) and puts the ledger rows of their
   * findings back as they were before the commit that queued them, so that the same findings, handed in again (an SQS
   * redelivery, Lambda's asynchronous retry), are decided as they were the first time. Unknown ids are ignored.
   */
  withdraw(ids: readonly string[]): Promise<void>;
  /** Every outbox row (insertion order) and ledger entry, as copies: for tests and the demo. */
  snapshot(): { outbox: OutboxRow[]; ledger: LedgerEntry[] };
}

/** Commits whose ledger changes can still be taken back by `withdraw` (one Lambda invocation needs its last). */
const UNDO_COMMITS = 16;

/**
 * A Store in this process's memory: the Lambda without `STATE_TABLE` (dedupe within the warm container, no outbox
 * beyond the invocation: see src/lambda/findings-runtime.ts) and the test double of test/support. It passes the conformance suite of
 * every backend (test/state/store-conformance.ts). Like a database, it hands out and takes in deep copies; `commit`
 * applies all of its parts or none; `claim` leases like DynamoDB; a row marked sent forgets its last error; after
 * `close()` every call rejects. Bounded: ledger entries, sent rows and decisions are capped (see options).
 *
 * @example
 * const store = createMemoryStore();
 * await store.commit({ ledger: [], outbox: [row], decisions: [] });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? Date.now;
  const maxLedgerEntries = options.maxLedgerEntries ?? 20_000;
  const keepSent = options.keepSent ?? 1_000;
  const sentRetentionMs = options.sentRetentionMs ?? 7 * 86_400_000;
  const keepDecisions = options.keepDecisions ?? 1_000;

  const ledgerRows = new Map<string, LedgerEntry>();
  /** Threads set before their ledger row was committed (Store.setThreadTs): applied by the commit that writes it. */
  const earlyThreads = new Map<string, string>();
  const outboxRows = new Map<string, OutboxRow>();
  /** Store.claim leases: outbox id → until (epoch ms). */
  const claims = new Map<string, number>();
  /** Commit sequence, the last tie-breaker of the due order. */
  const sequence = new Map<string, number>();
  /** When a row failed, for "failed rows newest first". */
  const failedAt = new Map<string, number>();
  /** Outbox id → the commit that wrote it; commit → the ledger entries it replaced (undefined: there was none). */
  const committedBy = new Map<string, number>();
  const undo = new Map<number, Map<string, LedgerEntry | undefined>>();
  let nextSequence = 0;
  let commits = 0;
  let decisionLog: LoggedDecision[] = [];
  const muteRules = new Map<string, MuteRule>();
  const cursorValues = new Map<string, number>();
  let closed = false;

  const ledgerKey = (destination: string, findingId: string): string => `${destination}\u0000${findingId}`;
  const clone = copyPlain;

  async function enter(method: string): Promise<void> {
    // Like a real driver, answers arrive on a later tick.
    await Promise.resolve();
    if (closed) throw new Error(`Memory store is closed (called ${method})`);
  }

  /** The row if it is still pending; marks on other rows (unknown, sent, failed) change nothing. */
  function pendingRow(id: string): OutboxRow | undefined {
    const row = outboxRows.get(id);
    return row?.status === 'pending' ? row : undefined;
  }

  function forgetRow(id: string): void {
    outboxRows.delete(id);
    claims.delete(id);
    sequence.delete(id);
    failedAt.delete(id);
    committedBy.delete(id);
  }

  /** Sent rows beyond the retention (count and age) go, oldest first, as SQLite prunes them. */
  function pruneSent(): void {
    if (keepSent === Number.POSITIVE_INFINITY && sentRetentionMs === Number.POSITIVE_INFINITY) return;
    const sent = inStatus('sent');
    const cutoff = now() - sentRetentionMs;
    sent.forEach((row, i) => {
      if (i >= keepSent || (row.sentAt ?? row.createdAt) < cutoff) forgetRow(row.id);
    });
  }

  const seq = (row: OutboxRow): number => sequence.get(row.id) ?? 0;
  const byDueOrder = (a: OutboxRow, b: OutboxRow): number =>
    a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || seq(a) - seq(b);
  const newestFirst = (at: (row: OutboxRow) => number) => (a: OutboxRow, b: OutboxRow): number => at(b) - at(a) || seq(b) - seq(a);
  function inStatus(status: OutboxStatus): OutboxRow[] {
    const rows = [...outboxRows.values()].filter((row) => row.status === status);
    if (status === 'pending') return rows.sort(byDueOrder);
    if (status === 'failed') return rows.sort(newestFirst((row) => failedAt.get(row.id) ?? row.createdAt));
    return rows.sort(newestFirst((row) => row.sentAt ?? row.createdAt));
  }

  function setLedger(key: string, entry: LedgerEntry): void {
    // Re-inserted, so Map order is "least recently written first": what the cap drops.
    ledgerRows.delete(key);
    ledgerRows.set(key, entry);
    for (const oldest of ledgerRows.keys()) {
      if (ledgerRows.size <= maxLedgerEntries) break;
      ledgerRows.delete(oldest);
    }
  }

  const ledger: LedgerStore = {
    async getLedger(destination, findingIds) {
      await enter('getLedger');
      const found = new Map<string, LedgerEntry>();
      for (const id of findingIds) {
        const entry = ledgerRows.get(ledgerKey(destination, id));
        if (entry !== undefined) found.set(id, clone(entry));
      }
      return found;
    },

    async commit(commit: DecisionCommit) {
      await enter('commit');
      // Validate everything before writing anything: all or nothing.
      for (const row of commit.outbox) {
        if (typeof row.id !== 'string' || row.id === '') throw new Error('commit: an outbox row has no id');
      }
      for (const entry of commit.ledger) {
        if (entry.destination === '' || entry.findingId === '') throw new Error('commit: a ledger entry has no key');
      }
      const commitNo = ++commits;
      const replaced = new Map<string, LedgerEntry | undefined>();
      // A redelivered batch re-creates the same ids: the row already stored (and its progress) stays.
      for (const row of commit.outbox) {
        if (outboxRows.has(row.id)) continue;
        outboxRows.set(row.id, clone(row));
        sequence.set(row.id, nextSequence++);
        committedBy.set(row.id, commitNo);
      }
      for (const entry of commit.ledger) {
        const key = ledgerKey(entry.destination, entry.findingId);
        const before = ledgerRows.get(key);
        if (!replaced.has(key)) replaced.set(key, before === undefined ? undefined : clone(before));
        const next = clone(entry);
        // The thread already set wins: the batch that computed `entry` may have read the row before it was set.
        const thread = before?.threadTs ?? earlyThreads.get(key) ?? next.threadTs;
        if (thread !== undefined) next.threadTs = thread;
        earlyThreads.delete(key);
        setLedger(key, next);
      }
      undo.set(commitNo, replaced);
      undo.delete(commitNo - UNDO_COMMITS);
      for (const decision of commit.decisions) decisionLog.push(toLoggedDecision(clone(decision)));
      if (commit.blocks !== undefined) blocks.writeNow(commit.blocks);
      if (commit.snapshots !== undefined) interact.writeSnapshotsNow(commit.snapshots);
      onCall.writeNow(commit.escalations, commit.pages);
      if (decisionLog.length > keepDecisions * 2) decisionLog = decisionLog.slice(-keepDecisions);
    },

    async setThreadTs(destination, findingId, threadTs) {
      await enter('setThreadTs');
      const key = ledgerKey(destination, findingId);
      const entry = ledgerRows.get(key);
      if (entry !== undefined) entry.threadTs = threadTs;
      else earlyThreads.set(key, threadTs);
    },
  };

  const outbox: OutboxStore = {
    async duePending(at, limit) {
      await enter('duePending');
      return inStatus('pending')
        .filter((row) => row.nextAttemptAt <= at)
        .slice(0, Math.max(0, limit))
        .map(clone);
    },

    async claim(id, at, until) {
      await enter('claim');
      const held = claims.get(id);
      if (pendingRow(id) === undefined || (held !== undefined && held > at)) return false;
      claims.set(id, until);
      return true;
    },

    async release(id, until) {
      await enter('release');
      if (claims.get(id) === until) claims.delete(id);
    },

    async markSent(id, at, threadTs) {
      await enter('markSent');
      const row = outboxRows.get(id);
      if (row === undefined || row.status === 'sent') return;
      claims.delete(id);
      failedAt.delete(id);
      row.status = 'sent';
      row.sentAt = at;
      row.attempts += 1;
      if (threadTs !== undefined) row.sentTs = threadTs;
      delete row.lastError;
      pruneSent();
    },

    async markRetry(id, error, nextAttemptAt) {
      await enter('markRetry');
      const row = pendingRow(id);
      if (row === undefined) return;
      claims.delete(id);
      row.attempts += 1;
      row.lastError = error;
      row.nextAttemptAt = nextAttemptAt;
    },

    async markFailed(id, error, at) {
      await enter('markFailed');
      const row = pendingRow(id);
      if (row === undefined) return;
      claims.delete(id);
      failedAt.set(id, at);
      row.status = 'failed';
      row.attempts += 1;
      row.lastError = error;
    },

    async requeueFailed(ids, at) {
      await enter('requeueFailed');
      return ids.filter((id) => {
        const row = outboxRows.get(id);
        if (row?.status !== 'failed') return false;
        failedAt.delete(id);
        row.status = 'pending';
        row.nextAttemptAt = at;
        return true;
      });
    },

    async getOutboxRows(ids) {
      await enter('getOutboxRows');
      return ids.map((id) => outboxRows.get(id)).filter((row): row is OutboxRow => row !== undefined).map(clone);
    },

    async listOutbox(filter: { status?: OutboxStatus; limit: number }) {
      await enter('listOutbox');
      const statuses: OutboxStatus[] = filter.status === undefined ? ['pending', 'failed', 'sent'] : [filter.status];
      return statuses
        .flatMap(inStatus)
        .slice(0, Math.max(0, filter.limit))
        .map(clone);
    },

    async stats(): Promise<StoreStats> {
      await enter('stats');
      const stats: StoreStats = { pending: 0, failed: 0, sent: 0 };
      for (const row of outboxRows.values()) {
        stats[row.status] += 1;
        if (row.status === 'pending' && (stats.oldestPendingAt === undefined || row.createdAt < stats.oldestPendingAt)) {
          stats.oldestPendingAt = row.createdAt;
        }
      }
      return stats;
    },

    async outboxDepth(limit): Promise<OutboxDepth> {
      await enter('outboxDepth');
      const bound = Math.max(1, Math.trunc(limit));
      // The same bound as the other stores: the first `limit` pending rows in due order.
      const pending = inStatus('pending').slice(0, bound);
      const failed = Math.min(bound, [...outboxRows.values()].filter((row) => row.status === 'failed').length);
      const depth: OutboxDepth = { pending: pending.length, failed };
      for (const row of pending) {
        if (depth.oldestPendingAt === undefined || row.createdAt < depth.oldestPendingAt) depth.oldestPendingAt = row.createdAt;
      }
      const capped = [...(pending.length >= bound ? ['pending' as const] : []), ...(failed >= bound ? ['failed' as const] : [])];
      if (capped.length > 0) depth.capped = capped;
      return depth;
    },
  };

  const decisions: DecisionLog = {
    async recentDecisions(limit) {
      await enter('recentDecisions');
      return decisionLog.slice(-keepDecisions).reverse().slice(0, Math.max(0, limit)).map(clone);
    },
  };

  const mutes: MuteStore = {
    async addMute(rule) {
      await enter('addMute');
      muteRules.set(rule.id, clone(rule));
    },

    async listMutes(at) {
      await enter('listMutes');
      return [...muteRules.values()].filter((rule) => rule.expiresAt > at).map(clone);
    },

    async removeMute(id) {
      await enter('removeMute');
      return muteRules.delete(id);
    },
  };

  const cursors: CursorStore = {
    async getCursor(key) {
      await enter('getCursor');
      return cursorValues.get(key);
    },

    async setCursor(key, value) {
      await enter('setCursor');
      cursorValues.set(key, value);
    },
  };

  const blocks = createMemoryBlocks({ enter });
  const interact = createMemoryInteract({
    enter,
    now,
    outboxRow: (id) => outboxRows.get(id),
    ...(options.interactRetentionMs === undefined ? {} : { retentionMs: options.interactRetentionMs }),
  });
  const onCall = createMemoryOnCall({ enter });
  const groups = {
    ledger,
    outbox,
    decisions,
    mutes,
    cursors,
    blocks: blocks.group,
    audit: interact.audit,
    snapshots: interact.snapshots,
    replay: interact.replay,
    onCall: onCall.group,
  };
  const store = composeStore(groups, async () => {
    closed = true;
  });
  return {
    ...store,
    async withdraw(ids) {
      await enter('withdraw');
      for (const id of ids) {
        const row = outboxRows.get(id);
        if (row === undefined || row.status === 'sent') continue;
        const replaced = undo.get(committedBy.get(id) ?? -1);
        for (const findingId of row.findingIds) {
          const key = ledgerKey(row.destination, findingId);
          if (replaced === undefined || !replaced.has(key)) continue;
          const before = replaced.get(key);
          if (before === undefined) ledgerRows.delete(key);
          else setLedger(key, clone(before));
        }
        forgetRow(id);
      }
    },
    snapshot: () => ({ outbox: [...outboxRows.values()].map(clone), ledger: [...ledgerRows.values()].map(clone) }),
  };
}
