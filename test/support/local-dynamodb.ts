import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createTestTable, startDynalite, type LocalDynamoDb } from './dynalite.js';
import { TABLE_KEYS } from '../../src/state/dynamodb-table.js';

export type { LocalDynamoDb };

export interface TestDynamoDb extends LocalDynamoDb {
  /** Which engine answers: Amazon's DynamoDB Local (CI) or dynalite (quick local runs, `GDN_DYNAMODB=dynalite`). */
  readonly engine: 'dynamodb-local' | 'dynalite';
  /** Switches TTL on, on the attribute the stack uses. DynamoDB Local honours it; dynalite has no TTL API. */
  enableTtl(tableName: string): Promise<void>;
}

/**
 * The DynamoDB a test file uses: the run's DynamoDB Local (started once by dynamodb-local-setup.ts) or an
 * in-process dynalite. `createTable(name)` returns the name actually created: on the shared DynamoDB Local every
 * table gets a unique suffix, so test files running in parallel never see each other's rows.
 *
 * @example
 * const ddb = await startTestDynamoDb();
 * const tableName = await ddb.createTable('state');
 * const store = createDynamoDbStore({ tableName, client: ddb.client });
 */
export async function startTestDynamoDb(): Promise<TestDynamoDb> {
  const endpoint = inject('dynamodbLocalEndpoint');
  if (!endpoint) {
    const local = await startDynalite();
    return {
      ...local,
      engine: 'dynalite',
      async enableTtl() {
        throw new Error('dynalite has no TTL: run with DynamoDB Local (GDN_DYNAMODB=local) for this test');
      },
    };
  }
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  });
  const created: string[] = [];
  return {
    engine: 'dynamodb-local',
    endpoint,
    client,
    async createTable(name: string) {
      const unique = `${name}-${randomUUID().slice(0, 8)}`;
      await createTestTable(client, unique);
      created.push(unique);
      return unique;
    },
    async enableTtl(tableName: string) {
      await client.send(
        new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE_KEYS.ttlAttribute } }),
      );
    },
    async close() {
      // The instance is shared by the run: drop our tables, leave it running for the others.
      await Promise.allSettled(created.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
      client.destroy();
    },
  };
}
