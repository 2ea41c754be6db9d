/**
 * The state table's key layout. It must equal `TABLE_KEYS` in src/state/dynamodb-table.ts (the DynamoDB store):
 * infra/test/notifier-stack.test.ts checks the two agree whenever that module exists.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;
