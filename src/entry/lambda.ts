import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { configFromEnvironment } from '../config/environment.js';
import { parseDuration } from '../core/duration.js';
import { parseFindingDocument } from '../finding/parse.js';
import { isSnsLambdaEvent } from '../finding/sns-envelope.js';
import type { Finding } from '../finding/finding.js';
import type { IngestResult } from '../pipeline/pipeline-types.js';
import { createRuntime, type Runtime } from '../pipeline/runtime.js';
import type { Logger } from '../core/logger.js';

/**
 * The Lambda handler: behind an EventBridge rule (direct target) or an SQS queue fed by the rule (recommended: the
 * queue's batch becomes one decision batch, so bursts become digests, and its DLQ keeps what cannot be processed).
 *
 * It also runs subscribed to an SNS topic that carries the events (`Records[].Sns.Message`): handled like a direct
 * EventBridge invocation, so a failure is retried by Lambda's asynchronous retries. Queue bodies that are SNS
 * notifications (a queue subscribed to a topic without raw message delivery) are unwrapped by the parser.
 *
 * SQS: every record is one EventBridge event (or an SNS notification holding one). Poison records (not JSON, not a finding) are logged with their
 * message id and reported in `batchItemFailures`, so the queue's redrive policy moves them to the DLQ. The good
 * records are decided together and committed (ledger + outbox) before anything is sent; a batch that cannot be
 * committed is reported failed whole, so SQS redelivers it and the ledger makes the redelivery idempotent.
 * A message that cannot be delivered within this invocation (Slack down, rate-limited) is already safe in the
 * DynamoDB outbox: the next invocation or the stack's 5-minute scheduled drain sends it. Its records are not failed,
 * because redelivering them would only re-decide duplicates and, in a long outage, push good findings into the DLQ
 * (which must mean "poison"). A backlog shows as the `OutboxOldestPendingAge` metric, which the stack alarms on.
 */

const powertools = new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'guardduty-notifier' });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'GuardDutyNotifier',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'guardduty-notifier',
});
const logger: Logger = {
  debug: (m, f) => powertools.debug(m, f ?? {}),
  info: (m, f) => powertools.info(m, f ?? {}),
  warn: (m, f) => powertools.warn(m, f ?? {}),
  error: (m, f) => powertools.error(m, f ?? {}),
};

/** Time kept back from the Lambda timeout to commit state and return, in ms. */
const DRAIN_SAFETY_MARGIN_MS = 3_000;

let runtimePromise: Promise<Runtime> | undefined;

function getRuntime(): Promise<Runtime> {
  runtimePromise ??= (async () => {
    const config = await configFromEnvironment(process.env);
    return createRuntime(config, {
      logger,
      openStore: async (c) => {
        if (!('dynamodb' in c.state)) {
          throw new Error('In Lambda the state must be DynamoDB: set STATE_TABLE (the CDK stack does)');
        }
        const { createDynamoDbStore } = await import('../state/dynamodb-store.js');
        // STATE_TTL (set by the CDK stack from `state.ttl`): how long the ledger remembers a finding. GuardDuty keeps
        // findings 90 days, the default; a shorter TTL makes a finding re-published after it count as new again.
        const ttlMs = process.env.STATE_TTL ? parseDuration(process.env.STATE_TTL) : undefined;
        return createDynamoDbStore({
          tableName: c.state.dynamodb,
          ...(ttlMs ? { ttl: { ledgerDays: Math.max(1, Math.round(ttlMs / 86_400_000)) } } : {}),
        });
      },
    });
  })();
  runtimePromise.catch((error: unknown) => {
    // A bad config or an unreadable secret: say exactly what (the error names the key), fail this invocation so SQS
    // keeps the records, and try again on the next one (a fixed secret needs no redeploy).
    logger.error('Cannot start: configuration or secret problem; records stay in the queue', {
      error: error instanceof Error ? error.message : String(error),
    });
    runtimePromise = undefined;
  });
  return runtimePromise;
}

function recordIngestMetrics(ingest: IngestResult): void {
  metrics.addMetric('FindingsReceived', MetricUnit.Count, ingest.findings);
  metrics.addMetric('FindingsSuppressed', MetricUnit.Count, ingest.decisions.filter((d) => d.outcome === 'suppress').length);
}

function deadlineOf(context: Context | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? 30_000;
  return Date.now() + Math.max(1_000, remaining - DRAIN_SAFETY_MARGIN_MS);
}

/** Sends what the outbox holds, within the invocation's time, and reports (and records as metrics) the outcome. */
async function deliver(runtime: Runtime, context: Context | undefined): Promise<{ sent: number; failed: number; pendingLeft: boolean }> {
  const drain = await runtime.pipeline.drain({ deadlineMs: deadlineOf(context) });
  metrics.addMetric('NotificationsSent', MetricUnit.Count, drain.sent);
  metrics.addMetric('OutboxFailures', MetricUnit.Count, drain.failed);
  const stats = await runtime.store.stats();
  const oldestAgeSeconds = stats.oldestPendingAt === undefined ? 0 : Math.max(0, Math.round((Date.now() - stats.oldestPendingAt) / 1000));
  metrics.addMetric('OutboxOldestPendingAge', MetricUnit.Seconds, oldestAgeSeconds);
  if (stats.pending > 0) {
    logger.warn('Messages left in the outbox; the next invocation or the scheduled drain sends them', {
      pending: stats.pending,
      oldestAgeSeconds,
    });
  }
  return { sent: drain.sent, failed: drain.failed, pendingLeft: stats.pending > 0 };
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

async function handleSqs(event: SQSEvent, context: Context | undefined): Promise<SQSBatchResponse> {
  const runtime = await getRuntime();
  const accepted: Array<{ record: SQSRecord; findings: Finding[] }> = [];

  // Stage 1 (per record): is it a finding at all? Poison records fail here, alone.
  const processor = new BatchProcessor(EventType.SQS);
  const validate = async (record: SQSRecord): Promise<void> => {
    let document: unknown;
    try {
      document = JSON.parse(record.body);
    } catch {
      logger.error('Poison record: body is not JSON, leaving it to the DLQ', { messageId: record.messageId });
      throw new Error(`record ${record.messageId}: body is not JSON`);
    }
    const parsed = parseFindingDocument(document);
    if (parsed.findings.length === 0) {
      const reason = parsed.errors[0]?.message ?? 'no finding in the document';
      logger.error('Poison record: not a GuardDuty finding, leaving it to the DLQ', { messageId: record.messageId, reason });
      throw new Error(`record ${record.messageId}: ${reason}`);
    }
    accepted.push({ record, findings: parsed.findings });
  };
  const response = await processPartialResponse(event, validate, processor, { throwOnFullBatchFailure: false });
  const failures = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  if (accepted.length === 0) return response;

  // Stage 2 (the batch together): decide and commit, then deliver.
  try {
    // Parsed once above; the batch is decided together so that a burst becomes a digest.
    const ingest = await runtime.pipeline.ingestFindings(accepted.flatMap((d) => d.findings));
    const delivered = await deliver(runtime, context);
    recordIngestMetrics(ingest);
    logger.info('Batch processed', {
      records: event.Records.length,
      findings: ingest.findings,
      queued: ingest.messagesQueued,
      sent: delivered.sent,
      failed: delivered.failed,
      pendingLeft: delivered.pendingLeft,
    });
  } catch (error) {
    logger.error('Batch could not be committed, SQS will redeliver it', { error: (error as Error).message, records: accepted.length });
    for (const d of accepted) failures.add(d.record.messageId);
  } finally {
    metrics.publishStoredMetrics();
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}

async function handleEventBridge(event: EventBridgeEvent<string, unknown>, context: Context | undefined): Promise<void> {
  const runtime = await getRuntime();
  const parsed = parseFindingDocument(event);
  // An SNS invocation has no event id of its own; its records' message ids name it.
  const eventId = event.id ?? 'from SNS';
  if (parsed.findings.length === 0) {
    logger.error('Event is not a GuardDuty finding', { eventId, reason: parsed.errors[0]?.message });
    // Throwing lets Lambda's asynchronous retries and on-failure destination keep the event.
    throw new Error(`event ${eventId}: ${parsed.errors[0]?.message ?? 'not a finding'}`);
  }
  try {
    const ingest = await runtime.pipeline.ingestFindings(parsed.findings);
    const delivered = await deliver(runtime, context);
    recordIngestMetrics(ingest);
    logger.info('Event processed', { eventId, findings: ingest.findings, sent: delivered.sent, failed: delivered.failed });
  } finally {
    metrics.publishStoredMetrics();
  }
}

/**
 * The stack's schedule (EventBridge `Scheduled Event`, every few minutes) drains the outbox even when no finding
 * arrives: messages committed while Slack was down go out as soon as it is back, not with the next finding.
 */
function isScheduledDrain(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

async function handleScheduledDrain(context: Context | undefined): Promise<void> {
  const runtime = await getRuntime();
  try {
    const delivered = await deliver(runtime, context);
    if (delivered.sent + delivered.failed > 0 || delivered.pendingLeft) {
      logger.info('Scheduled outbox drain', { sent: delivered.sent, failed: delivered.failed, pendingLeft: delivered.pendingLeft });
    }
  } finally {
    metrics.publishStoredMetrics();
  }
}

export async function handler(event: unknown, context?: Context): Promise<SQSBatchResponse | void> {
  if (context) powertools.addContext(context);
  // Checked first: an SNS invocation also has `Records`, but SNS records, not SQS ones.
  if (isSnsLambdaEvent(event)) return handleEventBridge(event as EventBridgeEvent<string, unknown>, context);
  if (isSqsEvent(event)) return handleSqs(event, context);
  if (isScheduledDrain(event)) return handleScheduledDrain(context);
  return handleEventBridge(event as EventBridgeEvent<string, unknown>, context);
}
