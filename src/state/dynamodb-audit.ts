import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditLog, AuditRecord } from '../interact/audit-record.js';
import { PK, SK, TTL, ttlSeconds, type TableAccess } from './dynamodb-access.js';
import { INTERACT_RETENTION_MS } from './store.js';

/**
 * The audit log of the DynamoDB store: partition `audit`, one item per record id (a redelivered job writes the same
 * id: replaced, never doubled), expiring 90 days after the action. Listing reads the partition with a consistent,
 * page-capped Query and sorts newest first: what it reads is at most 90 days of clicks (people clicking, a few hundred
 * bytes each), whatever the table has seen before.
 */

const AUDIT_PK = 'audit';
const RETENTION_DAYS = INTERACT_RETENTION_MS / 86_400_000;

export function createDynamoDbAudit(table: TableAccess): AuditLog {
  const { tableName, doc, call } = table;
  return {
    async appendAudit(record) {
      await call('PutItem (audit)', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { [PK]: AUDIT_PK, [SK]: record.id, at: record.at, record: JSON.stringify(record), [TTL]: ttlSeconds(record.at, RETENTION_DAYS) },
          }),
        ),
      );
    },

    async listAudit({ since, limit = 1000 }) {
      const cutoff = Math.max(since, table.now() - INTERACT_RETENTION_MS);
      const records: AuditRecord[] = [];
      await table.queryPages(
        () => ({
          KeyConditionExpression: '#pk = :p',
          FilterExpression: '#at >= :since',
          ExpressionAttributeNames: { '#pk': PK, '#at': 'at' },
          ExpressionAttributeValues: { ':p': AUDIT_PK, ':since': cutoff },
          ConsistentRead: true,
        }),
        (out) => {
          for (const item of out.Items ?? []) records.push(JSON.parse(item.record as string) as AuditRecord);
          return true;
        },
      );
      return records.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, Math.max(0, limit));
    },
  };
}
