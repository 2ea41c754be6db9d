import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../core/logger.js';
import type { Finding } from '../finding/finding.js';
import { parseFindingDocument } from '../finding/parse.js';
import { isSnsLambdaEvent } from '../finding/sns-envelope.js';
import type { IngestResult } from '../pipeline/pipeline-types.js';
import type { Runtime } from '../pipeline/runtime.js';
import { deliverAfterCommit, type DeliverDeps } from './deliver.js';
import { isScheduledEvent, isSqsEvent } from './event-shapes.js';
import { createFindingsRuntime, type FindingsRuntime } from './findings-runtime.js';
import { lazyRuntime } from './lazy-runtime.js';
import { recordConvergeMetrics, recordIngestMetrics, recordSyncFailure, type LambdaMetrics } from './metrics.js';
import type { OpenTableStore } from './table-store.js';

/**
 * The findings handler: behind an EventBridge rule (direct target) or an SQS queue fed by the rule (recommended: the
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
export type FindingsHandler = (event: unknown, context?: Context) => Promise<SQSBatchResponse | void>;

export interface FindingsHandlerOptions {
  logger: Logger;
  metrics: LambdaMetrics;
  env: NodeJS.ProcessEnv;
  openTableStore: OpenTableStore;
  /** Called with each invocation's context (Powertools' `addContext`). */
  onContext?: (context: Context) => void;
  /** Builds the container's runtime; default from `env` (createFindingsRuntime). */
  createRuntime?: () => Promise<FindingsRuntime>;
  now?: () => number;
}

/**
 * @example
 * export const handler = createFindingsHandler({ logger, metrics, env: process.env, openTableStore });
 */
export function createFindingsHandler(options: FindingsHandlerOptions): FindingsHandler {
  const { logger, metrics, env, openTableStore, onContext } = options;
  const deps: DeliverDeps = { logger, metrics, ...(options.now ? { now: options.now } : {}) };
  const getRuntime = lazyRuntime(
    options.createRuntime ?? (() => createFindingsRuntime({ env, logger, openTableStore })),
    logger,
    // A bad config or an unreadable secret: say exactly what (the error names the key), fail this invocation so SQS
    // keeps the records, and try again on the next one.
    'Cannot start: configuration or secret problem; records stay in the queue',
  );
  const failuresOf = (failures: Set<string>): SQSBatchResponse => ({ batchItemFailures: [...failures].map((itemIdentifier) => ({ itemIdentifier })) });

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
      return failuresOf(failures);
    }
    // A finding that threw in a stage fails its own record, never the batch's (the pipeline's per-finding contract).
    for (const e of ingest.findingErrors ?? []) {
      const record = recordOf[e.document];
      if (record) failures.add(record.messageId);
    }

    // Stage 3: deliver. From here on the batch is committed.
    try {
      const delivered = await deliverAfterCommit(lambda, context, deps);
      for (const d of accepted) {
        if (d.findings.some((f) => delivered.undelivered.has(f.id))) failures.add(d.record.messageId);
      }
      recordIngestMetrics(metrics, ingest);
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
    return failuresOf(failures);
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
      const delivered = await deliverAfterCommit(lambda, context, deps);
      recordIngestMetrics(metrics, ingest);
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

  /** The schedule's respond part: end what expired, make every target match the store (and alert on one that fails). */
  async function syncRespondTargets(runtime: Runtime): Promise<void> {
    if (!runtime.responder) return;
    try {
      const report = await runtime.responder.sync({ prune: true });
      recordConvergeMetrics(metrics, report);
      const failed = report.outcomes.filter((o) => !o.ok).map((o) => o.target);
      if (report.pruned.length > 0 || failed.length > 0) logger.info('Respond targets synced', { pruned: report.pruned.length, failed });
    } catch (error) {
      // The store could not be read: the next schedule tries again; the outbox drain below still runs.
      recordSyncFailure(metrics);
      logger.error('Respond sync failed; the next schedule tries again', { error: (error as Error).message });
    }
  }

  async function handleScheduledDrain(context: Context | undefined): Promise<void> {
    const lambda = await getRuntime();
    // Without a table nothing outlives an invocation: there is nothing to drain.
    if (lambda.memory) return;
    try {
      // Prune and converge first, so that the unblocks and alerts it queues go out with this drain.
      await syncRespondTargets(lambda.runtime);
      // Escalations due by now (the stack runs this schedule every minute when a route escalates): their pages and
      // notices are committed here and go out with this drain.
      try {
        const escalated = await lambda.runtime.escalator.run(Date.now());
        if (escalated.escalated + escalated.acknowledged > 0) logger.info('Escalations checked', { ...escalated });
      } catch (error) {
        logger.error('Checking escalations failed; the next schedule tries again', { error: (error as Error).message });
      }
      const delivered = await deliverAfterCommit(lambda, context, deps);
      if (delivered.sent + delivered.failed > 0 || delivered.pendingLeft) {
        logger.info('Scheduled outbox drain', { sent: delivered.sent, failed: delivered.failed, pendingLeft: delivered.pendingLeft });
      }
    } finally {
      metrics.publishStoredMetrics();
    }
  }

  return async (event, context) => {
    if (context) onContext?.(context);
    // Checked first: an SNS invocation also has `Records`, but SNS records, not SQS ones.
    if (isSnsLambdaEvent(event)) return handleEventBridge(event as EventBridgeEvent<string, unknown>, context);
    if (isSqsEvent(event)) return handleSqs(event, context);
    if (isScheduledEvent(event)) return handleScheduledDrain(context);
    return handleEventBridge(event as EventBridgeEvent<string, unknown>, context);
  };
}
