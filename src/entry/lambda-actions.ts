import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { createActionsHandler } from '../lambda/actions-handler.js';
import { loggerFromPowertools, serviceNameOf } from '../lambda/powertools.js';
import type { OpenTableStore } from '../lambda/table-store.js';

/**
 * The Slack actions function (dist/lambda/actions.mjs; the Function URL and the actions queue): Powertools' logger and
 * the handler of src/lambda/actions-handler.ts, which says how each trigger is handled.
 */

const powertools = new PowertoolsLogger({ serviceName: serviceNameOf(process.env) });

const openTableStore: OpenTableStore = async (options) => (await import('../state/dynamodb-store.js')).createDynamoDbStore(options);

export const handler = createActionsHandler({
  logger: loggerFromPowertools(powertools),
  env: process.env,
  openTableStore,
  onContext: (context) => powertools.addContext(context),
});
