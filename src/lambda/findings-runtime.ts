import { configFromEnvironment } from '../config/environment.js';
import type { Logger } from '../core/logger.js';
import { dynamoDbStoreOptions } from '../pipeline/open-store.js';
import { createRuntime, type Runtime } from '../pipeline/runtime.js';
import type { MemoryStore } from '../state/memory-store.js';
import type { OpenTableStore } from './table-store.js';

/** What the warm container holds: the runtime, and the in-memory store when there is no table. */
export interface FindingsRuntime {
  runtime: Runtime;
  /** Set when the state is this container's memory (no STATE_TABLE): undelivered messages fail their records. */
  memory?: MemoryStore;
}

export const NO_TABLE_WARNING =
  'STATE_TABLE is not set: deciding per invocation, with an in-memory ledger that lasts as long as this warm container; ' +
  'a message that cannot be delivered now fails its record, so the queue (or Lambda\'s retries) keeps the finding. ' +
  'Set STATE_TABLE to a DynamoDB table (the CDK stack creates one) for deduplication across invocations and cold starts, ' +
  'digests across batches, and an outbox that keeps undelivered messages and sends them later ' +
  '(a state.sqlite in GDN_CONFIG is not used in Lambda)';

export interface FindingsRuntimeOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  openTableStore: OpenTableStore;
}

/**
 * The findings function's runtime from its environment: with STATE_TABLE, the pipeline over DynamoDB; without, over
 * this container's memory (said once, as a warning).
 *
 * @example
 * const lambda = await createFindingsRuntime({ env: process.env, logger, openTableStore });
 */
export async function createFindingsRuntime({ env, logger, openTableStore }: FindingsRuntimeOptions): Promise<FindingsRuntime> {
  const config = await configFromEnvironment(env);
  const state = config.state;
  if (!('dynamodb' in state)) {
    // A Lambda has no disk to keep SQLite on (and the bundle leaves SQLite out): memory it is. Said once, here.
    logger.warn(NO_TABLE_WARNING);
    // Loaded only here: a deployment with a table never carries it at cold start.
    const { createMemoryStore } = await import('../state/memory-store.js');
    const memory = createMemoryStore();
    return { runtime: await createRuntime(config, { logger, store: memory }), memory };
  }
  // state.ttl (STATE_TTL, set by the CDK stack from `state.ttl`, validated by the schema): how long the ledger
  // remembers a finding. GuardDuty keeps findings 90 days, the default; a shorter TTL makes a finding re-published
  // after it count as new again.
  const runtime = await createRuntime(config, { logger, openStore: () => openTableStore(dynamoDbStoreOptions(state)) });
  return { runtime };
}
