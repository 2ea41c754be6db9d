import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiOperation, ApiOutcome, PollerMetrics } from '../sources/guardduty-poller.js';
import type { DrainSummary, IngestResult } from '../pipeline/pipeline-types.js';
import { decisionReasonLabel } from '../policy/decision-record.js';

/**
 * The daemon's Prometheus metrics, on a registry of its own (never prom-client's global one, so tests and a host
 * process embedding us do not collide). Names follow https://prometheus.io/docs/practices/naming/ (base units,
 * `_total` counters, `_seconds`). Label values are bounded: regions and destinations come from config, operations and
 * outcomes from fixed lists, suppression reasons are their code (a mute's rule id is left out: `muted`).
 */

export const METRIC_PREFIX = 'guardduty_notifier_';

export interface DaemonMetrics {
  readonly registry: Registry;
  /** The poller's hooks (API calls, findings seen, poll duration, last success). */
  readonly poller: PollerMetrics;
  /** Counts what one ingest decided (suppressed by reason, decisions by destination and outcome). */
  recordIngest(result: IngestResult): void;
  /** Counts what one drain did (notifications by destination and outcome). */
  recordDrain(summary: DrainSummary): void;
  setOutbox(stats: { pending: number; failed: number }): void;
  setCursor(region: string, detectorId: string, epochMs: number): void;
  /** Prometheus text exposition format. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * @example
 * const metrics = createDaemonMetrics();
 * const poller = createGuardDutyPoller({ ..., metrics: metrics.poller });
 * http.get('/metrics') → await metrics.render()
 */
export function createDaemonMetrics(options: { defaultMetrics?: boolean } = {}): DaemonMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];

  const findingsSeen = new Counter({
    name: `${METRIC_PREFIX}findings_seen_total`,
    help: 'Findings read from GuardDuty GetFindings (re-reads in the overlap window included).',
    labelNames: ['region'],
    registers,
  });
  const findingsDropped = new Counter({
    name: `${METRIC_PREFIX}findings_dropped_total`,
    help: 'Findings read but not passed to the policy, by reason (archived, unless poll.includeArchived).',
    labelNames: ['region', 'reason'],
    registers,
  });
  const notifications = new Counter({
    name: `${METRIC_PREFIX}notifications_total`,
    help: 'Messages handed to destinations, by outcome: sent, retried (will be tried again), failed (permanent).',
    labelNames: ['destination', 'outcome'],
    registers,
  });
  const decisions = new Counter({
    name: `${METRIC_PREFIX}decisions_total`,
    help: 'Policy decisions per destination: notify, digest or suppress.',
    labelNames: ['destination', 'outcome'],
    registers,
  });
  const suppressed = new Counter({
    name: `${METRIC_PREFIX}suppressed_total`,
    help: 'Findings not sent to a destination, by reason (duplicate, below-threshold, archived, muted, sample, ...).',
    labelNames: ['reason'],
    registers,
  });
  const findingErrors = new Counter({
    name: `${METRIC_PREFIX}finding_errors_total`,
    help: 'Findings that threw in a stage (enrich, route, decide, render) and were recorded as errors; the rest of their batch went on.',
    labelNames: ['stage'],
    registers,
  });
  const pollDuration = new Histogram({
    name: `${METRIC_PREFIX}poll_duration_seconds`,
    help: 'Time to poll one region (all its detectors, pages and commits).',
    labelNames: ['region', 'result'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const lastSuccess = new Gauge({
    name: `${METRIC_PREFIX}last_successful_poll_timestamp_seconds`,
    help: 'When each region was last polled without error (Unix time).',
    labelNames: ['region'],
    registers,
  });
  const pollErrors = new Counter({
    name: `${METRIC_PREFIX}poll_errors_total`,
    help: 'Region polls that failed (access denied, endpoint down, throttled beyond our backoff, commit failed).',
    labelNames: ['region'],
    registers,
  });
  const outboxDepth = new Gauge({
    name: `${METRIC_PREFIX}outbox_depth`,
    help: 'Messages in the outbox by status: pending (not yet delivered) and failed (permanent errors, kept for `status`).',
    labelNames: ['status'],
    registers,
  });
  const apiCalls = new Counter({
    name: `${METRIC_PREFIX}guardduty_api_calls_total`,
    help: 'GuardDuty API calls by operation and outcome (after the SDK retries: ok, throttled, error).',
    labelNames: ['region', 'operation', 'outcome'],
    registers,
  });
  const apiRetries = new Counter({
    name: `${METRIC_PREFIX}guardduty_api_retries_total`,
    help: 'Extra HTTP attempts the SDK made inside GuardDuty API calls (adaptive retry).',
    labelNames: ['region', 'operation'],
    registers,
  });
  const cursor = new Gauge({
    name: `${METRIC_PREFIX}cursor_timestamp_seconds`,
    help: 'The poll cursor per region and detector: findings updated before it (minus the overlap) are not re-read.',
    labelNames: ['region', 'detector'],
    registers,
  });

  const poller: PollerMetrics = {
    apiCall(region: string, operation: ApiOperation, outcome: ApiOutcome, attempts: number) {
      apiCalls.inc({ region, operation, outcome });
      if (attempts > 1) apiRetries.inc({ region, operation }, attempts - 1);
    },
    findingsSeen(region, count) {
      findingsSeen.inc({ region }, count);
    },
    findingsDropped(region, reason, count) {
      findingsDropped.inc({ region, reason }, count);
    },
    regionPolled(region, seconds, ok, at) {
      pollDuration.observe({ region, result: ok ? 'ok' : 'error' }, seconds);
      if (ok) lastSuccess.set({ region }, at / 1000);
      else pollErrors.inc({ region });
    },
  };

  return {
    registry,
    poller,
    recordIngest(result) {
      for (const d of result.decisions) {
        decisions.inc({ destination: d.destination, outcome: d.outcome });
        if (d.outcome === 'suppress') suppressed.inc({ reason: decisionReasonLabel(d.reason) });
      }
      for (const e of result.findingErrors) findingErrors.inc({ stage: e.stage });
    },
    recordDrain(summary) {
      for (const [destination, counts] of Object.entries(summary.byDestination)) {
        if (counts.sent > 0) notifications.inc({ destination, outcome: 'sent' }, counts.sent);
        if (counts.retried > 0) notifications.inc({ destination, outcome: 'retried' }, counts.retried);
        if (counts.failed > 0) notifications.inc({ destination, outcome: 'failed' }, counts.failed);
      }
    },
    setOutbox(stats) {
      outboxDepth.set({ status: 'pending' }, stats.pending);
      outboxDepth.set({ status: 'failed' }, stats.failed);
    },
    setCursor(region, detectorId, epochMs) {
      cursor.set({ region, detector: detectorId }, epochMs / 1000);
    },
    render: () => registry.metrics(),
    get contentType() {
      return registry.contentType;
    },
  };
}
