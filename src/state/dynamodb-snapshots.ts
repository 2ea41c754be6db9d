import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { slackOf, type SlackMessage } from '../core/message.js';
import { PK, SK, TTL, ttlSeconds, type TableAccess } from './dynamodb-access.js';
import { readOutboxRow } from './dynamodb-outbox.js';
import { INTERACT_RETENTION_MS, type FindingSnapshot, type SnapshotStore, type StoredSnapshot } from './store.js';

/**
 * Finding snapshots of the DynamoDB store, for Slack actions: one item per (destination, finding), partition
 * `snapshot#<encodeURIComponent(destination)>#<finding id>`, sort key `snapshot`, expiring 90 days after the commit
 * that last wrote it. A commit sets the snapshot's own attributes only (UpdateItem), so the message saved after a
 * click (`savedMessage`, with `savedOutboxId`: the outbox row it was made from) survives a redelivered commit and is
 * ignored once a newer message (another outbox row) is the finding's latest.
 */

const SNAPSHOT_SK = 'snapshot';
/** Parallel snapshot writes per commit: as many as a batch has single messages, bounded. */
const WRITE_CONCURRENCY = 16;
const RETENTION_DAYS = INTERACT_RETENTION_MS / 86_400_000;

export function snapshotPk(destination: string, findingId: string): string {
  return `snapshot#${encodeURIComponent(destination)}#${findingId}`;
}

export interface DynamoDbSnapshots {
  group: SnapshotStore;
  /** What commit calls for its `snapshots`, after the outbox rows they point at. */
  writeRows(rows: readonly FindingSnapshot[]): Promise<void>;
}

/**
 * @example
 * const snapshots = createDynamoDbSnapshots(table);
 * await snapshots.writeRows(batch.snapshots ?? []);
 */
export function createDynamoDbSnapshots(table: TableAccess): DynamoDbSnapshots {
  const { tableName, doc, call, conditional } = table;

  async function writeRow(row: FindingSnapshot): Promise<void> {
    const values: Record<string, unknown> = { ':s': JSON.stringify(row), ':at': row.at, ':ttl': ttlSeconds(row.at, RETENTION_DAYS) };
    let set = '#snapshot = :s, #at = :at, #ttl = :ttl';
    let remove = '';
    if (row.outboxId !== undefined) {
      values[':o'] = row.outboxId;
      set += ', #outboxId = :o';
    } else {
      remove = ' REMOVE #outboxId';
    }
    await call('UpdateItem (snapshot)', () =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { [PK]: snapshotPk(row.destination, row.findingId), [SK]: SNAPSHOT_SK },
          UpdateExpression: `SET ${set}${remove}`,
          ExpressionAttributeNames: { '#snapshot': 'snapshot', '#at': 'at', '#ttl': TTL, '#outboxId': 'outboxId' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  const group: SnapshotStore = {
    async getSnapshot(destination, findingId) {
      const item = await table.getItem(snapshotPk(destination, findingId), SNAPSHOT_SK);
      // TTL deletes late (within days): an item past its TTL is gone for us.
      if (item === undefined || typeof item.snapshot !== 'string' || (typeof item[TTL] === 'number' && (item[TTL] as number) * 1000 <= table.now())) {
        return undefined;
      }
      const stored = JSON.parse(item.snapshot) as StoredSnapshot;
      const row = stored.outboxId === undefined ? undefined : await readOutboxRow(table, stored.outboxId);
      if (row?.sentTs !== undefined) stored.sentTs = row.sentTs;
      const saved =
        typeof item.savedMessage === 'string' && item.savedOutboxId === (stored.outboxId ?? '') ? (JSON.parse(item.savedMessage) as SlackMessage) : undefined;
      const message = saved ?? (row === undefined ? undefined : slackOf(row.message));
      if (message !== undefined) stored.message = message;
      return stored;
    },

    async saveSnapshotMessage(destination, findingId, message) {
      // Only onto an existing snapshot; the outbox row it was made from is the snapshot's current one.
      await conditional('UpdateItem (snapshot message)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: snapshotPk(destination, findingId), [SK]: SNAPSHOT_SK },
            UpdateExpression: 'SET #saved = :m, #savedOutboxId = if_not_exists(#outboxId, :none)',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#saved': 'savedMessage', '#savedOutboxId': 'savedOutboxId', '#outboxId': 'outboxId', '#pk': PK },
            ExpressionAttributeValues: { ':m': JSON.stringify(message), ':none': '' },
          }),
        ),
      );
    },
  };

  return {
    group,
    async writeRows(rows) {
      // The last of a finding wins within one batch, as in SQLite.
      const unique = [...new Map(rows.map((r) => [snapshotPk(r.destination, r.findingId), r])).values()];
      for (let i = 0; i < unique.length; i += WRITE_CONCURRENCY) {
        await Promise.all(unique.slice(i, i + WRITE_CONCURRENCY).map(writeRow));
      }
    },
  };
}
