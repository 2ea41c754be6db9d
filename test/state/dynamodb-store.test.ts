import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbStore } from '../../src/state/dynamodb-store.js';
import { OUTBOX_INDEX, TABLE_KEYS } from '../../src/state/dynamodb-table.js';
import type { LedgerEntry, OutboxRow, Store } from '../../src/state/store.js';
import { startTestDynamoDb, type TestDynamoDb } from '../support/local-dynamodb.js';
import { describeStoreConformance } from './store-conformance.js';

let ddb: TestDynamoDb;
let tables = 0;

beforeAll(async () => {
  ddb = await startTestDynamoDb();
});
afterAll(async () => {
  await ddb?.close();
});

async function freshTable(): Promise<string> {
  return ddb.createTable(`state-${++tables}`);
}

describeStoreConformance(`DynamoDB (${process.env.GDN_DYNAMODB === 'dynalite' ? 'dynalite' : 'DynamoDB Local'})`, async () => {
  const tableName = await freshTable();
  const opened: Store[] = [];
  const open = () => {
    const store = createDynamoDbStore({ tableName, client: ddb.client });
    opened.push(store);
    return store;
  };
  return {
    store: open(),
    reopen: async () => open(),
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
});

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const DAY = 86_400_000;

function ledgerEntry(findingId: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    destination: 'sec',
    findingId,
    firstNotifiedAt: T0,
    lastNotifiedAt: T0,
    lastBandRank: 2,
    lastSeverity: 5,
    lastCount: 1,
    lastSeenAt: T0,
    ...overrides,
  };
}

function outboxRow(id: string, overrides: Partial<OutboxRow> = {}): OutboxRow {
  return {
    id,
    destination: 'sec',
    kind: 'new',
    findingId: 'a',
    findingIds: ['a'],
    message: { slack: { text: id }, text: { subject: id, body: id }, attributes: {} },
    status: 'pending',
    attempts: 0,
    createdAt: T0,
    nextAttemptAt: T0,
    ...overrides,
  };
}

describe('DynamoDB store (table layout)', () => {
  it('writes the TTL attribute in epoch seconds: ledger 90 days after last seen, sent rows 7 days after sending', async () => {
    const tableName = await freshTable();
    const store = createDynamoDbStore({ tableName, client: ddb.client });
    const doc = DynamoDBDocumentClient.from(ddb.client);
    await store.commit({
      ledger: [ledgerEntry('a', { lastSeenAt: T0 + DAY })],
      outbox: [outboxRow('m1'), outboxRow('m2')],
      decisions: [{ at: T0, destination: 'sec', findingId: 'a', findingType: 't', title: 'x', severity: 5, outcome: 'notify', reason: { code: 'new' } }],
    });
    await store.markSent('m1', T0 + 2 * DAY);

    const get = async (pk: string, sk: string) =>
      (await doc.send(new GetCommand({ TableName: tableName, Key: { [TABLE_KEYS.partitionKey]: pk, [TABLE_KEYS.sortKey]: sk } }))).Item;
    const ledger = await get('ledger#sec#a', 'ledger');
    expect(ledger?.[TABLE_KEYS.ttlAttribute]).toBe((T0 + DAY) / 1000 + 90 * 86_400);
    expect(ledger?.version).toBe(1);
    const sent = await get('outbox#m1', 'outbox');
    expect(sent?.[TABLE_KEYS.ttlAttribute]).toBe((T0 + 2 * DAY) / 1000 + 7 * 86_400);
    expect(sent?.[OUTBOX_INDEX.partitionKey]).toBe('outbox#sent');
    const pending = await get('outbox#m2', 'outbox');
    // A pending row must never expire: that would be a lost message.
    expect(pending?.[TABLE_KEYS.ttlAttribute]).toBeUndefined();
    expect(pending?.[OUTBOX_INDEX.partitionKey]).toBe('outbox#pending');
    await store.close();
  });

  it('merges instead of losing an update when another Lambda wrote the ledger row since it was read', async () => {
    const tableName = await freshTable();
    const lambdaA = createDynamoDbStore({ tableName, client: ddb.client });
    const lambdaB = createDynamoDbStore({ tableName, client: ddb.client });
    await lambdaA.commit({ ledger: [ledgerEntry('a')], outbox: [], decisions: [] });

    // Both read version 1 ...
    await lambdaA.getLedger('sec', ['a']);
    await lambdaB.getLedger('sec', ['a']);
    // ... B escalates to critical and opens a thread first ...
    await lambdaB.commit({
      ledger: [ledgerEntry('a', { lastBandRank: 4, lastSeverity: 9, lastNotifiedAt: T0 + 60_000, lastSeenAt: T0 + 60_000, threadTs: 'B.1' })],
      outbox: [],
      decisions: [],
    });
    // ... then A, from its stale read, records a later sighting with a higher count.
    await lambdaA.commit({
      ledger: [ledgerEntry('a', { lastCount: 7, lastSeenAt: T0 + 120_000, lastSeverity: 5 })],
      outbox: [],
      decisions: [],
    });

    const merged = (await lambdaA.getLedger('sec', ['a'])).get('a');
    expect(merged).toEqual(
      ledgerEntry('a', {
        lastBandRank: 4, // the escalation B notified is kept: no second "escalated" message
        lastNotifiedAt: T0 + 60_000,
        lastSeverity: 5, // from the latest sighting
        lastCount: 7,
        lastSeenAt: T0 + 120_000,
        threadTs: 'B.1',
      }),
    );
    await lambdaA.close();
    await lambdaB.close();
  });

  it('withdraws its "new" message when another Lambda committed the same new finding first (one message, not two)', async () => {
    const tableName = await freshTable();
    const first = createDynamoDbStore({ tableName, client: ddb.client });
    const second = createDynamoDbStore({ tableName, client: ddb.client });
    // Both read the ledger before either commits: both decide "new", with different outbox ids (different updates).
    expect((await first.getLedger('sec', ['a'])).size).toBe(0);
    expect((await second.getLedger('sec', ['a'])).size).toBe(0);
    await first.commit({ ledger: [ledgerEntry('a')], outbox: [outboxRow('from-first')], decisions: [] });
    await second.commit({ ledger: [ledgerEntry('a', { lastCount: 2 })], outbox: [outboxRow('from-second')], decisions: [] });

    const pending = await first.duePending(T0 + 1, 10);
    expect(pending.map((row) => row.id)).toEqual(['from-first']);
    // The ledger kept both sightings' knowledge.
    expect((await first.getLedger('sec', ['a'])).get('a')?.lastCount).toBe(2);
    await first.close();
    await second.close();
  });

  it('never withdraws a message of the same id the other Lambda wrote (a redelivered batch)', async () => {
    const tableName = await freshTable();
    const first = createDynamoDbStore({ tableName, client: ddb.client });
    const second = createDynamoDbStore({ tableName, client: ddb.client });
    await first.getLedger('sec', ['a']);
    await second.getLedger('sec', ['a']);
    await first.commit({ ledger: [ledgerEntry('a')], outbox: [outboxRow('same')], decisions: [] });
    await second.commit({ ledger: [ledgerEntry('a')], outbox: [outboxRow('same')], decisions: [] });
    expect((await first.duePending(T0 + 1, 10)).map((row) => row.id)).toEqual(['same']);
    await first.close();
    await second.close();
  });

  it('does not return a row as due when its index entry is stale but the row is no longer pending', async () => {
    const tableName = await freshTable();
    const store = createDynamoDbStore({ tableName, client: ddb.client });
    const doc = DynamoDBDocumentClient.from(ddb.client);
    await store.commit({ ledger: [], outbox: [outboxRow('m1'), outboxRow('m2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 })], decisions: [] });
    // Simulate GSI lag: the row says sent, the index still files it under pending.
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'outbox#m1', sk: 'outbox' },
        UpdateExpression: 'SET #s = :sent',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent' },
      }),
    );
    expect((await store.duePending(T0 + 10, 1)).map((r) => r.id)).toEqual(['m2']);
    await store.close();
  });

  it('surfaces a missing table as a non-retryable StoreError naming the table', async () => {
    const store = createDynamoDbStore({ tableName: 'no-such-table', client: ddb.client });
    await expect(store.getCursor('x')).rejects.toMatchObject({ name: 'StoreError', retryable: false, message: expect.stringContaining('no-such-table') });
    await store.close();
  });
});
