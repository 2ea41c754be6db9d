import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { OUTBOX_INDEX } from './dynamodb-table.js';
import { BATCH_GET_MAX, PK, SK, TTL, pad, ttlSeconds, type Item, type TableAccess } from './dynamodb-access.js';
import type { OutboxRow, OutboxStatus, OutboxStore, StoreStats } from './store.js';

/**
 * The outbox group of the DynamoDB store: one item per row (every transition one conditional write), found through
 * the sparse `gsi1` index by status and due time and re-read consistently. Rows are written by the ledger group's
 * commit (dynamodb-ledger.ts) with `outboxItem`.
 */

const partitionOfStatus = { pending: 'outbox#pending', sent: 'outbox#sent', failed: 'outbox#failed' } as const satisfies Record<
  OutboxStatus,
  string
>;

export function outboxPk(id: string): string {
  return `outbox#${id}`;
}

function pendingOrder(nextAttemptAt: number, createdAt: number, seq: number, id: string): string {
  return `${pad(nextAttemptAt)}#${pad(createdAt)}#${pad(seq, 6)}#${id}`;
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

/** Compares rows the way the pending index orders them. */
function byDueOrder(a: { row: OutboxRow; seq: number }, b: { row: OutboxRow; seq: number }): number {
  return (
    a.row.nextAttemptAt - b.row.nextAttemptAt ||
    a.row.createdAt - b.row.createdAt ||
    a.seq - b.seq ||
    (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0)
  );
}

/** The item of a new outbox row; `seq` is its position in the commit (the last tie-break of the due order). */
export function outboxItem(row: OutboxRow, seq: number, sentOutboxDays: number): Item {
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

export function createDynamoDbOutbox(table: TableAccess, options: { sentOutboxDays: number }): OutboxStore {
  const { tableName, doc, conditional } = table;
  const { sentOutboxDays } = options;

  /**
   * Reads outbox rows through the index, in index order, re-reading each consistently and keeping those `accept`
   * still likes (the index is eventually consistent and may show a row's previous status or due time).
   */
  async function collectOutbox(
    status: OutboxStatus,
    limit: number,
    accept: (row: OutboxRow) => boolean,
    query: { forward: boolean; below?: string },
  ): Promise<OutboxRow[]> {
    const collected: Array<{ row: OutboxRow; seq: number }> = [];
    if (limit <= 0) return [];
    const values: Item = { ':p': partitionOfStatus[status] };
    let condition = '#gpk = :p';
    if (query.below !== undefined) {
      condition += ' AND #gsk < :below';
      values[':below'] = query.below;
    }
    await table.queryPages(
      () => ({
        IndexName: OUTBOX_INDEX.indexName,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: {
          '#gpk': OUTBOX_INDEX.partitionKey,
          ...(query.below !== undefined ? { '#gsk': OUTBOX_INDEX.sortKey } : {}),
        },
        ExpressionAttributeValues: values,
        ScanIndexForward: query.forward,
        // A few more than asked: some may turn out stale on the consistent re-read.
        Limit: Math.min(BATCH_GET_MAX, limit - collected.length + 5),
      }),
      async (out) => {
        const pks = (out.Items ?? []).map((item) => item[PK] as string);
        const items = await table.batchGet(pks, 'outbox');
        for (const pk of pks) {
          const item = items.get(pk);
          if (!item) continue;
          const row = toOutboxRow(item);
          if (row.status === status && accept(row)) collected.push({ row, seq: (item.seq as number | undefined) ?? 0 });
        }
        return collected.length < limit;
      },
    );
    if (status === 'pending') collected.sort(byDueOrder);
    return collected.slice(0, limit).map((c) => c.row);
  }

  async function countIndex(status: OutboxStatus): Promise<{ count: number; oldestCreatedAt?: number }> {
    let count = 0;
    let oldestCreatedAt: number | undefined;
    await table.queryPages(
      () => ({
        IndexName: OUTBOX_INDEX.indexName,
        KeyConditionExpression: '#gpk = :p',
        ExpressionAttributeNames: { '#gpk': OUTBOX_INDEX.partitionKey },
        ExpressionAttributeValues: { ':p': partitionOfStatus[status] },
        // Pending rows are read for their createdAt (inside the sort key); the others are only counted.
        ...(status === 'pending' ? {} : { Select: 'COUNT' as const }),
      }),
      (out) => {
        count += out.Count ?? 0;
        for (const item of out.Items ?? []) {
          const createdAt = Number(String(item[OUTBOX_INDEX.sortKey]).split('#')[1]);
          if (Number.isFinite(createdAt) && (oldestCreatedAt === undefined || createdAt < oldestCreatedAt)) {
            oldestCreatedAt = createdAt;
          }
        }
        return true;
      },
    );
    return oldestCreatedAt === undefined ? { count } : { count, oldestCreatedAt };
  }

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
      const item = await table.getItem(outboxPk(id), 'outbox');
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

    async stats(): Promise<StoreStats> {
      // From the index: eventually consistent, which is all a status page needs.
      const [pending, failed, sent] = await Promise.all([countIndex('pending'), countIndex('failed'), countIndex('sent')]);
      const result: StoreStats = { pending: pending.count, failed: failed.count, sent: sent.count };
      if (pending.oldestCreatedAt !== undefined) result.oldestPendingAt = pending.oldestCreatedAt;
      return result;
    },
  };
}
