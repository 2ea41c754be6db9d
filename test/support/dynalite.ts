import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OUTBOX_INDEX, TABLE_KEYS } from '../../src/state/dynamodb-table.js';

/** dynalite ships CommonJS without types; this is the part of its factory we use (see its index.js JSDoc). */
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}) => Server;

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;

export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A real AWS SDK v3 client pointed at it, with dummy credentials. */
  client: DynamoDBClient;
  /** Creates a table with the production key schema (dynamodb-table.ts), waits until it is ACTIVE, returns its name. */
  createTable(name: string): Promise<string>;
  close(): Promise<void>;
}

/** How long createTable waits for ACTIVE; with createTableMs: 0 it is ACTIVE on the first describe. */
const ACTIVE_WAIT_MS = 10_000;

/**
 * Starts dynalite in this process: in memory (no `path`), on a random port of 127.0.0.1, tables ACTIVE at once.
 *
 * @example
 * const ddb = await startDynalite();
 * await ddb.createTable('state');
 * const store = createDynamoDbStore({ tableName: 'state', client: ddb.client });
 * // ...
 * await ddb.close();
 */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // A local server answers or is broken: no point in the SDK's backoff hiding a bug for seconds.
    maxAttempts: 2,
  });

  async function createTable(name: string): Promise<string> {
    await createTestTable(client, name);
    return name;
  }

  async function close(): Promise<void> {
    client.destroy();
    // Keep-alive sockets from the SDK would hold server.close open.
    server.closeAllConnections?.();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  return { endpoint, client, createTable, close };
}

/** Creates a table with the production key schema (dynamodb-table.ts) and waits until it and its index are ACTIVE. */
export async function createTestTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
        { AttributeName: OUTBOX_INDEX.partitionKey, AttributeType: 'S' },
        { AttributeName: OUTBOX_INDEX.sortKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: OUTBOX_INDEX.indexName,
          KeySchema: [
            { AttributeName: OUTBOX_INDEX.partitionKey, KeyType: 'HASH' },
            { AttributeName: OUTBOX_INDEX.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: OUTBOX_INDEX.projection },
        },
      ],
    }),
  );
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  while (Date.now() < deadline) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`table ${name} did not become ACTIVE within ${ACTIVE_WAIT_MS} ms`);
}
