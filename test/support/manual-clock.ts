import type { Sleep } from '../../src/deliver/rate-limiter.js';

/**
 * A clock for timing logic without real waiting: `sleep(ms)` moves the clock forward by `ms` at once and records the
 * wait. Concurrent sleepers each advance it (time adds up rather than overlapping), which is fine for unit tests
 * that check order and bounds, not wall time.
 */
export interface ManualClock {
  now: () => number;
  sleep: Sleep;
  advance(ms: number): void;
  /** Every sleep requested, in order. */
  readonly sleeps: number[];
}

export function createManualClock(start = 1_700_000_000_000): ManualClock {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      time += Math.max(0, ms);
      await Promise.resolve();
    },
    advance(ms) {
      time += ms;
    },
    sleeps,
  };
}
