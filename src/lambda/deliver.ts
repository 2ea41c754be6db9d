import type { Context } from 'aws-lambda';
import type { Logger } from '../core/logger.js';
import type { FindingsRuntime } from './findings-runtime.js';
import { recordDrainMetrics, recordOutboxAge, recordPagerDutyFailures, type LambdaMetrics } from './metrics.js';

/** Time kept back from the Lambda timeout to commit state and return, in ms. */
const DRAIN_SAFETY_MARGIN_MS = 3_000;
/**
 * Outbox rows counted after each invocation (one bounded Query per status): enough to say "a backlog", never a walk
 * through the table's history.
 */
const OUTBOX_DEPTH_LIMIT = 100;

export interface Delivered {
  sent: number;
  failed: number;
  pendingLeft: boolean;
  /** No table: the finding ids whose messages did not go out in this invocation (taken back from the store). */
  undelivered: Set<string>;
}

export interface DeliverDeps {
  logger: Logger;
  metrics: LambdaMetrics;
  /** Epoch ms; the drain deadline and the outbox age are measured with it. */
  now?: () => number;
}

function deadlineOf(context: Context | undefined, now: number): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? 30_000;
  return now + Math.max(1_000, remaining - DRAIN_SAFETY_MARGIN_MS);
}

/**
 * Sends what the outbox holds, within the invocation's time, and reports (and records as metrics) the outcome. With a
 * table, what is left is counted by one bounded Query per status (`outboxDepth`), whatever the table keeps. Without
 * one, what is left is taken back (`withdraw`) and its findings reported, for the caller to fail their records.
 */
export async function deliver(lambda: FindingsRuntime, context: Context | undefined, deps: DeliverDeps): Promise<Delivered> {
  const { logger, metrics, now = Date.now } = deps;
  const { runtime, memory } = lambda;
  if (memory) {
    let sent = 0;
    let failed = 0;
    try {
      const drain = await runtime.pipeline.drain({ deadlineMs: deadlineOf(context, now()) });
      ({ sent, failed } = drain);
    } catch (error) {
      logger.error('Delivery failed; the records of undelivered messages are reported failed', { error: (error as Error).message });
    }
    recordDrainMetrics(metrics, { sent, failed });
    const left = [
      ...(await memory.listOutbox({ status: 'pending', limit: Number.MAX_SAFE_INTEGER })),
      ...(await memory.listOutbox({ status: 'failed', limit: Number.MAX_SAFE_INTEGER })),
    ];
    await memory.withdraw(left.map((row) => row.id));
    const undelivered = new Set(left.flatMap((row) => row.findingIds));
    if (left.length > 0) {
      logger.warn('Messages not delivered in this invocation; their records fail so the queue or Lambda retries them', {
        messages: left.length,
        findings: undelivered.size,
        lastError: left.find((row) => row.lastError !== undefined)?.lastError,
      });
    }
    return { sent, failed, pendingLeft: false, undelivered };
  }
  const drain = await runtime.pipeline.drain({ deadlineMs: deadlineOf(context, now()) });
  recordDrainMetrics(metrics, drain);
  // Failed PagerDuty sends alarm on their own (a page that did not leave is worse than a chat message that did not).
  const pagerFailures = runtime.config.destinations
    .filter((d) => d.type === 'pagerduty')
    .reduce((sum, d) => sum + (drain.byDestination[d.name]?.failed ?? 0) + (drain.byDestination[d.name]?.retried ?? 0), 0);
  if (pagerFailures > 0) recordPagerDutyFailures(metrics, pagerFailures);
  const depth = await runtime.store.outboxDepth(OUTBOX_DEPTH_LIMIT);
  const oldestAgeSeconds = depth.oldestPendingAt === undefined ? 0 : Math.max(0, Math.round((now() - depth.oldestPendingAt) / 1000));
  recordOutboxAge(metrics, oldestAgeSeconds);
  if (depth.pending > 0) {
    logger.warn('Messages left in the outbox; the next invocation or the scheduled drain sends them', {
      pending: depth.capped?.includes('pending') ? `${depth.pending} or more` : depth.pending,
      oldestAgeSeconds,
    });
  }
  return { sent: drain.sent, failed: drain.failed, pendingLeft: depth.pending > 0, undelivered: new Set() };
}

/**
 * Delivery after a successful commit: with a table its failure is the outbox's (logged as a delivery problem; the
 * records are done), without one it means nothing was delivered, which `deliver` already reports per finding.
 */
export async function deliverAfterCommit(lambda: FindingsRuntime, context: Context | undefined, deps: DeliverDeps): Promise<Delivered> {
  try {
    return await deliver(lambda, context, deps);
  } catch (error) {
    deps.logger.error('Delivery problem after the batch was committed; its messages stay in the outbox and are sent later', {
      error: (error as Error).message,
    });
    return { sent: 0, failed: 0, pendingLeft: true, undelivered: new Set() };
  }
}
