import type { Config } from '../config/schema.js';
import type { Store } from '../state/store.js';

/**
 * Opens the store the config names. Both implementations are imported lazily: the Lambda bundle marks the SQLite
 * module external (it is native code the Lambda never uses), and the CLI never loads the DynamoDB client it doesn't need.
 */
export async function openStore(config: Config): Promise<Store> {
  if ('dynamodb' in config.state) {
    const { createDynamoDbStore } = await import('../state/dynamodb-store.js');
    return createDynamoDbStore({ tableName: config.state.dynamodb });
  }
  const { createSqliteStore } = await import('../state/sqlite-store.js');
  return createSqliteStore({ path: config.state.sqlite });
}
