import { backoffDelay, sleep } from '../core/backoff.js';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreConflictError, StoreError } from './errors.js';
import { OUTBOX_INDEX, TABLE_KEYS } from './dynamodb-table.js';
import type {
  DecisionCommit,
  DecisionRecord,
  LedgerEntry,
  MuteRule,
  OutboxRow,
  OutboxStatus,
  Store,
  StoreStats,
} from './store.js';

export interface DynamoDbStoreOptions {
  tableName: string;
  /** Defaults to a client from the environment (Lambda: its role and region). A client passed in is not destroyed by `close`. */
  client?: DynamoDBClient;
  /** Clock for TTLs of items written without a time of their own (thread placeholders). */
  now?: () => number;
  ttl?: {
    /** GuardDuty keeps findings 90 days (GuardDuty User Guide, "Understanding findings"); a ledger row lives as long after its last sighting. */
    ledgerDays?: number;
    /** Sent outbox rows stay for `status` this long. Pending and failed rows never expire. */
    sentOutboxDays?: number;
    /** Decision records, for `status` and the demo page. */
    decisionsDays?: number;
  };
}

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_KEYS;
const DAY_SECONDS = 86_400;
/** BatchGetItem takes at most 100 keys, BatchWriteItem 25 requests (DynamoDB API Reference, BatchGetItem / BatchWriteItem). */
const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
/** Unprocessed batch items are throttling, not errors: retried with backoff this many times before giving up. */
const BATCH_RETRIES = 8;
/** Ledger writes that lose the version race re-read and merge this many times; then the batch fails retryably. */
const LEDGER_CONFLICT_RETRIES = 5;
/** Parallel single-item writes per commit: enough to hide latency, few enough not to self-throttle a new table. */
const WRITE_CONCURRENCY = 16;
/** Upper bound on Query pages any one call reads (a 1 MB page each): loops stay bounded whatever the table holds. */
const MAX_QUERY_PAGES = 200;
/** Versions remembered from getLedger for the next commit; past this the cache is dropped (commit then re-reads). */
const VERSION_CACHE_MAX = 20_000;

const PENDING = 'outbox#pending';
const partitionOfStatus = { pending: PENDING, sent: 'outbox#sent', failed: 'outbox#failed' } as const satisfies Record<
  OutboxStatus,
  string
>;

/** Epoch ms zero-padded so that string order is time order in sort keys. */
function pad(n: number, width = 16): string {
  return String(Math.max(0, Math.trunc(n))).padStart(width, '0');
}

function ttlSeconds(atMs: number, days: number): number {
  return Math.ceil(atMs / 1000) + Math.round(days * DAY_SECONDS);
}

function ledgerPk(destination: string, findingId: string): string {
  // Destination names are ours but may hold `#`; encoded, the first `#` after them always ends them.
  return `ledger#${encodeURIComponent(destination)}#${findingId}`;
}

function outboxPk(id: string): string {
  return `outbox#${id}`;
}

function pendingOrder(nextAttemptAt: number, createdAt: number, seq: number, id: string): string {
  return `${pad(nextAttemptAt)}#${pad(createdAt)}#${pad(seq, 6)}#${id}`;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/** A lost conditional write waits at least half its ceiling: retrying at once would meet the same writer. */
const CONFLICT_BACKOFF = { baseMs: 25, maxMs: 1_000, jitter: 'equal' } as const;
const backoffMs = (attempt: number): number => backoffDelay(attempt, CONFLICT_BACKOFF);

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Sensible merge of two views of one ledger row, used when another writer changed the row since we read it. Both
 * describe messages that were (or will be) sent, so the merge keeps the union: earliest first message, latest
 * message and sighting, the highest band notified (a rise above it is still an escalation), the thread already set.
 */
function mergeLedger(current: LedgerEntry, incoming: LedgerEntry): LedgerEntry {
  const newer = incoming.lastSeenAt >= current.lastSeenAt ? incoming : current;
  const merged: LedgerEntry = {
    destination: incoming.destination,
    findingId: incoming.findingId,
    firstNotifiedAt: Math.min(current.firstNotifiedAt, incoming.firstNotifiedAt),
    lastNotifiedAt: Math.max(current.lastNotifiedAt, incoming.lastNotifiedAt),
    lastBandRank: Math.max(current.lastBandRank, incoming.lastBandRank),
    lastSeverity: newer.lastSeverity,
    lastCount: Math.max(current.lastCount, incoming.lastCount),
    lastSeenAt: Math.max(current.lastSeenAt, incoming.lastSeenAt),
  };
  const threadTs = current.threadTs ?? incoming.threadTs;
  if (threadTs !== undefined) merged.threadTs = threadTs;
  return merged;
}

type Item = Record<string, unknown>;

function toLedgerEntry(item: Item): LedgerEntry | undefined {
  // A row with only a thread (setThreadTs before commit wrote it) is not a ledger entry yet.
  if (typeof item.firstNotifiedAt !== 'number') return undefined;
  const entry: LedgerEntry = {
    destination: item.destination as string,
    findingId: item.findingId as string,
    firstNotifiedAt: item.firstNotifiedAt,
    lastNotifiedAt: item.lastNotifiedAt as number,
    lastBandRank: item.lastBandRank as number,
    lastSeverity: (item.lastSeverity as number | null | undefined) ?? null,
    lastCount: item.lastCount as number,
    lastSeenAt: item.lastSeenAt as number,
  };
  if (typeof item.threadTs === 'string') entry.threadTs = item.threadTs;
  return entry;
}

function toOutboxRow(item: Item): OutboxRow {
  const row: OutboxRow = {
    id: item.id as string,
    destination: item.destination as string,
    kind: item.kind as OutboxRow['kind'],
    findingIds: item.findingIds as string[],
    message: JSON.parse(item.message as string) as OutboxRow['message'],
    status: item.status as OutboxStatus,
    attempts: item.attempts as number,
    createdAt: item.createdAt as number,
    nextAttemptAt: item.nextAttemptAt as number,
  };
  if (typeof item.findingId === 'string') row.findingId = item.findingId;
  if (typeof item.sentAt === 'number') row.sentAt = item.sentAt;
  if (typeof item.sentTs === 'string') row.sentTs = item.sentTs;
  if (typeof item.lastError === 'string') row.lastError = item.lastError;
  return row;
}

function toDecision(item: Item): DecisionRecord {
  return {
    at: item.at as number,
    destination: item.destination as string,
    findingId: item.findingId as string,
    findingType: item.findingType as string,
    title: item.title as string,
    severity: (item.severity as number | null | undefined) ?? null,
    outcome: item.outcome as DecisionRecord['outcome'],
    reason: item.reason as string,
  };
}

/** Compares rows the way the pending index orders them. */
function byDueOrder(a: { row: OutboxRow; seq: number }, b: { row: OutboxRow; seq: number }): number {
  return (
    a.row.nextAttemptAt - b.row.nextAttemptAt ||
    a.row.createdAt - b.row.createdAt ||
    a.seq - b.seq ||
    (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0)
  );
}

/**
 * The Lambda's store: one DynamoDB table, single-item conditional writes only (dynalite, our test stand-in, has no
 * TransactWriteItems; see DESIGN "Tools"). Layout in dynamodb-table.ts; TTL is switched on by the CDK stack.
 *
 * `commit` writes in an order that makes every crash point safe:
 * 1. outbox rows, each `attribute_not_exists(pk)`: a redelivered batch re-creates the same ids and changes nothing;
 * 2. ledger rows, each conditional on the `version` read by `getLedger` (a lost race re-reads, merges, retries);
 * 3. decision records (history only), by BatchWriteItem.
 * A crash after 1 leaves messages queued that the ledger does not know about: SQS redelivers, the batch is decided
 * again against the old ledger, and at worst a message is sent twice. A ledger row is never written before its
 * outbox row, so the ledger never claims a message that is not queued: nothing decided can be lost.
 *
 * Due rows are found through the sparse `gsi1` index (Query, not Scan) and re-read with a consistent BatchGetItem,
 * so a row another drainer has just sent is not returned again because the index lags.
 *
 * @example
 * const store = createDynamoDbStore({ tableName: process.env.STATE_TABLE! });
 * await store.commit({ ledger, outbox, decisions });
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): Store {
  const { tableName } = options;
  const now = options.now ?? Date.now;
  const ledgerDays = options.ttl?.ledgerDays ?? 90;
  const sentOutboxDays = options.ttl?.sentOutboxDays ?? 7;
  const decisionsDays = options.ttl?.decisionsDays ?? 7;
  const ownsClient = options.client === undefined;
  const client = options.client ?? new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });

  /** ledger pk → version read by getLedger (0: absent), so commit can write conditionally without reading again. */
  const versions = new Map<string, number>();
  /** Orders decision records of this instance that share a millisecond; the random part keeps instances apart. */
  const instanceToken = randomBytes(4).toString('hex');
  let commitCounter = 0;
  let closed = false;

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
    if (closed) throw new StoreError(`DynamoDB store for table ${tableName} is closed.`, { retryable: false });
    try {
      return await fn();
    } catch (error) {
      throw wrap(operation, error);
    }
  }

  /** Runs a conditional write; false when the condition did not hold. */
  async function conditional(operation: string, fn: () => Promise<unknown>): Promise<boolean> {
    if (closed) throw new StoreError(`DynamoDB store for table ${tableName} is closed.`, { retryable: false });
    try {
      await fn();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw wrap(operation, error);
    }
  }

  /** Consistent reads by key, in chunks of 100, retrying unprocessed keys with backoff. */
  async function batchGet(pks: readonly string[], sk: string): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const unique = [...new Set(pks)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let keys: Item[] = unique.slice(i, i + BATCH_GET_MAX).map((pk) => ({ [PK]: pk, [SK]: sk }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > BATCH_RETRIES) {
          throw new StoreError(`DynamoDB BatchGetItem on table ${tableName} kept leaving keys unprocessed (throttled).`, {
            retryable: true,
          });
        }
        if (attempt > 0) await sleep(backoffMs(attempt));
        const out = await call('BatchGetItem', () =>
          doc.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } })),
        );
        for (const item of out.Responses?.[tableName] ?? []) found.set(item[PK] as string, item);
        keys = (out.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined) ?? [];
      }
    }
    return found;
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

  /**
   * Reads outbox rows through the index, in index order, re-reading each consistently and keeping those `accept`
   * still likes (the index is eventually consistent and may show a row's previous status or due time).
   */
  async function collectOutbox(
    status: OutboxStatus,
    limit: number,
    accept: (row: OutboxRow) => boolean,
    options: { forward: boolean; below?: string },
  ): Promise<OutboxRow[]> {
    const collected: Array<{ row: OutboxRow; seq: number }> = [];
    let startKey: Item | undefined;
    for (let page = 0; page < MAX_QUERY_PAGES && collected.length < limit; page++) {
      const values: Item = { ':p': partitionOfStatus[status] };
      let condition = '#gpk = :p';
      if (options.below !== undefined) {
        condition += ' AND #gsk < :below';
        values[':below'] = options.below;
      }
      const out = await call('Query', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: OUTBOX_INDEX.indexName,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: {
              '#gpk': OUTBOX_INDEX.partitionKey,
              ...(options.below !== undefined ? { '#gsk': OUTBOX_INDEX.sortKey } : {}),
            },
            ExpressionAttributeValues: values,
            ScanIndexForward: options.forward,
            // A few more than asked: some may turn out stale on the consistent re-read.
            Limit: Math.min(BATCH_GET_MAX, limit - collected.length + 5),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      const pks = (out.Items ?? []).map((item) => item[PK] as string);
      const items = await batchGet(pks, 'outbox');
      for (const pk of pks) {
        const item = items.get(pk);
        if (!item) continue;
        const row = toOutboxRow(item);
        if (row.status === status && accept(row)) collected.push({ row, seq: (item.seq as number | undefined) ?? 0 });
      }
      startKey = out.LastEvaluatedKey;
      if (!startKey) break;
    }
    if (status === 'pending') collected.sort(byDueOrder);
    return collected.slice(0, limit).map((c) => c.row);
  }

  async function countIndex(status: OutboxStatus): Promise<{ count: number; oldestCreatedAt?: number }> {
    let count = 0;
    let oldestCreatedAt: number | undefined;
    let startKey: Item | undefined;
    for (let page = 0; page < MAX_QUERY_PAGES; page++) {
      const out = await call('Query', () =>
        doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: OUTBOX_INDEX.indexName,
            KeyConditionExpression: '#gpk = :p',
            ExpressionAttributeNames: { '#gpk': OUTBOX_INDEX.partitionKey },
            ExpressionAttributeValues: { ':p': partitionOfStatus[status] },
            // Pending rows are read for their createdAt (inside the sort key); the others are only counted.
            ...(status === 'pending' ? {} : { Select: 'COUNT' as const }),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      count += out.Count ?? 0;
      for (const item of out.Items ?? []) {
        const createdAt = Number(String(item[OUTBOX_INDEX.sortKey]).split('#')[1]);
        if (Number.isFinite(createdAt) && (oldestCreatedAt === undefined || createdAt < oldestCreatedAt)) {
          oldestCreatedAt = createdAt;
        }
      }
      startKey = out.LastEvaluatedKey;
      if (!startKey) break;
    }
    return oldestCreatedAt === undefined ? { count } : { count, oldestCreatedAt };
  }

  function outboxItem(row: OutboxRow, seq: number): Item {
    const item: Item = {
      [PK]: outboxPk(row.id),
      [SK]: 'outbox',
      id: row.id,
      destination: row.destination,
      kind: row.kind,
      findingId: row.findingId,
      findingIds: row.findingIds,
      // JSON, not a nested map: Block Kit nests deeper than is comfortable as DynamoDB maps and is only ever read whole.
      message: JSON.stringify(row.message),
      status: row.status,
      attempts: row.attempts,
      createdAt: row.createdAt,
      nextAttemptAt: row.nextAttemptAt,
      sentAt: row.sentAt,
      sentTs: row.sentTs,
      lastError: row.lastError,
      seq,
      [OUTBOX_INDEX.partitionKey]: partitionOfStatus[row.status],
    };
    if (row.status === 'pending') {
      item[OUTBOX_INDEX.sortKey] = pendingOrder(row.nextAttemptAt, row.createdAt, seq, row.id);
    } else {
      const at = row.sentAt ?? row.createdAt;
      item[OUTBOX_INDEX.sortKey] = `${pad(at)}#${row.id}`;
      if (row.status === 'sent') item[TTL] = ttlSeconds(at, sentOutboxDays);
    }
    return item;
  }

  /** Writes one ledger row; true when this batch believed the finding new but another writer created its row first. */
  async function writeLedger(entry: LedgerEntry): Promise<boolean> {
    const pk = ledgerPk(entry.destination, entry.findingId);
    let expected = versions.get(pk);
    const believedNew = expected === 0;
    let toWrite = entry;
    for (let attempt = 0; attempt <= LEDGER_CONFLICT_RETRIES; attempt++) {
      if (expected === undefined) {
        // Not read by getLedger in this instance, or we lost a race: merge into what is there now.
        const current = await getItem(pk, 'ledger');
        expected = typeof current?.version === 'number' ? current.version : 0;
        const currentEntry = current && toLedgerEntry(current);
        toWrite = currentEntry ? mergeLedger(currentEntry, entry) : entry;
      }
      const names: Record<string, string> = {
        '#destination': 'destination',
        '#findingId': 'findingId',
        '#firstNotifiedAt': 'firstNotifiedAt',
        '#lastNotifiedAt': 'lastNotifiedAt',
        '#lastBandRank': 'lastBandRank',
        '#lastSeverity': 'lastSeverity',
        '#lastCount': 'lastCount',
        '#lastSeenAt': 'lastSeenAt',
        '#version': 'version',
        '#ttl': TTL,
      };
      const values: Item = {
        ':destination': toWrite.destination,
        ':findingId': toWrite.findingId,
        ':firstNotifiedAt': toWrite.firstNotifiedAt,
        ':lastNotifiedAt': toWrite.lastNotifiedAt,
        ':lastBandRank': toWrite.lastBandRank,
        ':lastSeverity': toWrite.lastSeverity,
        ':lastCount': toWrite.lastCount,
        ':lastSeenAt': toWrite.lastSeenAt,
        ':newVersion': expected + 1,
        ':ttl': ttlSeconds(Math.max(toWrite.lastSeenAt, toWrite.lastNotifiedAt), ledgerDays),
      };
      let set = Object.keys(names)
        .filter((n) => n !== '#ttl' && n !== '#version')
        .map((n) => `${n} = :${n.slice(1)}`)
        .concat('#version = :newVersion', '#ttl = :ttl')
        .join(', ');
      if (toWrite.threadTs !== undefined) {
        // The thread already set wins: the batch that computed `entry` may have read the row before it was set.
        names['#threadTs'] = 'threadTs';
        values[':threadTs'] = toWrite.threadTs;
        set += ', #threadTs = if_not_exists(#threadTs, :threadTs)';
      }
      let condition: string;
      if (expected === 0) {
        condition = 'attribute_not_exists(#version)';
      } else {
        condition = '#version = :expectedVersion';
        values[':expectedVersion'] = expected;
      }
      const written = await conditional('UpdateItem (ledger)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: pk, [SK]: 'ledger' },
            UpdateExpression: `SET ${set}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (written) {
        versions.delete(pk);
        return believedNew && attempt > 0;
      }
      expected = undefined;
    }
    versions.delete(pk);
    throw new StoreConflictError(
      `Ledger row for finding ${entry.findingId} in destination ${entry.destination} changed ${LEDGER_CONFLICT_RETRIES + 1} ` +
        `times while we wrote it (table ${tableName}); its messages are queued, retry the batch.`,
      { destination: entry.destination, findingId: entry.findingId },
    );
  }

  async function setLedgerThread(destination: string, findingId: string, threadTs: string): Promise<void> {
    // With no ledger row yet this creates a thread-only placeholder (getLedger ignores it; commit fills it in, keeping
    // the thread). Its TTL keeps an orphan from living forever; the version is untouched, so no commit is disturbed.
    await call('UpdateItem (thread)', () =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [PK]: ledgerPk(destination, findingId), [SK]: 'ledger' },
          UpdateExpression: 'SET #threadTs = :ts, #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#threadTs': 'threadTs', '#ttl': TTL },
          ExpressionAttributeValues: { ':ts': threadTs, ':ttl': ttlSeconds(now(), ledgerDays) },
        }),
      ),
    );
  }


  return {
    async getLedger(destination, findingIds) {
      const result = new Map<string, LedgerEntry>();
      const pks = findingIds.map((id) => ledgerPk(destination, id));
      const items = await batchGet(pks, 'ledger');
      if (versions.size + pks.length > VERSION_CACHE_MAX) versions.clear();
      findingIds.forEach((findingId, i) => {
        const pk = pks[i] as string;
        const item = items.get(pk);
        versions.set(pk, typeof item?.version === 'number' ? item.version : 0);
        const entry = item && toLedgerEntry(item);
        if (entry) result.set(findingId, entry);
      });
      return result;
    },

    async commit(batch: DecisionCommit) {
      // 1. Outbox rows first. Duplicates within the batch: the first wins, as in SQLite.
      const seen = new Set<string>();
      const outbox = batch.outbox.filter((row) => !seen.has(row.id) && (seen.add(row.id), true));
      const created = new Set<string>();
      await mapLimit(
        outbox.map((row, seq) => ({ row, seq })),
        WRITE_CONCURRENCY,
        async ({ row, seq }) => {
          // A failed condition is an earlier delivery of this very batch: its row (and progress) stays.
          const put = await conditional('PutItem (outbox)', () =>
            doc.send(
              new PutCommand({
                TableName: tableName,
                Item: outboxItem(row, seq),
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              }),
            ),
          );
          if (put) created.add(row.id);
        },
      );

      // 2. Ledger rows, only once every outbox row is stored. Duplicates within the batch: the last wins.
      const ledger = new Map<string, LedgerEntry>();
      for (const entry of batch.ledger) ledger.set(ledgerPk(entry.destination, entry.findingId), entry);
      const lostNewRace: LedgerEntry[] = [];
      await mapLimit([...ledger.values()], WRITE_CONCURRENCY, async (entry) => {
        if (await writeLedger(entry)) lostNewRace.push(entry);
      });
      // Two invocations decided the same finding "new" at once (e.g. its GuardDuty and Security Hub events in two
      // batches). The other one's ledger row landed first, so its message stands; ours is withdrawn while nobody has
      // claimed it yet. (Claimed already: both go out, the rare case the README's "at most once more" covers.)
      for (const entry of lostNewRace) {
        for (const row of outbox) {
          if (row.kind !== 'new' || row.destination !== entry.destination || row.findingId !== entry.findingId) continue;
          // Only a row this commit created: the same id written by the other invocation is their message.
          if (!created.has(row.id)) continue;
          await conditional('DeleteItem (outbox, lost race)', () =>
            doc.send(
              new DeleteCommand({
                TableName: tableName,
                Key: { [PK]: outboxPk(row.id), [SK]: 'outbox' },
                ConditionExpression: '#status = :pending AND attribute_not_exists(#claimedUntil) AND #attempts = :zero',
                ExpressionAttributeNames: { '#status': 'status', '#claimedUntil': 'claimedUntil', '#attempts': 'attempts' },
                ExpressionAttributeValues: { ':pending': 'pending', ':zero': 0 },
              }),
            ),
          );
        }
      }

      // 3. Decision records: history, no condition needed, so the cheap batch write.
      if (batch.decisions.length > 0) {
        commitCounter += 1;
        const token = `${pad(commitCounter, 10)}${instanceToken}`;
        await batchPut(
          batch.decisions.map((d, i) => ({
            [PK]: 'decision',
            [SK]: `${pad(d.at)}#${token}#${pad(i, 6)}`,
            ...d,
            [TTL]: ttlSeconds(d.at, decisionsDays),
          })),
        );
      }
    },

    async duePending(at, limit) {
      if (limit <= 0) return [];
      return collectOutbox('pending', limit, (row) => row.nextAttemptAt <= at, {
        forward: true,
        below: pad(at + 1),
      });
    },

    async markSent(id, at, threadTs) {
      await conditional('UpdateItem (outbox sent)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: outboxPk(id), [SK]: 'outbox' },
            UpdateExpression:
              'SET #status = :sent, #sentAt = :at, #attempts = #attempts + :one, #gpk = :gpk, #gsk = :gsk, #ttl = :ttl' +
              (threadTs === undefined ? '' : ', #sentTs = :ts'),
            // Unknown ids change nothing (no half item is created); a second markSent counts no second attempt.
            ConditionExpression: 'attribute_exists(#pk) AND #status <> :sent',
            ExpressionAttributeNames: {
              '#pk': PK,
              '#status': 'status',
              '#sentAt': 'sentAt',
              '#attempts': 'attempts',
              '#gpk': OUTBOX_INDEX.partitionKey,
              '#gsk': OUTBOX_INDEX.sortKey,
              '#ttl': TTL,
              ...(threadTs === undefined ? {} : { '#sentTs': 'sentTs' }),
            },
            ExpressionAttributeValues: {
              ':sent': 'sent',
              ':at': at,
              ':one': 1,
              ':gpk': partitionOfStatus.sent,
              ':gsk': `${pad(at)}#${id}`,
              ':ttl': ttlSeconds(at, sentOutboxDays),
              ...(threadTs === undefined ? {} : { ':ts': threadTs }),
            },
          }),
        ),
      );
    },

    async claim(id, at, until) {
      return conditional('UpdateItem (outbox claim)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: outboxPk(id), [SK]: 'outbox' },
            UpdateExpression: 'SET #claimedUntil = :until',
            // One conditional write is the whole lease: concurrent Lambdas race here and exactly one wins.
            ConditionExpression: '#status = :pending AND (attribute_not_exists(#claimedUntil) OR #claimedUntil <= :now)',
            ExpressionAttributeNames: { '#claimedUntil': 'claimedUntil', '#status': 'status' },
            ExpressionAttributeValues: { ':until': until, ':now': at, ':pending': 'pending' },
          }),
        ),
      );
    },

    async markRetry(id, error, nextAttemptAt) {
      // The due-order key embeds the immutable createdAt/seq, which an update expression cannot concatenate.
      const item = await getItem(outboxPk(id), 'outbox');
      if (!item || item.status !== 'pending') return;
      await conditional('UpdateItem (outbox retry)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: outboxPk(id), [SK]: 'outbox' },
            UpdateExpression: 'SET #attempts = #attempts + :one, #lastError = :error, #next = :next, #gsk = :gsk REMOVE #claimedUntil',
            // Only pending rows move: a row another drainer sent or gave up on meanwhile stays as it is.
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: {
              '#attempts': 'attempts',
              '#lastError': 'lastError',
              '#next': 'nextAttemptAt',
              '#gsk': OUTBOX_INDEX.sortKey,
              '#status': 'status',
              '#claimedUntil': 'claimedUntil',
            },
            ExpressionAttributeValues: {
              ':one': 1,
              ':error': error,
              ':next': nextAttemptAt,
              ':gsk': pendingOrder(nextAttemptAt, item.createdAt as number, (item.seq as number | undefined) ?? 0, id),
              ':pending': 'pending',
            },
          }),
        ),
      );
    },

    async markFailed(id, error, at) {
      await conditional('UpdateItem (outbox failed)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: outboxPk(id), [SK]: 'outbox' },
            UpdateExpression:
              'SET #status = :failed, #attempts = #attempts + :one, #lastError = :error, #failedAt = :at, #gpk = :gpk, #gsk = :gsk',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#attempts': 'attempts',
              '#lastError': 'lastError',
              '#failedAt': 'failedAt',
              '#gpk': OUTBOX_INDEX.partitionKey,
              '#gsk': OUTBOX_INDEX.sortKey,
            },
            ExpressionAttributeValues: {
              ':failed': 'failed',
              ':one': 1,
              ':error': error,
              ':at': at,
              ':gpk': partitionOfStatus.failed,
              ':gsk': `${pad(at)}#${id}`,
              ':pending': 'pending',
            },
          }),
        ),
      );
    },

    async setThreadTs(destination, findingId, threadTs) {
      await setLedgerThread(destination, findingId, threadTs);
    },

    async listOutbox(filter) {
      const limit = Math.max(0, filter.limit);
      if (limit === 0) return [];
      const all = () => true;
      if (filter.status === 'pending') return collectOutbox('pending', limit, all, { forward: true });
      if (filter.status) return collectOutbox(filter.status, limit, all, { forward: false });
      // What needs attention first: what is still to go, then what gave up, then what went.
      const rows = await collectOutbox('pending', limit, all, { forward: true });
      if (rows.length < limit) rows.push(...(await collectOutbox('failed', limit - rows.length, all, { forward: false })));
      if (rows.length < limit) rows.push(...(await collectOutbox('sent', limit - rows.length, all, { forward: false })));
      return rows;
    },

    async recentDecisions(limit) {
      const records: DecisionRecord[] = [];
      let startKey: Item | undefined;
      for (let page = 0; page < MAX_QUERY_PAGES && records.length < limit; page++) {
        const out = await call('Query', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :p',
              ExpressionAttributeNames: { '#pk': PK },
              ExpressionAttributeValues: { ':p': 'decision' },
              ScanIndexForward: false,
              Limit: limit - records.length,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        records.push(...(out.Items ?? []).map(toDecision));
        startKey = out.LastEvaluatedKey;
        if (!startKey) break;
      }
      return records.slice(0, Math.max(0, limit));
    },

    async stats(): Promise<StoreStats> {
      // From the index: eventually consistent, which is all a status page needs.
      const [pending, failed, sent] = await Promise.all([countIndex('pending'), countIndex('failed'), countIndex('sent')]);
      const result: StoreStats = { pending: pending.count, failed: failed.count, sent: sent.count };
      if (pending.oldestCreatedAt !== undefined) result.oldestPendingAt = pending.oldestCreatedAt;
      return result;
    },

    async addMute(rule: MuteRule) {
      await call('PutItem (mute)', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              [PK]: 'mute',
              [SK]: rule.id,
              // The rule's own expiresAt is epoch ms; the item's TTL attribute is epoch seconds: kept apart.
              rule: JSON.stringify(rule),
              ruleExpiresAt: rule.expiresAt,
              [TTL]: Math.ceil(rule.expiresAt / 1000),
            },
          }),
        ),
      );
    },

    async listMutes(at) {
      const rules: MuteRule[] = [];
      let startKey: Item | undefined;
      for (let page = 0; page < MAX_QUERY_PAGES; page++) {
        const out = await call('Query', () =>
          doc.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: '#pk = :p',
              // TTL deletes lazily (within days), so expiry is checked here, not left to TTL.
              FilterExpression: '#exp > :now',
              ExpressionAttributeNames: { '#pk': PK, '#exp': 'ruleExpiresAt' },
              ExpressionAttributeValues: { ':p': 'mute', ':now': at },
              ConsistentRead: true,
              ExclusiveStartKey: startKey,
            }),
          ),
        );
        for (const item of out.Items ?? []) rules.push(JSON.parse(item.rule as string) as MuteRule);
        startKey = out.LastEvaluatedKey;
        if (!startKey) break;
      }
      return rules;
    },

    async removeMute(id) {
      const out = await call('DeleteItem (mute)', () =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: { [PK]: 'mute', [SK]: id }, ReturnValues: 'ALL_OLD' })),
      );
      return out.Attributes !== undefined;
    },

    async getCursor(key) {
      const item = await getItem('cursor', key);
      return typeof item?.value === 'number' ? item.value : undefined;
    },

    async setCursor(key, value) {
      await call('PutItem (cursor)', () =>
        doc.send(new PutCommand({ TableName: tableName, Item: { [PK]: 'cursor', [SK]: key, value } })),
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      versions.clear();
      if (ownsClient) client.destroy();
    },
  };
}
