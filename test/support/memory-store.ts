import { toLoggedDecision } from '../../src/policy/decision-record.js';
import { composeStore } from '../../src/state/store.js';
import type {
  CursorStore,
  DecisionCommit,
  DecisionLog,
  LedgerEntry,
  LedgerStore,
  LoggedDecision,
  MuteRule,
  MuteStore,
  OutboxRow,
  OutboxStatus,
  OutboxStore,
  Store,
  StoreStats,
} from '../../src/state/store.js';

/**
 * An in-memory Store for tests. It passes the same conformance suite as SQLite and DynamoDB
 * (test/state/store-conformance.ts, run by memory-store.test.ts), so the drainer, daemon and backfill tests it backs
 * see the contract of src/state/store.ts, group by group. On top of the contract:
 * - everything read or written is a deep copy (like a database: callers cannot mutate stored rows by accident);
 * - `commit` applies all of its parts or none (it validates first, then writes);
 * - one sender by construction is not assumed: `claim` leases like DynamoDB;
 * - a row marked sent forgets its last error;
 * - after `close()` every call rejects.
 * Extra for tests: `outbox()` (all rows, insertion order), `ledger()` (all entries), `calls` (method names in call
 * order), and `failNext(method, error)` to make the next call of a method reject once.
 *
 * @example
 * const store = createMemoryStore();
 * await store.commit({ ledger: [], outbox: [row], decisions: [] });
 */
export interface MemoryStore extends Store {
  /** Every outbox row, insertion order. */
  outbox(): OutboxRow[];
  /** Every ledger entry. */
  ledger(): LedgerEntry[];
  /** Store method names in call order. */
  readonly calls: string[];
  /** The next call of `method` rejects with `error` (once). */
  failNext(method: keyof Store, error: Error): void;
}

export function createMemoryStore(): MemoryStore {
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
  let nextSequence = 0;
  const decisionLog: LoggedDecision[] = [];
  const muteRules = new Map<string, MuteRule>();
  const cursorValues = new Map<string, number>();
  const calls: string[] = [];
  const failures = new Map<string, Error[]>();
  let closed = false;

  const ledgerKey = (destination: string, findingId: string): string => `${destination}\u0000${findingId}`;
  const clone = <T>(value: T): T => structuredClone(value);

  async function enter(method: keyof Store): Promise<void> {
    calls.push(method);
    // Like a real driver, answers arrive on a later tick.
    await Promise.resolve();
    if (closed) throw new Error(`Memory store is closed (called ${method})`);
    const queued = failures.get(method);
    const error = queued?.shift();
    if (error !== undefined) throw error;
  }

  /** The row if it is still pending; marks on other rows (unknown, sent, failed) change nothing. */
  function pendingRow(id: string): OutboxRow | undefined {
    const row = outboxRows.get(id);
    return row?.status === 'pending' ? row : undefined;
  }

  const seq = (row: OutboxRow): number => sequence.get(row.id) ?? 0;
  const byDueOrder = (a: OutboxRow, b: OutboxRow): number =>
    a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || seq(a) - seq(b);
  const newestFirst = (at: (row: OutboxRow) => number) => (a: OutboxRow, b: OutboxRow): number => at(b) - at(a) || seq(b) - seq(a);
  const inStatus = (status: OutboxStatus): OutboxRow[] => {
    const rows = [...outboxRows.values()].filter((row) => row.status === status);
    if (status === 'pending') return rows.sort(byDueOrder);
    if (status === 'failed') return rows.sort(newestFirst((row) => failedAt.get(row.id) ?? row.createdAt));
    return rows.sort(newestFirst((row) => row.sentAt ?? row.createdAt));
  };

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
      // A redelivered batch re-creates the same ids: the row already stored (and its progress) stays.
      for (const row of commit.outbox) {
        if (outboxRows.has(row.id)) continue;
        outboxRows.set(row.id, clone(row));
        sequence.set(row.id, nextSequence++);
      }
      for (const entry of commit.ledger) {
        const key = ledgerKey(entry.destination, entry.findingId);
        const next = clone(entry);
        // The thread already set wins: the batch that computed `entry` may have read the row before it was set.
        const thread = ledgerRows.get(key)?.threadTs ?? earlyThreads.get(key) ?? next.threadTs;
        if (thread !== undefined) next.threadTs = thread;
        earlyThreads.delete(key);
        ledgerRows.set(key, next);
      }
      for (const decision of commit.decisions) decisionLog.push(toLoggedDecision(clone(decision)));
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
    async duePending(now, limit) {
      await enter('duePending');
      return inStatus('pending')
        .filter((row) => row.nextAttemptAt <= now)
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
  };

  const decisions: DecisionLog = {
    async recentDecisions(limit) {
      await enter('recentDecisions');
      return decisionLog.slice().reverse().slice(0, Math.max(0, limit)).map(clone);
    },
  };

  const mutes: MuteStore = {
    async addMute(rule) {
      await enter('addMute');
      muteRules.set(rule.id, clone(rule));
    },

    async listMutes(now) {
      await enter('listMutes');
      return [...muteRules.values()].filter((rule) => rule.expiresAt > now).map(clone);
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

  const store = composeStore({ ledger, outbox, decisions, mutes, cursors }, async () => {
    calls.push('close');
    closed = true;
  });
  return {
    ...store,
    outbox: () => [...outboxRows.values()].map(clone),
    ledger: () => [...ledgerRows.values()].map(clone),
    calls,
    failNext(method, error) {
      const queue = failures.get(method) ?? [];
      queue.push(error);
      failures.set(method, queue);
    },
  };
}
