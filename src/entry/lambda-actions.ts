import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { configFromEnvironment } from '../config/environment.js';
import type { Config, InteractConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { SLACK_ACTIONS_PATH } from '../interact/interaction-handler.js';
import { parseInteractionJob, type InteractionJob } from '../interact/interaction-job.js';
import { dynamoDbStoreOptions } from '../pipeline/open-store.js';
import { createInteractionRuntime, type InteractionRuntime } from '../pipeline/interact-runtime.js';
import { createResponder } from '../pipeline/responder.js';
import { createGuardDutyClient } from '../sources/guardduty-client.js';

/**
 * The Slack actions function: the second handler of the Lambda bundle (dist/lambda/actions.mjs), behind two triggers.
 *
 * 1. **The Function URL** (Slack's interactivity Request URL, `https://<url-id>.lambda-url.<region>.on.aws/slack/actions`):
 *    the fast half. Slack wants an answer within 3 seconds (https://docs.slack.dev/interactivity/handling-user-interaction),
 *    so it verifies the signature over the raw body (Function URLs may hand it over base64-encoded), refuses replays
 *    through the store (a conditional put: every container of this function shares it), authorises, puts the job on
 *    the actions queue, and answers. Nothing slow runs here, and nothing runs after the answer: once the handler
 *    returns, Lambda may freeze the container.
 * 2. **The actions queue** (SQS event source): the slow half. Each record is one InteractionJob (parseInteractionJob);
 *    it looks the finding up, acts (ArchiveFindings, respond's block add/remove, mutes), updates the Slack message and
 *    writes the audit record. A job that throws is retried by SQS (its ids derive from the request, so a retry writes
 *    the same rule, block and record again, never a second one), then lands in the queue's DLQ; a record that is not
 *    a job is dropped with a log line.
 *
 * Why a queue and not an asynchronous self-invocation: the click is durable the moment Slack gets its 200 (SendMessage
 * has returned), a backlog or a failing worker is visible (queue age, DLQ alarm), and redelivery is the retry we
 * already made idempotent. It costs one SQS poll of latency (the event source long-polls: well under a second).
 *
 * The Function URL's auth type is NONE: Slack cannot sign with SigV4. The Slack signature is the authentication, and
 * it is checked before anything else reads the request.
 */

const powertools = new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'guardduty-notifier' });
const logger: Logger = {
  debug: (m, f) => powertools.debug(m, f ?? {}),
  info: (m, f) => powertools.info(m, f ?? {}),
  warn: (m, f) => powertools.warn(m, f ?? {}),
  error: (m, f) => powertools.error(m, f ?? {}),
};

/** The queue the fast half puts jobs on (set by the CDK stack). */
export const ACTIONS_QUEUE_ENV = 'ACTIONS_QUEUE_URL';

interface ActionsRuntime {
  interaction: InteractionRuntime;
  sendJob(job: InteractionJob): Promise<void>;
}

let runtimePromise: Promise<ActionsRuntime> | undefined;

function getRuntime(): Promise<ActionsRuntime> {
  runtimePromise ??= (async () => {
    const config = await configFromEnvironment(process.env);
    const { interact } = config;
    if (interact === undefined) throw new Error('GDN_CONFIG has no interact: section: there is nothing for the Slack actions function to do');
    if (!('dynamodb' in config.state)) {
      // Snapshots, the audit log and the replay guard must outlive a container and be shared by all of them.
      throw new Error('STATE_TABLE is not set: Slack actions need the DynamoDB state table (snapshots, audit log, replay guard)');
    }
    const { createDynamoDbStore } = await import('../state/dynamodb-store.js');
    const store = createDynamoDbStore(dynamoDbStoreOptions(config.state));
    const withInteract = config as Config & { interact: InteractConfig };
    const responder = config.respond === undefined ? undefined : createResponder({ config: { ...config, respond: config.respond }, store, logger });
    const clients = new Map<string, ReturnType<typeof createGuardDutyClient>>();
    const interaction = await createInteractionRuntime({
      config: withInteract,
      store,
      ...(responder === undefined ? {} : { responder }),
      // ArchiveFindings with the function's own role, in the finding's region.
      guardDutyClientFor: (region) => {
        let client = clients.get(region);
        if (client === undefined) clients.set(region, (client = createGuardDutyClient({ region })));
        return client;
      },
      logger,
    });
    const queueUrl = process.env[ACTIONS_QUEUE_ENV];
    let sqs: Promise<(body: string) => Promise<void>> | undefined;
    // Loaded on the first click (the jobs half never sends); the client is kept for the container's life.
    const loadSender = async (): Promise<(body: string) => Promise<void>> => {
      const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
      const client = new SQSClient({});
      return async (body) => {
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      };
    };
    const sender = () => (sqs ??= loadSender());
    return {
      interaction,
      async sendJob(job) {
        if (queueUrl === undefined || queueUrl === '') throw new Error(`${ACTIONS_QUEUE_ENV} is not set: the job of this click has no queue to go to`);
        await (await sender())(JSON.stringify(job));
      },
    };
  })();
  runtimePromise.catch((error: unknown) => {
    logger.error('Cannot start the Slack actions function: configuration or secret problem', { error: error instanceof Error ? error.message : String(error) });
    runtimePromise = undefined;
  });
  return runtimePromise;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  const e = event as { requestContext?: { http?: unknown } } | null;
  return typeof e === 'object' && e !== null && typeof e.requestContext?.http === 'object';
}

function isSqsEvent(event: unknown): event is SQSEvent {
  return typeof event === 'object' && event !== null && Array.isArray((event as SQSEvent).Records);
}

async function handleSlackRequest(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  if (event.requestContext.http.method !== 'POST' || event.rawPath !== SLACK_ACTIONS_PATH) {
    return { statusCode: 404, headers: TEXT, body: `not found: Slack's Request URL is <function URL>${SLACK_ACTIONS_PATH.slice(1)}\n` };
  }
  let runtime: ActionsRuntime;
  try {
    runtime = await getRuntime();
  } catch {
    return { statusCode: 503, headers: TEXT, body: 'not ready\n' };
  }
  const { reply, job } = await runtime.interaction.handler.handle({ headers: event.headers, body: event.body, isBase64Encoded: event.isBase64Encoded });
  if (job !== undefined) {
    try {
      await runtime.sendJob(job);
    } catch (error) {
      // Not queued, so not done: Slack shows the clicker that the app did not answer, and they can click again.
      logger.error('Could not queue the Slack action; answering 503', { action: job.action.name, user: job.user.id, error: (error as Error).name });
      return { statusCode: 503, headers: TEXT, body: 'try again\n' };
    }
  }
  return { statusCode: reply.status, headers: { ...reply.headers }, body: reply.body };
}

async function handleJobs(event: SQSEvent): Promise<SQSBatchResponse> {
  const runtime = await getRuntime();
  const processor = new BatchProcessor(EventType.SQS);
  const runOne = async (record: SQSRecord): Promise<void> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.body);
    } catch {
      parsed = undefined;
    }
    const job = parseInteractionJob(parsed);
    if (job === undefined) {
      logger.error('Not a Slack action job; dropped', { messageId: record.messageId });
      return;
    }
    // Throws only on the unforeseen: SQS then redelivers the record (the job is idempotent), later to the DLQ.
    await runtime.interaction.worker.run(job);
  };
  return processPartialResponse(event, runOne, processor, { throwOnFullBatchFailure: false });
}

export async function handler(event: unknown, context?: Context): Promise<LambdaFunctionURLResult | SQSBatchResponse | void> {
  if (context) powertools.addContext(context);
  if (isFunctionUrlEvent(event)) return handleSlackRequest(event);
  if (isSqsEvent(event)) return handleJobs(event);
  logger.warn('Event of an unknown shape; ignored');
}
