import type {
  DecisionCommit,
  DecisionRecord,
  LedgerEntry,
  MuteRule,
  OutboxRow,
  OutboxStatus,
  Store,
  StoreStats,
} from '../../src/state/store.js';

/**
 * An in-memory Store for tests, faithful to the interface docs in src/state/store.ts:
 * - everything read or written is a deep copy (like a database: callers cannot mutate stored rows by accident);
 * - `commit` applies all of its parts or none (it validates first, then writes);
 * - outbox inserts are idempotent by id: committing a row id that exists keeps the existing row (a redelivered batch
 *   must not turn a sent row back into pending);
 * - a committed ledger entry without `threadTs` keeps the thread already stored (the drainer may have set it between
 *   the policy's read and this commit);
 * - `duePending` returns pending rows with `nextAttemptAt <= now`, oldest `createdAt` first (ties: insertion order);
 * - mark* on an unknown outbox id throws (it is a bug in the caller);
 * - `listOutbox` is oldest first; `recentDecisions` newest first;
 * - after `close()` every call rejects.
 * Extra for tests: `outbox()` (all rows), `ledger()` (all entries), `calls` (method names in call order),
 * and `failNext(method, error)` to make the next call of a method reject once.
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
  const ledger = new Map<string, LedgerEntry>();
  const outbox = new Map<string, OutboxRow>();
  /** Store.claim leases: outbox id → until (epoch ms). */
  const claims = new Map<string, number>();
  /** Insertion sequence, the tie-breaker for equal createdAt. */
  const sequence = new Map<string, number>();
  let nextSequence = 0;
  const decisions: DecisionRecord[] = [];
  const mutes = new Map<string, MuteRule>();
  const cursors = new Map<string, number>();
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

  function rowOrThrow(id: string, method: string): OutboxRow {
    const row = outbox.get(id);
    if (row === undefined) throw new Error(`${method}: no outbox row with id ${JSON.stringify(id)}`);
    return row;
  }

  function byAge(a: OutboxRow, b: OutboxRow): number {
    return a.createdAt - b.createdAt || (sequence.get(a.id) ?? 0) - (sequence.get(b.id) ?? 0);
  }

  const store: MemoryStore = {
    async getLedger(destination, findingIds) {
      await enter('getLedger');
      const found = new Map<string, LedgerEntry>();
      for (const id of findingIds) {
        const entry = ledger.get(ledgerKey(destination, id));
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
      for (const row of commit.outbox) {
        if (outbox.has(row.id)) continue;
        outbox.set(row.id, clone(row));
        sequence.set(row.id, nextSequence++);
      }
      for (const entry of commit.ledger) {
        const key = ledgerKey(entry.destination, entry.findingId);
        const previous = ledger.get(key);
        const next = clone(entry);
        // A thread opened by an earlier message survives a ledger update that does not know about it.
        if (next.threadTs === undefined && previous?.threadTs !== undefined) next.threadTs = previous.threadTs;
        ledger.set(key, next);
      }
      for (const decision of commit.decisions) decisions.push(clone(decision));
    },

    async duePending(now, limit) {
      await enter('duePending');
      return [...outbox.values()]
        .filter((row) => row.status === 'pending' && row.nextAttemptAt <= now)
        .sort(byAge)
        .slice(0, Math.max(0, limit))
        .map(clone);
    },

    async markSent(id, at, _threadTs) {
      await enter('markSent');
      const row = rowOrThrow(id, 'markSent');
      row.status = 'sent';
      row.sentAt = at;
      row.attempts += 1;
      delete row.lastError;
      // The thread itself is recorded by setThreadTs (ledger); OutboxRow has no field for it.
    },

    async claim(id, at, until) {
      await enter('claim');
      const row = rowOrThrow(id, 'claim');
      const held = claims.get(id);
      if (row.status !== 'pending' || (held !== undefined && held > at)) return false;
      claims.set(id, until);
      return true;
    },

    async markRetry(id, error, nextAttemptAt) {
      await enter('markRetry');
      claims.delete(id);
      const row = rowOrThrow(id, 'markRetry');
      row.attempts += 1;
      row.lastError = error;
      row.nextAttemptAt = nextAttemptAt;
      row.status = 'pending';
    },

    async markFailed(id, error, _at) {
      await enter('markFailed');
      const row = rowOrThrow(id, 'markFailed');
      row.status = 'failed';
      row.attempts += 1;
      row.lastError = error;
    },

    async setThreadTs(destination, findingId, threadTs) {
      await enter('setThreadTs');
      const entry = ledger.get(ledgerKey(destination, findingId));
      // The ledger row is committed with the outbox row that announced the finding, so it exists; if a test skipped
      // it, there is nothing sensible to invent (first/last notified times), so nothing is written.
      if (entry !== undefined) entry.threadTs = threadTs;
    },

    async listOutbox(filter: { status?: OutboxStatus; limit: number }) {
      await enter('listOutbox');
      return [...outbox.values()]
        .filter((row) => filter.status === undefined || row.status === filter.status)
        .sort(byAge)
        .slice(0, Math.max(0, filter.limit))
        .map(clone);
    },

    async recentDecisions(limit) {
      await enter('recentDecisions');
      return decisions.slice().reverse().slice(0, Math.max(0, limit)).map(clone);
    },

    async stats(): Promise<StoreStats> {
      await enter('stats');
      const stats: StoreStats = { pending: 0, failed: 0, sent: 0 };
      for (const row of outbox.values()) {
        stats[row.status] += 1;
        if (row.status === 'pending' && (stats.oldestPendingAt === undefined || row.createdAt < stats.oldestPendingAt)) {
          stats.oldestPendingAt = row.createdAt;
        }
      }
      return stats;
    },

    async addMute(rule) {
      await enter('addMute');
      mutes.set(rule.id, clone(rule));
    },

    async listMutes(now) {
      await enter('listMutes');
      return [...mutes.values()].filter((rule) => rule.expiresAt > now).map(clone);
    },

    async removeMute(id) {
      await enter('removeMute');
      return mutes.delete(id);
    },

    async getCursor(key) {
      await enter('getCursor');
      return cursors.get(key);
    },

    async setCursor(key, value) {
      await enter('setCursor');
      cursors.set(key, value);
    },

    async close() {
      calls.push('close');
      closed = true;
    },

    outbox: () => [...outbox.values()].map(clone),
    ledger: () => [...ledger.values()].map(clone),
    calls,
    failNext(method, error) {
      const queue = failures.get(method) ?? [];
      queue.push(error);
      failures.set(method, queue);
    },
  };
  return store;
}
