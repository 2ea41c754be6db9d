import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { configFromEnvironment } from '../config/environment.js';
import { createSecretResolver } from '../config/secrets.js';
import type { Logger } from '../core/logger.js';
import { SLACK_ACTIONS_PATH } from '../interact/interaction-handler.js';
import { PAGERDUTY_WEBHOOK_PATH } from '../interact/pagerduty-webhook.js';
import { createPagerDutyWebhook } from '../pipeline/pagerduty-webhook-runtime.js';
import { dynamoDbStoreOptions } from '../pipeline/open-store.js';
import { parseInteractionJob } from '../interact/interaction-job.js';
import { createSlackRequestVerifier, type SlackHttpRequest } from '../interact/verify-request.js';
import { createActionsRuntime, type ActionsRuntime } from './actions-runtime.js';
import { isFunctionUrlEvent, isSqsEvent } from './event-shapes.js';
import { lazyRuntime } from './lazy-runtime.js';
import type { OpenTableStore } from './table-store.js';

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
 * it is checked before anything else is done for the request: a request that is not signed with the signing secret
 * (unsigned, forged, stale, a body that is not a string) is answered 401 having read only the configuration and the
 * signing secret — no state table, no other secret (the bot token), no queue. So a flood of unsigned requests costs
 * an HMAC each, on the function's own reserved concurrency (infra/lib/slack-actions.ts). Only a signed request builds
 * the runtime, whose handler checks the signature again together with the replay guard (the table).
 */
export type ActionsHandler = (event: unknown, context?: Context) => Promise<LambdaFunctionURLResult | SQSBatchResponse | void>;

export interface ActionsHandlerOptions {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  openTableStore: OpenTableStore;
  /** Called with each invocation's context (Powertools' `addContext`). */
  onContext?: (context: Context) => void;
  /** Builds the container's runtime; default from `env` (createActionsRuntime). */
  createRuntime?: () => Promise<ActionsRuntime>;
  /** The Slack signing secret alone; default: `interact.signingSecret` of the config in `env`, resolved once. */
  signingSecret?: () => Promise<string>;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

/**
 * @example
 * export const handler = createActionsHandler({ logger, env: process.env, openTableStore });
 */
export function createActionsHandler(options: ActionsHandlerOptions): ActionsHandler {
  const { logger, env, openTableStore, onContext } = options;
  const getRuntime = lazyRuntime(
    options.createRuntime ?? (() => createActionsRuntime({ env, logger, openTableStore })),
    logger,
    'Cannot start the Slack actions function: configuration or secret problem',
  );
  const getSignatureCheck = lazyRuntime(
    async () => {
      const secret = await (options.signingSecret ?? (() => signingSecretFromEnvironment(env)))();
      // No replay guard here: that is the table, read only for a request that is signed.
      return createSlackRequestVerifier({ signingSecret: secret });
    },
    logger,
    'Cannot read the Slack signing secret',
  );

  // PagerDuty → us on the same Function URL (`<function URL>pagerduty/webhook`): verified with the webhook secret
  // before the table is touched (the handler checks the signature first), then the acknowledgement gate.
  const getPagerDutyWebhook = lazyRuntime(
    async () => {
      const config = await configFromEnvironment(env);
      if (!('dynamodb' in config.state)) throw new Error('STATE_TABLE is not set: PagerDuty acknowledgements need the state table');
      const store = await openTableStore(dynamoDbStoreOptions(config.state));
      return createPagerDutyWebhook({ config, store, secrets: createSecretResolver({ env }), logger });
    },
    logger,
    'Cannot start the PagerDuty webhook: configuration or secret problem',
  );

  async function handlePagerDutyWebhook(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
    let webhook;
    try {
      webhook = await getPagerDutyWebhook();
    } catch {
      return { statusCode: 503, headers: TEXT, body: 'not ready\n' };
    }
    if (webhook === undefined) return { statusCode: 404, headers: TEXT, body: 'not found: no pagerduty destination has a webhookSecret\n' };
    const raw = typeof event.body === 'string' ? event.body : '';
    const body = Buffer.from(raw, event.isBase64Encoded === true ? 'base64' : 'utf8');
    const headers = typeof event.headers === 'object' && event.headers !== null ? event.headers : {};
    const reply = await webhook.handle({ headers, body });
    return { statusCode: reply.status, headers: TEXT, body: reply.body };
  }

  async function handleSlackRequest(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
    if (event.requestContext.http.method === 'POST' && event.rawPath === PAGERDUTY_WEBHOOK_PATH) return handlePagerDutyWebhook(event);
    if (event.requestContext.http.method !== 'POST' || event.rawPath !== SLACK_ACTIONS_PATH) {
      return { statusCode: 404, headers: TEXT, body: `not found: Slack's Request URL is <function URL>${SLACK_ACTIONS_PATH.slice(1)}\n` };
    }
    const request: SlackHttpRequest = {
      headers: typeof event.headers === 'object' && event.headers !== null ? event.headers : {},
      body: event.body,
      isBase64Encoded: event.isBase64Encoded === true,
    };
    let signature;
    try {
      signature = await (await getSignatureCheck()).verify(request);
    } catch {
      return { statusCode: 503, headers: TEXT, body: 'not ready\n' };
    }
    if (!signature.ok) {
      logger.warn('Slack request refused', { reason: signature.reason, detail: signature.detail });
      return { statusCode: 401, headers: TEXT, body: 'invalid request\n' };
    }
    let runtime: ActionsRuntime;
    try {
      runtime = await getRuntime();
    } catch {
      return { statusCode: 503, headers: TEXT, body: 'not ready\n' };
    }
    const { reply, job } = await runtime.interaction.handler.handle(request);
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

  return async (event, context) => {
    if (context) onContext?.(context);
    if (isFunctionUrlEvent(event)) return handleSlackRequest(event);
    if (isSqsEvent(event)) return handleJobs(event);
    logger.warn('Event of an unknown shape; ignored');
  };
}

/** `interact.signingSecret` of the function's configuration (GDN_CONFIG), and nothing else of it. */
async function signingSecretFromEnvironment(env: NodeJS.ProcessEnv): Promise<string> {
  const config = await configFromEnvironment(env);
  if (config.interact === undefined) throw new Error('GDN_CONFIG has no interact: section: there is nothing for the Slack actions function to do');
  return createSecretResolver({ env }).resolve(config.interact.signingSecret, 'interact.signingSecret');
}
