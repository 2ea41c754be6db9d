import { setTimeout as timersSetTimeout } from 'node:timers/promises';

/**
 * One backoff formula for every retry loop (Slack sends, outbox rows, GuardDuty throttling, DynamoDB conflicts):
 * exponential with jitter, so many senders that failed together do not retry in step.
 * "full" jitter draws from [0, ceiling); "equal" from [ceiling/2, ceiling) when a floor matters (a conflict must
 * not be retried at once). See https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/.
 */
export interface BackoffOptions {
  /** Ceiling of the first attempt (attempt 0). */
  baseMs: number;
  /** Largest ceiling. */
  maxMs: number;
  /** Default full. "none" when the delay is stored and shown (an outbox row's next attempt). */
  jitter?: 'full' | 'equal' | 'none';
  /** [0, 1); injectable so tests are repeatable. */
  random?: () => number;
}

/** Delay before retry number `attempt` (0 = the first retry): `min(maxMs, baseMs · 2^attempt)`, jittered. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  const random = options.random ?? Math.random;
  if (options.jitter === 'none') return ceiling;
  if (options.jitter === 'equal') return Math.floor(ceiling / 2 + random() * (ceiling / 2));
  return Math.floor(random() * ceiling);
}

/**
 * Waits `ms`, or rejects with the signal's reason when it aborts (node's own abortable timer). Loops that must
 * stop on SIGTERM pass their signal.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return timersSetTimeout(Math.max(0, ms), undefined, signal === undefined ? undefined : { signal });
}
