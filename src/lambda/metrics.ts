import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { IngestResult } from '../pipeline/pipeline-types.js';
import type { ConvergeReport } from '../pipeline/responder.js';

/** The part of Powertools Metrics the handlers use (EMF lines on stdout, published at the end of each invocation). */
export type LambdaMetrics = Pick<Metrics, 'addMetric' | 'singleMetric' | 'publishStoredMetrics'>;

/** `FindingsReceived`, `FindingsSuppressed` and, with respond configured, the blocks decided and refused. */
export function recordIngestMetrics(metrics: LambdaMetrics, ingest: IngestResult): void {
  metrics.addMetric('FindingsReceived', MetricUnit.Count, ingest.findings);
  metrics.addMetric('FindingsSuppressed', MetricUnit.Count, ingest.decisions.filter((d) => d.outcome === 'suppress').length);
  if (ingest.respond) {
    metrics.addMetric('BlocksDecided', MetricUnit.Count, ingest.respond.counts.blocked + ingest.respond.counts.extended);
    metrics.addMetric('BlocksRefused', MetricUnit.Count, ingest.respond.counts.refused);
    if (ingest.respond.converge) recordConvergeMetrics(metrics, ingest.respond.converge);
  }
}

/**
 * After every converge: `BlockWriteFailures` (targets that could not be read or written; the stack alarms on it) and,
 * per target (dimension `target`), `BlocksInForce`.
 */
export function recordConvergeMetrics(metrics: LambdaMetrics, report: ConvergeReport): void {
  metrics.addMetric('BlockWriteFailures', MetricUnit.Count, report.outcomes.filter((o) => !o.ok).length);
  for (const [target, count] of report.inForce) {
    const single = metrics.singleMetric();
    single.addDimension('target', target);
    single.addMetric('BlocksInForce', MetricUnit.Count, count);
  }
}

/** Delivery figures of one invocation: `NotificationsSent`, `OutboxFailures`. */
export function recordDrainMetrics(metrics: LambdaMetrics, drain: { sent: number; failed: number }): void {
  metrics.addMetric('NotificationsSent', MetricUnit.Count, drain.sent);
  metrics.addMetric('OutboxFailures', MetricUnit.Count, drain.failed);
}

/** `PagerDutySendFailures`: PagerDuty events that failed or were put back for later in this invocation (the stack alarms on it). */
export function recordPagerDutyFailures(metrics: LambdaMetrics, count: number): void {
  metrics.addMetric('PagerDutySendFailures', MetricUnit.Count, count);
}

/** `OutboxOldestPendingAge`, which the stack alarms on. */
export function recordOutboxAge(metrics: LambdaMetrics, seconds: number): void {
  metrics.addMetric('OutboxOldestPendingAge', MetricUnit.Seconds, seconds);
}

/** One `BlockWriteFailures` when the store itself could not be read for a sync. */
export function recordSyncFailure(metrics: LambdaMetrics): void {
  metrics.addMetric('BlockWriteFailures', MetricUnit.Count, 1);
}
