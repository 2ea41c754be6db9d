import { createMemoryStore as createStateMemoryStore } from '../../src/state/memory-store.js';
import type { LedgerEntry, OutboxRow, Store } from '../../src/state/store.js';

/**
 * The in-memory Store for tests: src/state/memory-store.ts (the one the Lambda without a table runs on), unbounded
 * (nothing pruned, whatever the timestamps), plus what tests want to see and do. It passes the same conformance suite
 * as SQLite and DynamoDB (test/state/store-conformance.ts, run by memory-store.test.ts), so the drainer, daemon and
 * backfill tests it backs see the contract of src/state/store.ts, group by group.
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
  const inner = createStateMemoryStore({
    maxLedgerEntries: Number.POSITIVE_INFINITY,
    keepSent: Number.POSITIVE_INFINITY,
    sentRetentionMs: Number.POSITIVE_INFINITY,
    keepDecisions: Number.POSITIVE_INFINITY,
    interactRetentionMs: Number.POSITIVE_INFINITY,
  });
  const calls: string[] = [];
  const failures = new Map<string, Error[]>();

  // Every Store method, recorded and failable; `close` is recorded only.
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(inner) as Array<[string, unknown]>) {
    if (typeof fn !== 'function' || name === 'withdraw' || name === 'snapshot') continue;
    wrapped[name] = async (...args: unknown[]) => {
      calls.push(name);
      if (name !== 'close') {
        const error = failures.get(name)?.shift();
        if (error !== undefined) {
          // Like a real driver, a failure arrives on a later tick too.
          await Promise.resolve();
          throw error;
        }
      }
      return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return {
    ...(wrapped as unknown as Store),
    outbox: () => inner.snapshot().outbox,
    ledger: () => inner.snapshot().ledger,
    calls,
    failNext(method, error) {
      const queue = failures.get(method) ?? [];
      queue.push(error);
      failures.set(method, queue);
    },
  };
}
