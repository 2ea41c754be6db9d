import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { backoffDelay, sleep } from '../core/backoff.js';
import { StoreError } from './errors.js';
import { TABLE_KEYS } from './dynamodb-table.js';

/**
 * What every group of the DynamoDB store shares: the table, the document client, one error translation, bounded batch
 * reads and writes. Each group (dynamodb-ledger.ts, dynamodb-outbox.ts, ...) is built on one TableAccess.
 */

export type Item = Record<string, unknown>;

export const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_KEYS;
const DAY_SECONDS = 86_400;
/** BatchGetItem takes at most 100 keys, BatchWriteItem 25 requests (DynamoDB API Reference, BatchGetItem / BatchWriteItem). */
export const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
/** Unprocessed batch items are throttling, not errors: retried with backoff this many times before giving up. */
const BATCH_RETRIES = 8;
/** Upper bound on Query pages any one call reads (a 1 MB page each): loops stay bounded whatever the table holds. */
const MAX_QUERY_PAGES = 200;

/** How far a walk of the table may go; lowered only by tests, to see what a capped count looks like. */
export interface QueryBounds {
  /** Pages per walk (default 200). */
  maxPages?: number;
  /** Items a counting page evaluates (default: DynamoDB's own 1 MB page). */
  countPageItems?: number;
}

/** A lost conditional write waits at least half its ceiling: retrying at once would meet the same writer. */
const CONFLICT_BACKOFF = { baseMs: 25, maxMs: 1_000, jitter: 'equal' } as const;
export const backoffMs = (attempt: number): number => backoffDelay(attempt, CONFLICT_BACKOFF);

/** Epoch ms zero-padded so that string order is time order in sort keys. */
export function pad(n: number, width = 16): string {
  return String(Math.max(0, Math.trunc(n))).padStart(width, '0');
}

export function ttlSeconds(atMs: number, days: number): number {
  return Math.ceil(atMs / 1000) + Math.round(days * DAY_SECONDS);
}

/** The key `batchGetKeys` files an item under. */
export function itemKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

export interface TableAccess {
  readonly tableName: string;
  readonly doc: DynamoDBDocumentClient;
  /** Clock for TTLs of items written without a time of their own. */
  readonly now: () => number;
  /** Runs one request; its failure becomes a StoreError saying whether a retry can help. Refused once closed. */
  call<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** Runs a conditional write; false when the condition did not hold. */
  conditional(operation: string, fn: () => Promise<unknown>): Promise<boolean>;
  /** Consistent reads by key, in chunks of 100, retrying unprocessed keys with backoff; found items by pk. */
  batchGet(pks: readonly string[], sk: string): Promise<Map<string, Item>>;
  /** The same for keys of any sort key; found items by `itemKey(pk, sk)`. */
  batchGetKeys(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<Map<string, Item>>;
  /** Unconditional puts, in chunks of 25, retrying unprocessed items with backoff. */
  batchPut(items: readonly Item[]): Promise<void>;
  /** One consistent read by key. */
  getItem(pk: string, sk: string): Promise<Item | undefined>;
  /**
   * A Query read page by page, at most MAX_QUERY_PAGES: `input` is asked for each page (a page's Limit may depend on
   * what came before), `onPage` gets each answer and says whether to read on. `complete` is false when the page cap
   * stopped it with more to read: a count built from it must then say it is capped, never pass for exact.
   */
  queryPages(
    input: () => Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    onPage: (out: QueryCommandOutput) => boolean | Promise<boolean>,
  ): Promise<{ complete: boolean }>;
  /** What a counting walk may read per page (undefined: a full 1 MB page). */
  readonly countPageItems: number | undefined;
  /** From now on every request is refused. */
  close(): void;
}

export function createTableAccess(tableName: string, doc: DynamoDBDocumentClient, now: () => number, bounds: QueryBounds = {}): TableAccess {
  let closed = false;
  const maxPages = bounds.maxPages ?? MAX_QUERY_PAGES;

  function assertOpen(): void {
    if (closed) throw new StoreError(`DynamoDB store for table ${tableName} is closed.`, { retryable: false });
  }

  function wrap(operation: string, error: unknown): StoreError {
    if (error instanceof StoreError) return error;
    const e = error as { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
    const status = e?.$metadata?.httpStatusCode;
    const name = e?.name ?? 'Error';
    const retryable =
      e?.$retryable !== undefined ||
      status === undefined || // no answer at all: network
      status >= 500 ||
      /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TransactionConflict/.test(name);
    return new StoreError(`DynamoDB ${operation} on table ${tableName} failed (${name}): ${e?.message ?? String(error)}`, {
      retryable,
      cause: error,
    });
  }

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    assertOpen();
    try {
      return await fn();
    } catch (error) {
      throw wrap(operation, error);
    }
  }

  async function conditional(operation: string, fn: () => Promise<unknown>): Promise<boolean> {
    assertOpen();
    try {
      await fn();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw wrap(operation, error);
    }
  }

  async function batchGetKeys(keys: ReadonlyArray<{ pk: string; sk: string }>): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const unique = [...new Map(keys.map((k) => [itemKey(k.pk, k.sk), k])).values()];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let chunk: Item[] = unique.slice(i, i + BATCH_GET_MAX).map((k) => ({ [PK]: k.pk, [SK]: k.sk }));
      for (let attempt = 0; chunk.length > 0; attempt++) {
        if (attempt > BATCH_RETRIES) {
          throw new StoreError(`DynamoDB BatchGetItem on table ${tableName} kept leaving keys unprocessed (throttled).`, {
            retryable: true,
          });
        }
        if (attempt > 0) await sleep(backoffMs(attempt));
        const request = chunk;
        const out = await call('BatchGetItem', () =>
          doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } } })),
        );
        for (const item of out.Responses?.[tableName] ?? []) found.set(itemKey(item[PK] as string, item[SK] as string), item);
        chunk = (out.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return found;
  }

  async function batchGet(pks: readonly string[], sk: string): Promise<Map<string, Item>> {
    const items = await batchGetKeys(pks.map((pk) => ({ pk, sk })));
    const byPk = new Map<string, Item>();
    for (const item of items.values()) byPk.set(item[PK] as string, item);
    return byPk;
  }

  async function batchPut(items: readonly Item[]): Promise<void> {
    for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) {
      let requests = items.slice(i, i + BATCH_WRITE_MAX).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > BATCH_RETRIES) {
          throw new StoreError(`DynamoDB BatchWriteItem on table ${tableName} kept leaving items unprocessed (throttled).`, {
            retryable: true,
          });
        }
        if (attempt > 0) await sleep(backoffMs(attempt));
        const out = await call('BatchWriteItem', () => doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } })));
        requests = (out.UnprocessedItems?.[tableName] as typeof requests | undefined) ?? [];
      }
    }
  }

  async function getItem(pk: string, sk: string): Promise<Item | undefined> {
    const out = await call('GetItem', () =>
      doc.send(new GetCommand({ TableName: tableName, Key: { [PK]: pk, [SK]: sk }, ConsistentRead: true })),
    );
    return out.Item;
  }

  async function queryPages(
    input: () => Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
    onPage: (out: QueryCommandOutput) => boolean | Promise<boolean>,
  ): Promise<{ complete: boolean }> {
    let startKey: Item | undefined;
    for (let page = 0; page < maxPages; page++) {
      const out = await call('Query', () => doc.send(new QueryCommand({ ...input(), TableName: tableName, ExclusiveStartKey: startKey })));
      const more = await onPage(out);
      startKey = out.LastEvaluatedKey;
      if (!startKey || !more) return { complete: true };
    }
    return { complete: false };
  }

  return {
    tableName,
    doc,
    now,
    call,
    conditional,
    batchGet,
    batchGetKeys,
    batchPut,
    getItem,
    queryPages,
    countPageItems: bounds.countPageItems,
    close() {
      closed = true;
    },
  };
}
