import { brotliDecompressSync, deflateRawSync, inflateRawSync } from 'node:zlib';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RenderedMessage } from '../core/message.js';
import { OUTBOX_INDEX } from './dynamodb-table.js';
import { OUTBOX_BODY_DICTIONARY_DF1 } from './outbox-body-dictionary.js';
import { BATCH_GET_MAX, PK, SK, TTL, itemKey, pad, ttlSeconds, type Item, type TableAccess } from './dynamodb-access.js';
import type { OutboxDepth, OutboxRow, OutboxStatus, OutboxStore, StoreStats } from './store.js';

/**
 * The outbox group of the DynamoDB store. A row is two items under one partition key `outbox#<id>`:
 *
 * - the **state** (sk `outbox`): status, attempts, due time, lease, errors: a few hundred bytes, so each transition
 *   (claim, sent, retry, failed) is one conditional UpdateItem of 1 WCU. DynamoDB bills an update on the larger of
 *   the item before and after (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption),
 *   which is why the message must not live here;
 * - the **body** (sk `body`): the rendered message and the finding ids, deflated JSON with a preset dictionary of
 *   typical messages (outbox-body-dictionary.ts: a ~3.7 KB Block Kit message becomes ~0.5 KB, one write unit), written
 *   once, before the state, and never updated. It expires `bodyDays` after it was
 *   written (default 90, GuardDuty's own retention), so nothing it holds can outlive its use, not even the body of a
 *   commit that crashed before its state was written.
 *
 * Due rows are found through the sparse `gsi1` index by status and due time, then state and body are read together by
 * one consistent BatchGetItem. Rows are written by the ledger group's commit (dynamodb-ledger.ts) with `putOutboxRow`.
 */

const partitionOfStatus = { pending: 'outbox#pending', sent: 'outbox#sent', failed: 'outbox#failed' } as const satisfies Record<
  OutboxStatus,
  string
>;
const STATE_SK = 'outbox';
const BODY_SK = 'body';
/**
 * The body's format: raw deflate (level 9, ~0.2 ms a message) over `{ m: message, f: findingIds }` with the frozen
 * dictionary of outbox-body-dictionary.ts. A new format gets a new tag; readers keep the old ones (`br1`: brotli, no
 * dictionary, twice the size).
 */
const BODY_FORMAT = 'df1';
const DICTIONARY_DF1 = Buffer.from(OUTBOX_BODY_DICTIONARY_DF1, 'utf8');
/** GuardDuty keeps findings 90 days (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings.html). */
export const DEFAULT_BODY_DAYS = 90;

export function outboxPk(id: string): string {
  return `outbox#${id}`;
}

function pendingOrder(nextAttemptAt: number, createdAt: number, seq: number, id: string): string {
  return `${pad(nextAttemptAt)}#${pad(createdAt)}#${pad(seq, 6)}#${id}`;
}

/** createdAt out of a pending index key (`pendingOrder`): the index is KEYS_ONLY, the sort key is all it gives. */
function createdAtOfPendingKey(sortKey: unknown): number | undefined {
  const createdAt = Number(String(sortKey).split('#')[1]);
  return Number.isFinite(createdAt) ? createdAt : undefined;
}

function encodeBody(row: OutboxRow): Uint8Array {
  const json = JSON.stringify({ m: row.message, f: row.findingIds });
  return deflateRawSync(json, { level: 9, dictionary: DICTIONARY_DF1 });
}

function decodeBody(item: Item): { message: RenderedMessage; findingIds: string[] } | undefined {
  if (!(item.b instanceof Uint8Array)) return undefined;
  let json: Buffer;
  if (item.fmt === 'df1') json = inflateRawSync(item.b, { dictionary: DICTIONARY_DF1 });
  else if (item.fmt === 'br1') json = brotliDecompressSync(item.b);
  else return undefined;
  const parsed = JSON.parse(json.toString('utf8')) as { m: RenderedMessage; f: string[] };
  return { message: parsed.m, findingIds: parsed.f };
}

/**
 * What is sent when a pending row's body has expired (a row pending longer than the body lives, i.e. no drain ran for
 * months): a short note naming the finding instead of nothing, so the loss is visible where it happened.
 */
function expiredBodyMessage(findingId: string | undefined, id: string): RenderedMessage {
  const what = findingId === undefined ? `outbox message ${id}` : `the message for finding ${findingId}`;
  const text = `guardduty-notifier could not deliver ${what} before its stored content expired; look the finding up in the GuardDuty console.`;
  return { slack: { text }, text: { subject: 'GuardDuty notification expired', body: text }, attributes: {} };
}

function toOutboxRow(state: Item, body: Item | undefined): OutboxRow {
  const findingId = typeof state.findingId === 'string' ? state.findingId : undefined;
  const id = state.id as string;
  // Rows written before the body had an item of its own carry the message inline (`message`, JSON text).
  const content =
    (body && decodeBody(body)) ??
    (typeof state.message === 'string'
      ? { message: JSON.parse(state.message) as RenderedMessage, findingIds: (state.findingIds as string[] | undefined) ?? [] }
      : { message: expiredBodyMessage(findingId, id), findingIds: findingId === undefined ? [] : [findingId] });
  const row: OutboxRow = {
    id,
    destination: state.destination as string,
    kind: state.kind as OutboxRow['kind'],
    findingIds: content.findingIds,
    message: content.message,
    status: state.status as OutboxStatus,
    attempts: state.attempts as number,
    createdAt: state.createdAt as number,
    nextAttemptAt: state.nextAttemptAt as number,
  };
  if (findingId !== undefined) row.findingId = findingId;
  if (typeof state.sentAt === 'number') row.sentAt = state.sentAt;
  if (typeof state.sentTs === 'string') row.sentTs = state.sentTs;
  if (typeof state.lastError === 'string') row.lastError = state.lastError;
  return row;
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

/** The two items of a new outbox row; `seq` is its position in the commit (the last tie-break of the due order). */
export function outboxItems(row: OutboxRow, seq: number, options: { sentOutboxDays: number; bodyDays: number }): { state: Item; body: Item } {
  const state: Item = {
    [PK]: outboxPk(row.id),
    [SK]: STATE_SK,
    id: row.id,
    destination: row.destination,
    kind: row.kind,
    findingId: row.findingId,
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
    state[OUTBOX_INDEX.sortKey] = pendingOrder(row.nextAttemptAt, row.createdAt, seq, row.id);
  } else {
    const at = row.sentAt ?? row.createdAt;
    state[OUTBOX_INDEX.sortKey] = `${pad(at)}#${row.id}`;
    if (row.status === 'sent') state[TTL] = ttlSeconds(at, options.sentOutboxDays);
  }
  const body: Item = {
    [PK]: outboxPk(row.id),
    [SK]: BODY_SK,
    fmt: BODY_FORMAT,
    b: encodeBody(row),
    [TTL]: ttlSeconds(row.createdAt, options.bodyDays),
  };
  return { state, body };
}

/**
 * Writes one new outbox row: the body first, then the state, each only if absent. A redelivered batch re-creates the
 * same ids and changes nothing (the first rendering and its progress stay); a crash between the two leaves a body that
 * the redelivery completes, or that expires. true when this call created the state.
 */
export async function putOutboxRow(table: TableAccess, items: { state: Item; body: Item }): Promise<boolean> {
  const { tableName, doc, conditional } = table;
  const ifAbsent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
  await conditional('PutItem (outbox body)', () => doc.send(new PutCommand({ TableName: tableName, Item: items.body, ...ifAbsent })));
  return conditional('PutItem (outbox)', () => doc.send(new PutCommand({ TableName: tableName, Item: items.state, ...ifAbsent })));
}

/**
 * One outbox row by id (state and body, one consistent BatchGetItem), as the store holds it now; undefined when its
 * state item is gone (a sent row after `sentOutboxDays`) or expired. Slack actions read a finding's last message so.
 */
export async function readOutboxRow(table: TableAccess, id: string): Promise<OutboxRow | undefined> {
  const items = await table.batchGetKeys([
    { pk: outboxPk(id), sk: STATE_SK },
    { pk: outboxPk(id), sk: BODY_SK },
  ]);
  const state = items.get(itemKey(outboxPk(id), STATE_SK));
  if (state === undefined || (typeof state[TTL] === 'number' && (state[TTL] as number) * 1000 <= table.now())) return undefined;
  return toOutboxRow(state, items.get(itemKey(outboxPk(id), BODY_SK)));
}

/** Withdraws an outbox row nobody has touched yet (the ledger race in dynamodb-ledger.ts): state, then body. */
export async function withdrawOutboxRow(table: TableAccess, id: string): Promise<void> {
  const { tableName, doc, conditional } = table;
  const deleted = await conditional('DeleteItem (outbox, lost race)', () =>
    doc.send(
      new DeleteCommand({
        TableName: tableName,
        Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
        ConditionExpression: '#status = :pending AND attribute_not_exists(#claimedUntil) AND #attempts = :zero',
        ExpressionAttributeNames: { '#status': 'status', '#claimedUntil': 'claimedUntil', '#attempts': 'attempts' },
        ExpressionAttributeValues: { ':pending': 'pending', ':zero': 0 },
      }),
    ),
  );
  if (deleted) {
    await table.call('DeleteItem (outbox body)', () =>
      doc.send(new DeleteCommand({ TableName: tableName, Key: { [PK]: outboxPk(id), [SK]: BODY_SK } })),
    );
  }
}

export function createDynamoDbOutbox(table: TableAccess, options: { sentOutboxDays: number }): OutboxStore {
  const { tableName, doc, conditional } = table;
  const { sentOutboxDays } = options;
  const DAY_MS = 86_400_000;

  /** Sent rows still within their retention: TTL deletes late (within days), the index key says when a row was sent. */
  const sentSince = (): string => pad(table.now() - sentOutboxDays * DAY_MS);

  /**
   * Reads outbox rows through the index, in index order, re-reading state and body consistently and keeping those
   * `accept` still likes (the index is eventually consistent and may show a row's previous status or due time).
   */
  async function collectOutbox(
    status: OutboxStatus,
    limit: number,
    accept: (row: OutboxRow) => boolean,
    query: { forward: boolean; below?: string; above?: string },
  ): Promise<OutboxRow[]> {
    const collected: Array<{ row: OutboxRow; seq: number }> = [];
    if (limit <= 0) return [];
    const values: Item = { ':p': partitionOfStatus[status] };
    let condition = '#gpk = :p';
    if (query.below !== undefined) {
      condition += ' AND #gsk < :below';
      values[':below'] = query.below;
    } else if (query.above !== undefined) {
      condition += ' AND #gsk > :above';
      values[':above'] = query.above;
    }
    const bySortKey = query.below !== undefined || query.above !== undefined;
    await table.queryPages(
      () => ({
        IndexName: OUTBOX_INDEX.indexName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: { '#gpk': OUTBOX_INDEX.partitionKey, ...(bySortKey ? { '#gsk': OUTBOX_INDEX.sortKey } : {}) },
        ExpressionAttributeValues: values,
        ScanIndexForward: query.forward,
        // A few more than asked: some may turn out stale on the consistent re-read. State + body per row: 2 keys.
        Limit: Math.min(BATCH_GET_MAX / 2, limit - collected.length + 5),
      }),
      async (out) => {
        const pks = (out.Items ?? []).map((item) => item[PK] as string);
        const items = await table.batchGetKeys(pks.flatMap((pk) => [{ pk, sk: STATE_SK }, { pk, sk: BODY_SK }]));
        for (const pk of pks) {
          const state = items.get(itemKey(pk, STATE_SK));
          if (!state) continue;
          const row = toOutboxRow(state, items.get(itemKey(pk, BODY_SK)));
          if (row.status === status && accept(row)) collected.push({ row, seq: (state.seq as number | undefined) ?? 0 });
        }
        return collected.length < limit;
      },
    );
    if (status === 'pending') collected.sort(byDueOrder);
    return collected.slice(0, limit).map((c) => c.row);
  }

  /**
   * Counts one status partition of the index, page by page up to the access layer's page cap. Pending rows are read
   * for their createdAt (inside the sort key); the others are only counted. `complete: false` means capped.
   */
  async function countIndex(status: OutboxStatus, sortKeyAbove?: string): Promise<{ count: number; complete: boolean; oldestCreatedAt?: number }> {
    let count = 0;
    let oldestCreatedAt: number | undefined;
    const { complete } = await table.queryPages(
      () => ({
        IndexName: OUTBOX_INDEX.indexName,
        KeyConditionExpression: sortKeyAbove === undefined ? '#gpk = :p' : '#gpk = :p AND #gsk > :above',
        ExpressionAttributeNames: { '#gpk': OUTBOX_INDEX.partitionKey, ...(sortKeyAbove === undefined ? {} : { '#gsk': OUTBOX_INDEX.sortKey }) },
        ExpressionAttributeValues: { ':p': partitionOfStatus[status], ...(sortKeyAbove === undefined ? {} : { ':above': sortKeyAbove }) },
        ...(status === 'pending' ? {} : { Select: 'COUNT' as const }),
        ...(table.countPageItems === undefined ? {} : { Limit: table.countPageItems }),
      }),
      (out) => {
        count += out.Count ?? 0;
        for (const item of out.Items ?? []) {
          const createdAt = createdAtOfPendingKey(item[OUTBOX_INDEX.sortKey]);
          if (createdAt !== undefined && (oldestCreatedAt === undefined || createdAt < oldestCreatedAt)) oldestCreatedAt = createdAt;
        }
        return true;
      },
    );
    return oldestCreatedAt === undefined ? { count, complete } : { count, complete, oldestCreatedAt };
  }

  /** One Query of at most `limit` index keys: a bounded count, capped when the partition holds more. */
  async function countUpTo(status: 'pending' | 'failed', limit: number): Promise<{ count: number; capped: boolean; oldestCreatedAt?: number }> {
    const out = await table.call('Query (outbox depth)', () =>
      doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: OUTBOX_INDEX.indexName,
          KeyConditionExpression: '#gpk = :p',
          ExpressionAttributeNames: { '#gpk': OUTBOX_INDEX.partitionKey },
          ExpressionAttributeValues: { ':p': partitionOfStatus[status] },
          Limit: Math.max(1, Math.trunc(limit)),
          ...(status === 'pending' ? {} : { Select: 'COUNT' as const }),
        }),
      ),
    );
    let oldestCreatedAt: number | undefined;
    for (const item of out.Items ?? []) {
      const createdAt = createdAtOfPendingKey(item[OUTBOX_INDEX.sortKey]);
      if (createdAt !== undefined && (oldestCreatedAt === undefined || createdAt < oldestCreatedAt)) oldestCreatedAt = createdAt;
    }
    const count = out.Count ?? 0;
    // Reaching the limit is "at least" (as every store says it), and so is a page DynamoDB cut at 1 MB.
    const capped = count >= Math.max(1, Math.trunc(limit)) || out.LastEvaluatedKey !== undefined;
    return oldestCreatedAt === undefined ? { count, capped } : { count, capped, oldestCreatedAt };
  }

  /** Reads the state item of a row (consistent). */
  const readState = (id: string): Promise<Item | undefined> => table.getItem(outboxPk(id), STATE_SK);

  return {
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
            Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
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
            Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
            UpdateExpression: 'SET #claimedUntil = :until',
            // One conditional write is the whole lease: concurrent Lambdas race here and exactly one wins.
            ConditionExpression: '#status = :pending AND (attribute_not_exists(#claimedUntil) OR #claimedUntil <= :now)',
            ExpressionAttributeNames: { '#claimedUntil': 'claimedUntil', '#status': 'status' },
            ExpressionAttributeValues: { ':until': until, ':now': at, ':pending': 'pending' },
          }),
        ),
      );
    },

    async release(id, until) {
      await conditional('UpdateItem (outbox release)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
            UpdateExpression: 'REMOVE #claimedUntil',
            // Our lease only: a row whose lease ran out and was claimed again belongs to that drainer now.
            ConditionExpression: '#claimedUntil = :until',
            ExpressionAttributeNames: { '#claimedUntil': 'claimedUntil' },
            ExpressionAttributeValues: { ':until': until },
          }),
        ),
      );
    },

    async markRetry(id, error, nextAttemptAt) {
      // The due-order key embeds the immutable createdAt/seq, which an update expression cannot concatenate.
      const item = await readState(id);
      if (!item || item.status !== 'pending') return;
      await conditional('UpdateItem (outbox retry)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
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
            Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
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

    async requeueFailed(ids, at) {
      const moved: string[] = [];
      for (const id of ids) {
        // As markRetry: the due-order key embeds the row's createdAt and seq, read first.
        const item = await readState(id);
        if (!item || item.status !== 'failed') continue;
        const requeued = await conditional('UpdateItem (outbox requeue)', () =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { [PK]: outboxPk(id), [SK]: STATE_SK },
              UpdateExpression: 'SET #status = :pending, #next = :at, #gpk = :gpk, #gsk = :gsk REMOVE #failedAt, #claimedUntil',
              // Only a failed row moves: of two resends at once, one wins and the other changes nothing.
              ConditionExpression: '#status = :failed',
              ExpressionAttributeNames: {
                '#status': 'status',
                '#next': 'nextAttemptAt',
                '#gpk': OUTBOX_INDEX.partitionKey,
                '#gsk': OUTBOX_INDEX.sortKey,
                '#failedAt': 'failedAt',
                '#claimedUntil': 'claimedUntil',
              },
              ExpressionAttributeValues: {
                ':pending': 'pending',
                ':failed': 'failed',
                ':at': at,
                ':gpk': partitionOfStatus.pending,
                ':gsk': pendingOrder(at, item.createdAt as number, (item.seq as number | undefined) ?? 0, id),
              },
            }),
          ),
        );
        if (requeued) moved.push(id);
      }
      return moved;
    },

    async getOutboxRows(ids) {
      // State and body of every id, consistently, in BatchGetItem chunks (the access layer splits them).
      const items = await table.batchGetKeys(ids.flatMap((id) => [{ pk: outboxPk(id), sk: STATE_SK }, { pk: outboxPk(id), sk: BODY_SK }]));
      const rows: OutboxRow[] = [];
      for (const id of ids) {
        const state = items.get(itemKey(outboxPk(id), STATE_SK));
        // A sent row past its retention is gone, whatever TTL has not yet deleted.
        if (state === undefined || (typeof state[TTL] === 'number' && (state[TTL] as number) * 1000 <= table.now())) continue;
        rows.push(toOutboxRow(state, items.get(itemKey(outboxPk(id), BODY_SK))));
      }
      return rows;
    },

    async listOutbox(filter) {
      const limit = Math.max(0, filter.limit);
      if (limit === 0) return [];
      const all = () => true;
      const sent = (n: number) => collectOutbox('sent', n, all, { forward: false, above: sentSince() });
      if (filter.status === 'pending') return collectOutbox('pending', limit, all, { forward: true });
      if (filter.status === 'failed') return collectOutbox('failed', limit, all, { forward: false });
      if (filter.status === 'sent') return sent(limit);
      // What needs attention first: what is still to go, then what gave up, then what went.
      const rows = await collectOutbox('pending', limit, all, { forward: true });
      if (rows.length < limit) rows.push(...(await collectOutbox('failed', limit - rows.length, all, { forward: false })));
      if (rows.length < limit) rows.push(...(await sent(limit - rows.length)));
      return rows;
    },

    async stats(): Promise<StoreStats> {
      // From the index: eventually consistent, which is all a status page needs. Bounded per status; what hit the
      // bound says so.
      const [pending, failed, sent] = await Promise.all([countIndex('pending'), countIndex('failed'), countIndex('sent', sentSince())]);
      const result: StoreStats = { pending: pending.count, failed: failed.count, sent: sent.count };
      if (pending.oldestCreatedAt !== undefined) result.oldestPendingAt = pending.oldestCreatedAt;
      const capped = (
        [
          ['pending', pending],
          ['failed', failed],
          ['sent', sent],
        ] as const
      )
        .filter(([, c]) => !c.complete)
        .map(([status]) => status);
      if (capped.length > 0) result.capped = capped;
      return result;
    },

    async outboxDepth(limit): Promise<OutboxDepth> {
      // Two Queries of at most `limit` index keys each (KEYS_ONLY: ~100 bytes a key), whatever the table holds.
      const [pending, failed] = await Promise.all([countUpTo('pending', limit), countUpTo('failed', limit)]);
      const depth: OutboxDepth = { pending: pending.count, failed: failed.count };
      if (pending.oldestCreatedAt !== undefined) depth.oldestPendingAt = pending.oldestCreatedAt;
      const capped = [...(pending.capped ? ['pending' as const] : []), ...(failed.capped ? ['failed' as const] : [])];
      if (capped.length > 0) depth.capped = capped;
      return depth;
    },
  };
}
