import { threadOfMessage } from '../core/message.js';
import { backoffDelay } from '../core/backoff.js';
import type { LedgerStore, OutboxRow, OutboxStore } from '../state/store.js';
import { DeliveryError } from './errors.js';
import { createRateLimiter, realSleep, type RateLimiter, type Sleep } from './rate-limiter.js';
import { RETRY_DEFAULTS, sendWithRetry, type RetryOptions } from './retry.js';
import type { OutgoingMessage, Sink } from './sink.js';

/** What a drain did: counts in all and per destination (the pipeline's `drain`, replay's summary, the daemon's metrics). */
export interface DrainSummary {
  sent: number;
  retried: number;
  failed: number;
  byDestination: Record<string, { sent: number; failed: number; retried: number }>;
}

/** The logging the drainer does; the pipeline's Logger fits. Never a URL, token or whole message. */
export interface DrainLogger {
  info?(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** One outcome per outbox row, for metrics and the demo page. */
export type DrainEvent =
  | { type: 'sent'; destination: string; outboxId: string; kind: OutboxRow['kind']; findingIds: string[]; attempts: number; ts?: string }
  | { type: 'retry'; destination: string; outboxId: string; error: string; code?: string; nextAttemptAt: number; tried: boolean }
  | { type: 'failed'; destination: string; outboxId: string; error: string; code?: string; status?: number }
  /** Another drainer holds the row's lease (Store.claim); it is theirs to send. */
  | { type: 'skipped'; destination: string; outboxId: string };

export interface OutboxDrainerOptions {
  /** The outbox, and the ledger's threads (read before sending a reply, set after posting a finding's first message). */
  store: OutboxStore & Pick<LedgerStore, 'getLedger' | 'setThreadTs'>;
  /** Sinks by destination name. */
  sinks: ReadonlyMap<string, Sink>;
  now?: () => number;
  sleep?: Sleep;
  random?: () => number;
  logger?: DrainLogger;
  /** Per message retry bounds (see sendWithRetry). */
  retry?: Pick<RetryOptions, 'maxElapsedMs' | 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts'>;
  /** Rows read from the store per pass. Default 200. */
  batchSize?: number;
  /** How long a row waits after its retries ran out: doubles per failed drain, from 10 s up to 15 min. */
  rowBackoff?: { baseMs: number; maxMs: number };
  onEvent?: (event: DrainEvent) => void;
}

export interface OutboxDrainer {
  /** One pass over the rows due now. `deadlineMs` is an absolute epoch ms (same clock as `now`). */
  drainOnce(options?: { deadlineMs?: number }): Promise<DrainSummary>;
  /** Passes until nothing is due, waiting for destinations that are backing off if they resume before the deadline. */
  drainUntilEmpty(options: { deadlineMs: number }): Promise<DrainSummary>;
  /** The destination's limiter (created on first use from the sink's `rate`), e.g. for tests and metrics. */
  limiterFor(destination: string): RateLimiter | undefined;
}

const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_ROW_BACKOFF = { baseMs: 10_000, maxMs: 15 * 60_000 };
/** Count bound for drainUntilEmpty besides its deadline. */
const MAX_PASSES = 10_000;

/**
 * Sends what the outbox holds. Within a destination rows go one at a time, oldest first, through that destination's
 * rate limiter and `sendWithRetry`; destinations run concurrently, so a slow or rate-limited Slack channel does not
 * hold back the others.
 *
 * Outcomes per row:
 * - sent: `markSent`; for a threading sink, a top-level `new`/`escalated` message's `ts` becomes the finding's thread
 *   (`setThreadTs`) unless it already has one;
 * - retries ran out (Slack down, 429 storm, deadline): `markRetry` with a later `nextAttemptAt`, and the destination
 *   backs off: its other due rows are deferred to the same time (no attempt) so they keep their order and do not each
 *   spend a full retry budget on a destination known to be failing;
 * - permanent (`invalid_blocks`, `channel_not_found`, unknown destination, …): `markFailed`, a loud `logger.error`
 *   with the service's code, and the destination's next rows continue.
 *
 * Crash safety: a row is marked sent only after the sink returned. A crash (or a store failure) between the two
 * leaves the row pending, so at most the one in-flight message per destination is sent again: at-least-once, never lost.
 *
 * @example
 * const drainer = createOutboxDrainer({ store, sinks, logger });
 * const summary = await drainer.drainUntilEmpty({ deadlineMs: Date.now() + 30_000 });
 */
export function createOutboxDrainer(options: OutboxDrainerOptions): OutboxDrainer {
  const { store, sinks, onEvent } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const rowBackoff = options.rowBackoff ?? DEFAULT_ROW_BACKOFF;
  // A lease must outlive the longest send: the retry bound plus one request timeout.
  const leaseMs = (options.retry?.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs) + 30_000;
  const limiters = new Map<string, RateLimiter>();
  /** Destinations whose retries ran out, and until when they back off. */
  const backingOff = new Map<string, { until: number; reason: string }>();

  function limiterFor(sink: Sink): RateLimiter {
    let limiter = limiters.get(sink.name);
    if (limiter === undefined) {
      limiter = createRateLimiter({ perSecond: sink.rate.perSecond, burst: sink.rate.burst, now, sleep });
      limiters.set(sink.name, limiter);
    }
    return limiter;
  }

  function emit(event: DrainEvent): void {
    try {
      onEvent?.(event);
    } catch {
      // An observer's bug must not change what was delivered.
    }
  }

  async function drainDestination(destination: string, rows: OutboxRow[], deadline: number, summary: DrainSummary): Promise<void> {
    const counts = (summary.byDestination[destination] ??= { sent: 0, failed: 0, retried: 0 });
    const sink = sinks.get(destination);

    for (const row of rows) {
      const at = now();
      if (at >= deadline) return; // Untouched rows stay due for the next drain.

      if (sink === undefined) {
        const error = `No destination named "${destination}" is configured; the message cannot be sent`;
        logger?.error('Outbox message has no destination; marking it failed', { destination, outboxId: row.id, code: 'unknown_destination' });
        await store.markFailed(row.id, error, at);
        counts.failed++;
        summary.failed++;
        emit({ type: 'failed', destination, outboxId: row.id, error, code: 'unknown_destination' });
        continue;
      }

      const backoff = backingOff.get(destination);
      if (backoff !== undefined && at < backoff.until) {
        const error = `Not tried: ${destination} is backing off after: ${backoff.reason}`;
        await store.markRetry(row.id, error, backoff.until);
        counts.retried++;
        summary.retried++;
        emit({ type: 'retry', destination, outboxId: row.id, error, nextAttemptAt: backoff.until, tried: false });
        continue;
      }
      if (backoff !== undefined) backingOff.delete(destination);

      // Another drainer on the same store (a concurrent Lambda) may be sending this very row: lease it first. The
      // lease outlives the longest send (the retry bound) so it cannot expire mid-send.
      const leasedUntil = at + leaseMs;
      if (!(await store.claim(row.id, at, leasedUntil))) {
        emit({ type: 'skipped', destination, outboxId: row.id });
        continue;
      }

      const message = await outgoingMessage(row, sink);
      const limiter = limiterFor(sink);
      let result: Awaited<ReturnType<typeof sendWithRetry>>;
      try {
        result = await sendWithRetry(sink, message, {
          ...options.retry,
          limiter,
          deadline,
          now,
          sleep,
          random,
          ...(logger === undefined ? {} : { logger }),
        });
      } catch (thrown) {
        const error = thrown instanceof DeliveryError ? thrown : new DeliveryError(String(thrown), { retryable: true });
        if (error.code === 'deadline') {
          // Not tried at all (the claim took the time that was left): hand the row back, due at once, instead of
          // leaving it leased to this invocation for the lease's length.
          await store.release(row.id, leasedUntil);
          return;
        }
        const failedAt = now();
        if (error.retryable) {
          const nextAttemptAt = Math.max(
            failedAt + Math.max(error.retryAfterMs ?? 0, backoffDelay(row.attempts, { ...rowBackoff, jitter: 'none' })),
            limiter.pausedUntil,
          );
          await store.markRetry(row.id, error.message, nextAttemptAt);
          backingOff.set(destination, { until: nextAttemptAt, reason: error.code ?? error.message });
          counts.retried++;
          summary.retried++;
          logger?.warn('Delivery did not succeed in time; the message stays queued', {
            destination,
            outboxId: row.id,
            code: error.code,
            status: error.status,
            nextAttemptAt,
          });
          emit({
            type: 'retry',
            destination,
            outboxId: row.id,
            error: error.message,
            ...(error.code === undefined ? {} : { code: error.code }),
            nextAttemptAt,
            tried: true,
          });
        } else {
          await store.markFailed(row.id, error.message, failedAt);
          counts.failed++;
          summary.failed++;
          logger?.error('Delivery failed permanently; the message is kept as failed and will not be retried', {
            destination,
            outboxId: row.id,
            findingIds: row.findingIds.slice(0, 10),
            code: error.code,
            status: error.status,
            error: error.message,
          });
          emit({
            type: 'failed',
            destination,
            outboxId: row.id,
            error: error.message,
            ...(error.code === undefined ? {} : { code: error.code }),
            ...(error.status === undefined ? {} : { status: error.status }),
          });
        }
        continue;
      }

      // Delivered. Only now is it marked: see "Crash safety" above.
      await store.markSent(row.id, now(), result.ts);
      if (
        sink.threads === true &&
        result.ts !== undefined &&
        message.threadTs === undefined &&
        row.findingId !== undefined &&
        (row.kind === 'new' || row.kind === 'escalated')
      ) {
        await store.setThreadTs(destination, row.findingId, result.ts);
      }
      counts.sent++;
      summary.sent++;
      emit({
        type: 'sent',
        destination,
        outboxId: row.id,
        kind: row.kind,
        findingIds: row.findingIds,
        attempts: result.attempts,
        ...(result.ts === undefined ? {} : { ts: result.ts }),
      });
    }
  }

  /**
   * The thread is looked up right before sending, not when the row was written: the message that opens the thread may
   * have been sent moments ago, in this very drain.
   */
  async function outgoingMessage(row: OutboxRow, sink: Sink): Promise<OutgoingMessage> {
    const message: OutgoingMessage = {
      id: row.id,
      destination: row.destination,
      kind: row.kind,
      findingIds: row.findingIds,
      message: row.message,
    };
    if (row.findingId !== undefined) message.findingId = row.findingId;
    if (sink.threads === true && row.findingId !== undefined && row.kind !== 'digest') {
      // Its own thread first; else the thread of the finding it belongs to (an attack sequence), when that has one.
      const threadOf = threadOfMessage(row.message);
      const ids = threadOf === undefined || threadOf === row.findingId ? [row.findingId] : [row.findingId, threadOf];
      const ledger = await store.getLedger(row.destination, ids);
      const threadTs = ledger.get(row.findingId)?.threadTs ?? (threadOf === undefined ? undefined : ledger.get(threadOf)?.threadTs);
      if (threadTs !== undefined) message.threadTs = threadTs;
    }
    return message;
  }

  async function drainOnce(drainOptions?: { deadlineMs?: number }): Promise<DrainSummary> {
    const deadline = drainOptions?.deadlineMs ?? Number.POSITIVE_INFINITY;
    const summary: DrainSummary = { sent: 0, retried: 0, failed: 0, byDestination: {} };
    if (now() >= deadline) return summary;
    const rows = await store.duePending(now(), batchSize);
    const byDestination = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const list = byDestination.get(row.destination);
      if (list === undefined) byDestination.set(row.destination, [row]);
      else list.push(row);
    }
    const results = await Promise.allSettled(
      [...byDestination].map(([destination, list]) => drainDestination(destination, list, deadline, summary)),
    );
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') {
        // A store write failed: whatever was in flight stays pending and may be sent once more. Surface it.
        const destination = [...byDestination.keys()][i];
        logger?.error('Could not record a delivery outcome; the message may be sent again', {
          destination,
          error: result.reason instanceof Error ? result.reason.message : String(result.reason),
        });
      }
    }
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined && results.every((r) => r.status === 'rejected')) throw failure.reason;
    return summary;
  }

  async function drainUntilEmpty(drainOptions: { deadlineMs: number }): Promise<DrainSummary> {
    const deadline = drainOptions.deadlineMs;
    const total: DrainSummary = { sent: 0, retried: 0, failed: 0, byDestination: {} };
    for (let pass = 0; pass < MAX_PASSES && now() < deadline; pass++) {
      const summary = await drainOnce({ deadlineMs: deadline });
      merge(total, summary);
      if (summary.sent + summary.failed + summary.retried > 0) continue;
      // Nothing was due. Wait for the first destination that backs off and resumes before the deadline, if any.
      const at = now();
      const resumeAt = Math.min(...[...backingOff.values()].map((b) => b.until).filter((until) => until > at));
      if (!Number.isFinite(resumeAt) || resumeAt >= deadline) break;
      await sleep(resumeAt - at);
    }
    return total;
  }

  return {
    drainOnce,
    drainUntilEmpty,
    limiterFor: (destination) => limiters.get(destination),
  };
}

function merge(total: DrainSummary, part: DrainSummary): void {
  total.sent += part.sent;
  total.retried += part.retried;
  total.failed += part.failed;
  for (const [destination, counts] of Object.entries(part.byDestination)) {
    const into = (total.byDestination[destination] ??= { sent: 0, failed: 0, retried: 0 });
    into.sent += counts.sent;
    into.failed += counts.failed;
    into.retried += counts.retried;
  }
}

/** Re-exported so callers can size their deadline against the per-message bound. */
export const DEFAULT_MAX_ELAPSED_MS = RETRY_DEFAULTS.maxElapsedMs;
