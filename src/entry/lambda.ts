import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { configFromEnvironment } from '../config/environment.js';
import { parseFindingDocument } from '../finding/parse.js';
import { isSnsLambdaEvent } from '../finding/sns-envelope.js';
import type { Finding } from '../finding/finding.js';
import type { IngestResult } from '../pipeline/pipeline-types.js';
import type { ConvergeReport } from '../pipeline/responder.js';
import { dynamoDbStoreOptions } from '../pipeline/open-store.js';
import { createRuntime, type Runtime } from '../pipeline/runtime.js';
import type { MemoryStore } from '../state/memory-store.js';
import type { Logger } from '../core/logger.js';

/**
 * The Lambda handler: behind an EventBridge rule (direct target) or an SQS queue fed by the rule (recommended: the
 * queue's batch becomes one decision batch, so bursts become digests, and its DLQ keeps what cannot be processed).
 *
 * It also runs subscribed to an SNS topic that carries the events (`Records[].Sns.Message`): handled like a direct
 * EventBridge invocation, so a failure is retried by Lambda's asynchronous retries. Queue bodies that are SNS
 * notifications (a queue subscribed to a topic without raw message delivery) are unwrapped by the parser.
 *
 * SQS: every record is one EventBridge event (or an SNS notification holding one). Poison records (not JSON, not a
 * finding) are logged with their message id and reported in `batchItemFailures`, so the queue's redrive policy moves
 * them to the DLQ; so is a record whose finding threw in a stage (IngestResult.findingErrors), alone. The good records
 * are decided together and committed (ledger + outbox) before anything is sent.
 *
 * Two ways to run, chosen by `STATE_TABLE`:
 * - **With a table** (the CDK stack): a batch that cannot be committed is reported failed whole, so SQS redelivers it
 *   and the ledger makes the redelivery idempotent. Once committed, its records succeed: a message that cannot be
 *   delivered within this invocation (Slack down, rate-limited) is safe in the DynamoDB outbox, and the next invocation
 *   or the stack's 5-minute scheduled drain sends it. A failure after the commit (the drain, the outbox depth) is a
 *   delivery problem and logged as one, never as a commit failure: redelivering would only re-decide duplicates and,
 *   in a long outage, push good findings into the DLQ (which must mean "poison"). A backlog shows as the
 *   `OutboxOldestPendingAge` metric, which the stack alarms on.
 * - **Without a table** (the bundle uploaded by hand with only `SLACK_WEBHOOK_URL` or `SLACK_WEBHOOK_SECRET_ARN`):
 *   decided per invocation with an in-memory ledger that lives as long as the warm container, sent directly; the queue
 *   is the durability: a message not delivered within the invocation is taken back (its findings forgotten) and fails
 *   its records (SQS: `batchItemFailures`; a direct EventBridge or SNS invocation throws, so Lambda's asynchronous
 *   retries keep the event). One warning at cold start says what STATE_TABLE adds.
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
/**
 * Outbox rows counted after each invocation (one bounded Query per status): enough to say "a backlog", never a walk
 * through the table's history.
 */
const OUTBOX_DEPTH_LIMIT = 100;

/** What the warm container holds: the runtime, and the in-memory store when there is no table. */
interface LambdaRuntime {
  runtime: Runtime;
  /** Set when the state is this container's memory (no STATE_TABLE): undelivered messages fail their records. */
  memory?: MemoryStore;
}

let runtimePromise: Promise<LambdaRuntime> | undefined;

const NO_TABLE_WARNING =
  'STATE_TABLE is not set: deciding per invocation, with an in-memory ledger that lasts as long as this warm container; ' +
  'a message that cannot be delivered now fails its record, so the queue (or Lambda\'s retries) keeps the finding. ' +
  'Set STATE_TABLE to a DynamoDB table (the CDK stack creates one) for deduplication across invocations and cold starts, ' +
  'digests across batches, and an outbox that keeps undelivered messages and sends them later ' +
  '(a state.sqlite in GDN_CONFIG is not used in Lambda)';

function getRuntime(): Promise<LambdaRuntime> {
  runtimePromise ??= (async () => {
    const config = await configFromEnvironment(process.env);
    const state = config.state;
    if (!('dynamodb' in state)) {
      // A Lambda has no disk to keep SQLite on (and the bundle leaves SQLite out): memory it is. Said once, here.
      logger.warn(NO_TABLE_WARNING);
      // Loaded only here: a deployment with a table never carries it at cold start.
      const { createMemoryStore } = await import('../state/memory-store.js');
      const memory = createMemoryStore();
      return { runtime: await createRuntime(config, { logger, store: memory }), memory };
    }
    const runtime = await createRuntime(config, {
      logger,
      openStore: async () => {
        const { createDynamoDbStore } = await import('../state/dynamodb-store.js');
        // state.ttl (STATE_TTL, set by the CDK stack from `state.ttl`, validated by the schema): how long the ledger
        // remembers a finding. GuardDuty keeps findings 90 days, the default; a shorter TTL makes a finding
        // re-published after it count as new again.
        return createDynamoDbStore(dynamoDbStoreOptions(state));
      },
    });
    return { runtime };
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
  if (ingest.respond) {
    metrics.addMetric('BlocksDecided', MetricUnit.Count, ingest.respond.counts.blocked + ingest.respond.counts.extended);
    metrics.addMetric('BlocksRefused', MetricUnit.Count, ingest.respond.counts.refused);
    if (ingest.respond.converge) recordConvergeMetrics(ingest.respond.converge);
  }
}

/**
 * After every converge: `BlockWriteFailures` (targets that could not be read or written; the stack alarms on it) and,
 * per target (dimension `target`), `BlocksInForce`.
 */
function recordConvergeMetrics(report: ConvergeReport): void {
  metrics.addMetric('BlockWriteFailures', MetricUnit.Count, report.outcomes.filter((o) => !o.ok).length);
  for (const [target, count] of report.inForce) {
    const single = metrics.singleMetric();
    single.addDimension('target', target);
    single.addMetric('BlocksInForce', MetricUnit.Count, count);
  }
}

/** The schedule's respond part: end what expired, make every target match the store (and alert on one that fails). */
async function syncRespondTargets(runtime: Runtime): Promise<void> {
  if (!runtime.responder) return;
  try {
    const report = await runtime.responder.sync({ prune: true });
    recordConvergeMetrics(report);
    const failed = report.outcomes.filter((o) => !o.ok).map((o) => o.target);
    if (report.pruned.length > 0 || failed.length > 0) logger.info('Respond targets synced', { pruned: report.pruned.length, failed });
  } catch (error) {
    // The store could not be read: the next schedule tries again; the outbox drain below still runs.
    metrics.addMetric('BlockWriteFailures', MetricUnit.Count, 1);
    logger.error('Respond sync failed; the next schedule tries again', { error: (error as Error).message });
  }
}

function deadlineOf(context: Context | undefined): number {
  const remaining = context?.getRemainingTimeInMillis?.() ?? 30_000;
  return Date.now() + Math.max(1_000, remaining - DRAIN_SAFETY_MARGIN_MS);
}

interface Delivered {
  sent: number;
  failed: number;
  pendingLeft: boolean;
  /** No table: the finding ids whose messages did not go out in this invocation (taken back from the store). */
  undelivered: Set<string>;
}

/**
 * Sends what the outbox holds, within the invocation's time, and reports (and records as metrics) the outcome. With a
 * table, what is left is counted by one bounded Query per status (`outboxDepth`), whatever the table keeps. Without
 * one, what is left is taken back (`withdraw`) and its findings reported, for the caller to fail their records.
 */
async function deliver(lambda: LambdaRuntime, context: Context | undefined): Promise<Delivered> {
  const { runtime, memory } = lambda;
  if (memory) {
    let sent = 0;
    let failed = 0;
    try {
      const drain = await runtime.pipeline.drain({ deadlineMs: deadlineOf(context) });
      ({ sent, failed } = drain);
    } catch (error) {
      logger.error('Delivery failed; the records of undelivered messages are reported failed', { error: (error as Error).message });
    }
    metrics.addMetric('NotificationsSent', MetricUnit.Count, sent);
    metrics.addMetric('OutboxFailures', MetricUnit.Count, failed);
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
  const drain = await runtime.pipeline.drain({ deadlineMs: deadlineOf(context) });
  metrics.addMetric('NotificationsSent', MetricUnit.Count, drain.sent);
  metrics.addMetric('OutboxFailures', MetricUnit.Count, drain.failed);
  const depth = await runtime.store.outboxDepth(OUTBOX_DEPTH_LIMIT);
  const oldestAgeSeconds = depth.oldestPendingAt === undefined ? 0 : Math.max(0, Math.round((Date.now() - depth.oldestPendingAt) / 1000));
  metrics.addMetric('OutboxOldestPendingAge', MetricUnit.Seconds, oldestAgeSeconds);
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
async function deliverAfterCommit(lambda: LambdaRuntime, context: Context | undefined): Promise<Delivered> {
  try {
    return await deliver(lambda, context);
  } catch (error) {
    logger.error('Delivery problem after the batch was committed; its messages stay in the outbox and are sent later', {
      error: (error as Error).message,
    });
    return { sent: 0, failed: 0, pendingLeft: true, undelivered: new Set() };
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

async function handleSqs(event: SQSEvent, context: Context | undefined): Promise<SQSBatchResponse> {
  const lambda = await getRuntime();
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

  // Stage 2 (the batch together): decide and commit. Parsed once above; decided together so a burst becomes a digest.
  const findings = accepted.flatMap((d) => d.findings);
  const recordOf = accepted.flatMap((d) => d.findings.map(() => d.record));
  let ingest: IngestResult;
  try {
    ingest = await lambda.runtime.pipeline.ingestFindings(findings);
  } catch (error) {
    logger.error('Batch could not be committed, SQS will redeliver it', { error: (error as Error).message, records: accepted.length });
    for (const d of accepted) failures.add(d.record.messageId);
    metrics.publishStoredMetrics();
    return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
  }
  // A finding that threw in a stage fails its own record, never the batch's (the pipeline's per-finding contract).
  for (const e of ingest.findingErrors ?? []) {
    const record = recordOf[e.document];
    if (record) failures.add(record.messageId);
  }

  // Stage 3: deliver. From here on the batch is committed.
  try {
    const delivered = await deliverAfterCommit(lambda, context);
    for (const d of accepted) {
      if (d.findings.some((f) => delivered.undelivered.has(f.id))) failures.add(d.record.messageId);
    }
    recordIngestMetrics(ingest);
    logger.info('Batch processed', {
      records: event.Records.length,
      findings: ingest.findings,
      queued: ingest.messagesQueued,
      sent: delivered.sent,
      failed: delivered.failed,
      pendingLeft: delivered.pendingLeft,
      ...(lambda.memory ? { recordsFailed: failures.size } : {}),
    });
  } finally {
    metrics.publishStoredMetrics();
  }
  return { batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) };
}

async function handleEventBridge(event: EventBridgeEvent<string, unknown>, context: Context | undefined): Promise<void> {
  const lambda = await getRuntime();
  const parsed = parseFindingDocument(event);
  // An SNS invocation has no event id of its own; its records' message ids name it.
  const eventId = event.id ?? 'from SNS';
  if (parsed.findings.length === 0) {
    logger.error('Event is not a GuardDuty finding', { eventId, reason: parsed.errors[0]?.message });
    // Throwing lets Lambda's asynchronous retries and on-failure destination keep the event.
    throw new Error(`event ${eventId}: ${parsed.errors[0]?.message ?? 'not a finding'}`);
  }
  try {
    // A commit failure throws from here: Lambda retries the event, the ledger makes the retry idempotent.
    const ingest = await lambda.runtime.pipeline.ingestFindings(parsed.findings);
    const delivered = await deliverAfterCommit(lambda, context);
    recordIngestMetrics(ingest);
    logger.info('Event processed', { eventId, findings: ingest.findings, sent: delivered.sent, failed: delivered.failed });
    const findingErrors = ingest.findingErrors ?? [];
    if (delivered.undelivered.size > 0 || findingErrors.length > 0) {
      // Without a table the retry is the durability; a finding that threw is this event's failure either way.
      throw new Error(
        `event ${eventId}: ` +
          (delivered.undelivered.size > 0
            ? `${delivered.undelivered.size} finding(s) not delivered; Lambda's retry will try again`
            : `${findingErrors.length} finding(s) could not be processed (${findingErrors[0]?.stage ?? 'unknown'} stage)`),
      );
    }
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
  const lambda = await getRuntime();
  // Without a table nothing outlives an invocation: there is nothing to drain.
  if (lambda.memory) return;
  try {
    // Prune and converge first, so that the unblocks and alerts it queues go out with this drain.
    await syncRespondTargets(lambda.runtime);
    const delivered = await deliverAfterCommit(lambda, context);
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
