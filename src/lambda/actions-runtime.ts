import { configFromEnvironment } from '../config/environment.js';
import type { Config, InteractConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { InteractionJob } from '../interact/interaction-job.js';
import { dynamoDbStoreOptions } from '../pipeline/open-store.js';
import { createInteractionRuntime, type InteractionRuntime } from '../pipeline/interact-runtime.js';
import { createResponder } from '../pipeline/responder.js';
import { createGuardDutyClient } from '../sources/guardduty-client.js';
import type { OpenTableStore } from './table-store.js';

/** The queue the fast half puts jobs on (set by the CDK stack). */
export const ACTIONS_QUEUE_ENV = 'ACTIONS_QUEUE_URL';

export interface ActionsRuntime {
  interaction: InteractionRuntime;
  sendJob(job: InteractionJob): Promise<void>;
}

export interface ActionsRuntimeOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  openTableStore: OpenTableStore;
}

/**
 * The Slack actions function's runtime from its environment: the interaction handler and worker over the state table,
 * and a sender of jobs to the actions queue.
 *
 * @example
 * const actions = await createActionsRuntime({ env: process.env, logger, openTableStore });
 */
export async function createActionsRuntime({ env, logger, openTableStore }: ActionsRuntimeOptions): Promise<ActionsRuntime> {
  const config = await configFromEnvironment(env);
  const { interact } = config;
  if (interact === undefined) throw new Error('GDN_CONFIG has no interact: section: there is nothing for the Slack actions function to do');
  if (!('dynamodb' in config.state)) {
    // Snapshots, the audit log and the replay guard must outlive a container and be shared by all of them.
    throw new Error('STATE_TABLE is not set: Slack actions need the DynamoDB state table (snapshots, audit log, replay guard)');
  }
  const store = await openTableStore(dynamoDbStoreOptions(config.state));
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
  const queueUrl = env[ACTIONS_QUEUE_ENV];
  let sqs: Promise<(body: string) => Promise<void>> | undefined;
  // Loaded on the first click (the jobs half never sends); the client is kept for the container's life.
  const loadSender = async (): Promise<(body: string) => Promise<void>> => {
    const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const client = new SQSClient({});
    return async (body) => {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    };
  };
  // A failed load (a broken import) is forgotten, so the next click tries again instead of failing for the container's life.
  const sender = () => (sqs ??= loadSender().catch((error: unknown) => {
    sqs = undefined;
    throw error;
  }));
  return {
    interaction,
    async sendJob(job) {
      if (queueUrl === undefined || queueUrl === '') throw new Error(`${ACTIONS_QUEUE_ENV} is not set: the job of this click has no queue to go to`);
      await (await sender())(JSON.stringify(job));
    },
  };
}
