import type { Config } from '../config/schema.js';
import type { Store } from '../state/store.js';

/** The DynamoDB store's options from `state: { dynamodb, ttl }` (ttl: how long the ledger remembers a finding). */
export function dynamoDbStoreOptions(state: { dynamodb: string; ttl?: number }): { tableName: string; ttl?: { ledgerDays: number } } {
  return {
    tableName: state.dynamodb,
    ...(state.ttl === undefined ? {} : { ttl: { ledgerDays: state.ttl / 86_400_000 } }),
  };
}

/**
 * Opens the store the config names. Both implementations are imported lazily: the Lambda bundle marks the SQLite
 * module external (it is native code the Lambda never uses), and the CLI never loads the DynamoDB client it doesn't need.
 */
export async function openStore(config: Config): Promise<Store> {
  if ('dynamodb' in config.state) {
    const { createDynamoDbStore } = await import('../state/dynamodb-store.js');
    return createDynamoDbStore(dynamoDbStoreOptions(config.state));
  }
  const { createSqliteStore } = await import('../state/sqlite-store.js');
  return createSqliteStore({ path: config.state.sqlite });
}
