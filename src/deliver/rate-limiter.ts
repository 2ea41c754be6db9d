import { sleep } from '../core/backoff.js';
/**
 * A token bucket per destination: `burst` messages may go at once, then `perSecond` on average. Slack allows about
 * one message per second per webhook/channel with short bursts (https://docs.slack.dev/apis/web-api/rate-limits), so
 * pacing ourselves avoids most 429s; `pause(untilMs)` handles the rest: when Slack answers 429 with `Retry-After`,
 * the whole destination waits, not just the message that got the 429.
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RateLimiter {
  /** Resolves when one message may be sent (FIFO among waiters). Rejects with the signal's reason when aborted. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** No message goes before `untilMs` (epoch ms on this limiter's clock). A later pause extends, an earlier one is ignored. */
  pause(untilMs: number): void;
  /** Epoch ms until which the destination is paused (0 when never paused). */
  readonly pausedUntil: number;
}

export interface RateLimiterOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
  sleep?: Sleep;
}

/** Timer-based sleep that an AbortSignal cuts short (rejecting with the abort reason). */
export const realSleep: Sleep = sleep;

/**
 * Guards against a clock that never moves (a fake `now` whose `sleep` forgets to advance it): better a loud error
 * than a busy loop.
 */
const MAX_WAIT_ROUNDS = 10_000;

/**
 * @example
 * const limiter = createRateLimiter({ perSecond: 1, burst: 3 });
 * await limiter.acquire();            // immediately for the first 3, then one a second
 * limiter.pause(Date.now() + 30_000); // Slack said Retry-After: 30
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.perSecond > 0)) throw new RangeError(`perSecond must be positive, got ${options.perSecond}`);
  if (!(options.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const perMs = options.perSecond / 1000;
  const burst = options.burst;

  let tokens = burst;
  let refilledAt = now();
  let pausedUntil = 0;
  // Waiters queue on this chain so they are served in order and never race for the same token.
  let queue: Promise<void> = Promise.resolve();

  function refill(at: number): void {
    if (at > refilledAt) {
      tokens = Math.min(burst, tokens + (at - refilledAt) * perMs);
      refilledAt = at;
    }
  }

  async function takeToken(signal?: AbortSignal): Promise<void> {
    for (let round = 0; round < MAX_WAIT_ROUNDS; round++) {
      signal?.throwIfAborted();
      const at = now();
      if (at < pausedUntil) {
        await sleep(pausedUntil - at, signal);
        continue;
      }
      refill(at);
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.max(1, Math.ceil((1 - tokens) / perMs)), signal);
    }
    throw new Error(`Rate limiter waited ${MAX_WAIT_ROUNDS} rounds without a token; is the clock moving?`);
  }

  return {
    acquire(signal?: AbortSignal): Promise<void> {
      const turn = queue.then(() => takeToken(signal));
      // The next waiter goes after this one whether it got a token or gave up.
      queue = turn.catch(() => undefined);
      return turn;
    },
    pause(untilMs: number): void {
      if (untilMs <= pausedUntil) return;
      pausedUntil = untilMs;
      // Resume gently: one message at the end of the pause, then the steady rate, no burst straight into a fresh 429.
      tokens = 1;
      refilledAt = Math.max(refilledAt, untilMs);
    },
    get pausedUntil() {
      return pausedUntil;
    },
  };
}
