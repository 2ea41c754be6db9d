import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import { createDynamoDbStore } from '../../src/state/dynamodb-store.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { INTERACT_RETENTION_MS, type Store } from '../../src/state/store.js';
import { startTestDynamoDb, type TestDynamoDb } from '../support/local-dynamodb.js';
import { auditRecord, snapshot } from './interact-store-conformance.js';

/**
 * How long each backend keeps what Slack actions write (the conformance suite leaves retention to each store):
 * audit records and finding snapshots 90 days, as GuardDuty keeps findings; replay keys until their window ends.
 */

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY = 86_400_000;

async function keptAfter(store: Store, setNow: (ms: number) => void): Promise<{ audit: string[]; snapshot: boolean }> {
  await store.appendAudit(auditRecord('old', T0));
  await store.commit({ ledger: [], outbox: [], decisions: [], snapshots: [snapshot('f-old', { outboxId: undefined, at: T0 })] });
  setNow(T0 + INTERACT_RETENTION_MS - 1);
  const before = { audit: (await store.listAudit({ since: 0 })).map((r) => r.id), snapshot: (await store.getSnapshot('sec', 'f-old')) !== undefined };
  expect(before).toEqual({ audit: ['old'], snapshot: true });
  setNow(T0 + INTERACT_RETENTION_MS + DAY);
  return { audit: (await store.listAudit({ since: 0 })).map((r) => r.id), snapshot: (await store.getSnapshot('sec', 'f-old')) !== undefined };
}

describe('retention of audit records and snapshots', () => {
  it('SQLite: gone 90 days on (reads stop at the bound; the periodic prune deletes the rows)', async () => {
    let now = T0;
    const store = createSqliteStore({ path: ':memory:', now: () => now });
    try {
      expect(await keptAfter(store, (ms) => (now = ms))).toEqual({ audit: [], snapshot: false });
    } finally {
      await store.close();
    }
  });

  it('in memory (Lambda without a table): gone 90 days on', async () => {
    let now = T0;
    const store = createMemoryStore({ now: () => now });
    expect(await keptAfter(store, (ms) => (now = ms))).toEqual({ audit: [], snapshot: false });
  });

  describe('DynamoDB', () => {
    let ddb: TestDynamoDb;
    beforeAll(async () => {
      ddb = await startTestDynamoDb();
    });
    afterAll(() => ddb.close());

    it('sets the TTL attribute 90 days on, and reads an item past it as gone before DynamoDB deletes it', async () => {
      const tableName = await ddb.createTable('interact-retention');
      let now = T0;
      const store = createDynamoDbStore({ tableName, client: ddb.client, now: () => now });
      try {
        expect(await keptAfter(store, (ms) => (now = ms))).toEqual({ audit: [], snapshot: false });
        const item = await ddb.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'audit' }, sk: { S: 'old' } } }));
        expect(Number(item.Item?.expiresAt?.N)).toBe(Math.ceil(T0 / 1000) + 90 * 86_400);
        // A replay key lives exactly its window.
        await store.claimOnce('v0=key', T0 + 300_000, T0);
        const key = await ddb.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'replay#v0=key' }, sk: { S: 'replay' } } }));
        expect(Number(key.Item?.expiresAt?.N)).toBe(Math.ceil((T0 + 300_000) / 1000));
      } finally {
        await store.close();
      }
    });
  });
});
