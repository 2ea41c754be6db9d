import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PK, SK, TTL, itemKey, pad, ttlSeconds, type Item, type TableAccess } from './dynamodb-access.js';
import { OUTBOX_INDEX } from './dynamodb-table.js';
import { INTERACT_RETENTION_MS, type Acknowledgement, type EscalationRow, type OnCallStore, type PageRecord } from './store.js';

/**
 * The on-call group of the DynamoDB store:
 * - escalation rows: partition `escalation`, sort key a hash of the row id (ids hold finding ids of any length); a
 *   waiting row with a deadline also carries `gsi1pk = escalation#waiting`, `gsi1sk = <dueAt>#<id hash>`, so "what is
 *   due" is a Query of the sparse index (the outbox's), re-read consistently; each step is a conditional put on the
 *   step and state read, so two Lambda invocations never both advance one step;
 * - acknowledgements: partition `ack`, one item per finding, put only if absent (the first wins);
 * - pages: partition `page`, sort key `<ref>#<destination>`.
 * Everything expires 90 days after it was written (the audit log's retention); `status` reads 7 days of rows.
 */

const ESCALATION_PK = 'escalation';
const ACK_PK = 'ack';
const PAGE_PK = 'page';
const WAITING = 'escalation#waiting';
const RETENTION_DAYS = INTERACT_RETENTION_MS / 86_400_000;

const hashed = (value: string): string => createHash('sha256').update(value).digest('hex');

function escalationItem(row: EscalationRow): Item {
  const item: Item = {
    [PK]: ESCALATION_PK,
    [SK]: hashed(row.id),
    at: row.createdAt,
    step: row.step,
    state: row.state,
    row: JSON.stringify(row),
    [TTL]: ttlSeconds(row.createdAt, RETENTION_DAYS),
  };
  if (row.state === 'waiting' && row.dueAt !== null) {
    item[OUTBOX_INDEX.partitionKey] = WAITING;
    item[OUTBOX_INDEX.sortKey] = `${pad(row.dueAt)}#${hashed(row.id)}`;
  }
  return item;
}

const rowOf = (item: Item): EscalationRow => JSON.parse(item.row as string) as EscalationRow;

export interface DynamoDbOnCall {
  group: OnCallStore;
  /** commit's `escalations` (each only if absent) and `pages`, after the outbox rows. */
  writeRows(escalations: readonly EscalationRow[] | undefined, pages: readonly PageRecord[] | undefined): Promise<void>;
}

export function createDynamoDbOnCall(table: TableAccess): DynamoDbOnCall {
  const { tableName, doc, conditional, call } = table;

  function putIfAbsent(item: Item): Promise<boolean> {
    return conditional('PutItem (on call)', () =>
      doc.send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } })),
    );
  }

  async function writeRows(escalations: readonly EscalationRow[] | undefined, pages: readonly PageRecord[] | undefined): Promise<void> {
    for (const row of escalations ?? []) await putIfAbsent(escalationItem(row));
    if (pages !== undefined && pages.length > 0) {
      await table.batchPut(
        pages.map((page) => ({ [PK]: PAGE_PK, [SK]: `${page.ref}#${page.destination}`, at: page.at, page: JSON.stringify(page), [TTL]: ttlSeconds(page.at, RETENTION_DAYS) })),
      );
    }
  }

  async function partition(pk: string, since: number, prefix?: string): Promise<Item[]> {
    const items: Item[] = [];
    await table.queryPages(
      () => ({
        KeyConditionExpression: prefix === undefined ? '#pk = :p' : '#pk = :p AND begins_with(#sk, :prefix)',
        FilterExpression: '#at >= :since',
        ExpressionAttributeNames: { '#pk': PK, '#at': 'at', ...(prefix === undefined ? {} : { '#sk': SK }) },
        ExpressionAttributeValues: { ':p': pk, ':since': since, ...(prefix === undefined ? {} : { ':prefix': prefix }) },
        ConsistentRead: true,
      }),
      (out) => {
        for (const item of out.Items ?? []) items.push(item);
        return true;
      },
    );
    return items;
  }

  const group: OnCallStore = {
    async getEscalations(ids) {
      const found = await table.batchGetKeys(ids.map((id) => ({ pk: ESCALATION_PK, sk: hashed(id) })));
      const out = new Map<string, EscalationRow>();
      for (const id of ids) {
        const item = found.get(itemKey(ESCALATION_PK, hashed(id)));
        if (item !== undefined) out.set(id, rowOf(item));
      }
      return out;
    },

    async dueEscalations(now, limit) {
      const keys: Array<{ pk: string; sk: string }> = [];
      await table.queryPages(
        () => ({
          IndexName: OUTBOX_INDEX.indexName,
          KeyConditionExpression: '#gpk = :p AND #gsk < :below',
          ExpressionAttributeNames: { '#gpk': OUTBOX_INDEX.partitionKey, '#gsk': OUTBOX_INDEX.sortKey },
          // Every key due at `now` sorts below `<now + 1>#`.
          ExpressionAttributeValues: { ':p': WAITING, ':below': `${pad(now + 1)}#` },
          Limit: Math.min(100, Math.max(1, limit - keys.length + 5)),
        }),
        (out) => {
          for (const item of out.Items ?? []) keys.push({ pk: item[PK] as string, sk: item[SK] as string });
          return keys.length < limit + 5;
        },
      );
      // The index lags: re-read consistently and keep what is still waiting and due.
      const items = await table.batchGetKeys(keys);
      return [...items.values()]
        .map(rowOf)
        .filter((row) => row.state === 'waiting' && row.dueAt !== null && row.dueAt <= now)
        .sort((a, b) => a.dueAt! - b.dueAt! || (a.id < b.id ? -1 : 1))
        .slice(0, Math.max(0, limit));
    },

    updateEscalation(row, from) {
      return conditional('PutItem (escalation step)', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: escalationItem(row),
            ConditionExpression: '#step = :step AND #state = :state',
            ExpressionAttributeNames: { '#step': 'step', '#state': 'state' },
            ExpressionAttributeValues: { ':step': from.step, ':state': from.state },
          }),
        ),
      );
    },

    async listEscalations(since, limit) {
      const rows = (await partition(ESCALATION_PK, since)).map(rowOf);
      return rows.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1)).slice(0, Math.max(0, limit));
    },

    async recordAck(ack) {
      const item = { [PK]: ACK_PK, [SK]: hashed(ack.findingId), at: ack.at, ack: JSON.stringify(ack), [TTL]: ttlSeconds(ack.at, RETENTION_DAYS) };
      if (await putIfAbsent(item)) return { recorded: true, ack };
      const stored = await table.getItem(ACK_PK, hashed(ack.findingId));
      return { recorded: false, ack: stored === undefined ? ack : (JSON.parse(stored.ack as string) as Acknowledgement) };
    },

    async getAcks(findingIds) {
      const found = await table.batchGetKeys(findingIds.map((id) => ({ pk: ACK_PK, sk: hashed(id) })));
      const out = new Map<string, Acknowledgement>();
      for (const id of findingIds) {
        const item = found.get(itemKey(ACK_PK, hashed(id)));
        if (item !== undefined) out.set(id, JSON.parse(item.ack as string) as Acknowledgement);
      }
      return out;
    },

    async removeAck(findingId) {
      const out = await call('DeleteItem (ack)', () =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: { [PK]: ACK_PK, [SK]: hashed(findingId) }, ReturnValues: 'ALL_OLD' })),
      );
      return out.Attributes !== undefined;
    },

    async getPages(ref) {
      if (!/^[0-9a-f]{8}$/.test(ref)) return [];
      const items = await partition(PAGE_PK, 0, `${ref}#`);
      return items.map((item) => JSON.parse(item.page as string) as PageRecord).sort((a, b) => (a.destination < b.destination ? -1 : 1));
    },
  };

  return { group, writeRows };
}
