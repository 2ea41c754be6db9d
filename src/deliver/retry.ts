import { backoffDelay } from '../core/backoff.js';
import { DeliveryError } from './errors.js';
import { realSleep, type RateLimiter, type Sleep } from './rate-limiter.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/** The one logging method retries use; the pipeline's Logger fits. Fields never carry a URL or token. */
export interface RetryLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface RetryOptions {
  /** The destination's limiter: every attempt takes a token; a `Retry-After` pauses it for the whole destination. */
  limiter: RateLimiter;
  /** Give up (retryable) when the next attempt would start later than this after the first. Default 60 s. */
  maxElapsedMs?: number;
  /** First backoff ceiling; doubles per attempt ("full jitter": a random delay in [0, ceiling)). Default 500 ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling. Default 30 s. */
  maxDelayMs?: number;
  /** A count bound besides the time bound. Default 50. */
  maxAttempts?: number;
  /** Absolute epoch ms (same clock as `now`) after which no attempt starts, e.g. a Lambda's remaining time. */
  deadline?: number;
  now?: () => number;
  sleep?: Sleep;
  /** [0, 1); injectable so tests are deterministic. */
  random?: () => number;
  logger?: RetryLogger;
  /** Cancels waiting (the row stays pending). */
  signal?: AbortSignal;
}

export const RETRY_DEFAULTS = {
  maxElapsedMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxAttempts: 50,
} as const;

export interface RetryResult extends SendResult {
  /** Attempts made, the successful one included. */
  attempts: number;
}

/**
 * Sends one message, retrying what can be retried, in the manner of Alertmanager's notify retry stage:
 * - permanent `DeliveryError` (`retryable: false`): thrown at once;
 * - `retryAfterMs` (Slack's 429 `Retry-After`): the destination's limiter is paused that long, then we try again;
 * - other retryable errors: exponential backoff with full jitter
 *   (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), so many senders do not retry in step;
 * - when the next attempt would fall outside `maxElapsedMs`, the deadline or `maxAttempts`, the last error is thrown
 *   (still `retryable: true`) so the caller keeps the outbox row pending for later.
 *
 * @example
 * const { ts } = await sendWithRetry(sink, message, { limiter, maxElapsedMs: 20_000, logger });
 */
export async function sendWithRetry(sink: Sink, message: OutgoingMessage, options: RetryOptions): Promise<RetryResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const maxElapsedMs = options.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs;
  const baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
  const maxAttempts = Math.max(1, options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts);
  const { limiter, logger, signal } = options;
  const start = now();
  const giveUpAt = Math.min(start + maxElapsedMs, options.deadline ?? Number.POSITIVE_INFINITY);

  if (now() >= giveUpAt) {
    throw new DeliveryError(`No time left to send to ${sink.describe()}; the message stays queued`, {
      retryable: true,
      code: 'deadline',
    });
  }

  for (let attempt = 1; ; attempt++) {
    await limiter.acquire(signal);
    let error: DeliveryError;
    try {
      const result = await sink.send(message, signal === undefined ? undefined : { signal });
      return { ...result, attempts: attempt };
    } catch (thrown) {
      error = asDeliveryError(thrown, sink);
    }
    if (!error.retryable) throw error;

    const failedAt = now();
    const serverAskedToWait = error.retryAfterMs !== undefined && error.retryAfterMs > 0;
    const delayMs = serverAskedToWait
      ? (error.retryAfterMs ?? 0)
      : backoffDelay(attempt - 1, { baseMs: baseDelayMs, maxMs: maxDelayMs, random });
    const nextAt = failedAt + delayMs;
    // The server asked the destination to hold off: every message of it waits (the next acquire() does), even when
    // this message gives up now and goes back to the outbox.
    if (serverAskedToWait) limiter.pause(nextAt);
    if (attempt >= maxAttempts || nextAt > giveUpAt || signal?.aborted) {
      logger?.warn('Delivery still failing, leaving the message queued for later', {
        destination: sink.name,
        outboxId: message.id,
        findingId: message.findingId,
        attempts: attempt,
        status: error.status,
        code: error.code,
        error: error.message,
      });
      throw error;
    }
    logger?.warn('Delivery failed, will retry', {
      destination: sink.name,
      outboxId: message.id,
      findingId: message.findingId,
      attempt,
      status: error.status,
      code: error.code,
      retryInMs: delayMs,
      error: error.message,
    });
    if (!serverAskedToWait && delayMs > 0) await sleep(delayMs, signal);
  }
}

/** A sink should only throw DeliveryError; anything else is treated as a transient fault so no message is dropped. */
function asDeliveryError(thrown: unknown, sink: Sink): DeliveryError {
  if (thrown instanceof DeliveryError) return thrown;
  const reason = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  return new DeliveryError(`Unexpected failure sending to ${sink.describe()}: ${reason}`, {
    retryable: true,
    code: 'unexpected',
    cause: thrown,
  });
}
