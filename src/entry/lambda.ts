import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createFindingsHandler } from '../lambda/findings-handler.js';
import { loggerFromPowertools, serviceNameOf } from '../lambda/powertools.js';
import type { OpenTableStore } from '../lambda/table-store.js';

/**
 * The findings function (dist/lambda/index.mjs; SQS, EventBridge, SNS and the stack's schedule): Powertools' logger and
 * metrics, and the handler of src/lambda/findings-handler.ts, which says how each trigger is handled.
 */

const serviceName = serviceNameOf(process.env);
const powertools = new PowertoolsLogger({ serviceName });
const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'GuardDutyNotifier', serviceName });

// Loaded when the runtime is built: a deployment without a table never carries the DynamoDB store.
const openTableStore: OpenTableStore = async (options) => (await import('../state/dynamodb-store.js')).createDynamoDbStore(options);

export const handler = createFindingsHandler({
  logger: loggerFromPowertools(powertools),
  metrics,
  env: process.env,
  openTableStore,
  onContext: (context) => powertools.addContext(context),
});
