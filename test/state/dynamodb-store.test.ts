import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { OUTBOX_BODY_DICTIONARY_DF1 } from '../../src/state/outbox-body-dictionary.js';
import { GetCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbStore } from '../../src/state/dynamodb-store.js';
import { OUTBOX_INDEX, TABLE_KEYS } from '../../src/state/dynamodb-table.js';
import type { OutboxRow, Store } from '../../src/state/store.js';
import { startTestDynamoDb, type TestDynamoDb } from '../support/local-dynamodb.js';
import { CONFORMANCE_T0, describeStoreConformance, ledgerEntry } from './store-conformance.js';

let ddb: TestDynamoDb;
let tables = 0;

beforeAll(async () => {
  ddb = await startTestDynamoDb();
});
afterAll(async () => {
  await ddb?.close();
});

/**
 * The store's clock: the suite's rows are written near CONFORMANCE_T0, and the store decides expiry (ledger TTL, sent
 * rows, decisions) by its own clock, as it must while DynamoDB has not yet deleted an expired item.
 */
const clock = (): number => CONFORMANCE_T0;
/** The sha-256 of outbox body format df1's dictionary, as first shipped. */
const DICTIONARY_DF1_SHA256 = '3284a0d13be7c5f4cfc851bc745a34e03aa29771a998d3396d760780052aac39';

async function freshTable(): Promise<string> {
  return ddb.createTable(`state-${++tables}`);
}

describeStoreConformance(`DynamoDB (${process.env.GDN_DYNAMODB === 'dynalite' ? 'dynalite' : 'DynamoDB Local'})`, async () => {
  const tableName = await freshTable();
  const opened: Store[] = [];
  const open = () => {
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
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

const T0 = CONFORMANCE_T0;
const DAY = 86_400_000;


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
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
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
    const lambdaA = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
    const lambdaB = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
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
    const first = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
    const second = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
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
    const first = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
    const second = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
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
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
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

  it('migrates a table from before WAF ownership on first read: blocks in force the old history names start as ours', async () => {
    const tableName = await freshTable();
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
    const doc = DynamoDBDocumentClient.from(ddb.client);
    const row = (ip: string, state: 'active' | 'removed') => ({
      ip, cidr: `${ip}/32`, family: 4 as const, target: 'alb', since: T0, until: T0 + DAY, rule: 'r', direction: 'source' as const, state, reason: 't', updatedAt: T0, extensions: 0,
    });
    await store.putBlocks([row('185.220.101.1', 'active'), row('185.220.101.2', 'active'), row('185.220.101.3', 'active')]);
    await store.putBlocks([{ ...row('185.220.101.2', 'removed'), updatedAt: T0 + 1 }]);
    // The old history items: every address ever enforced (.3 has none: a block written after the history stopped).
    for (const cidr of ['185.220.101.1/32', '185.220.101.2/32', '185.220.101.7/32']) {
      await doc.send(new PutCommand({ TableName: tableName, Item: { [TABLE_KEYS.partitionKey]: 'blockhist#alb', [TABLE_KEYS.sortKey]: cidr, since: T0 } }));
    }
    expect(await store.listBlockOwnership('alb')).toEqual([{ target: 'alb', cidr: '185.220.101.1/32', state: 'added', at: T0 }]);
    // Once: a record forgotten since is not brought back by a second read.
    await store.changeBlockOwnership([{ target: 'alb', cidr: '185.220.101.1/32', before: { target: 'alb', cidr: '185.220.101.1/32', state: 'added', at: T0 } }]);
    expect(await store.listBlockOwnership('alb')).toEqual([]);
    await store.close();
  });

  it('surfaces a missing table as a non-retryable StoreError naming the table', async () => {
    const store = createDynamoDbStore({ tableName: 'no-such-table', client: ddb.client });
    await expect(store.getCursor('x')).rejects.toMatchObject({ name: 'StoreError', retryable: false, message: expect.stringContaining('no-such-table') });
    await store.close();
  });

  it('keeps the message in a compressed body item written once, so state changes rewrite only a small item', async () => {
    const tableName = await freshTable();
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
    const doc = DynamoDBDocumentClient.from(ddb.client);
    const blocks = Array.from({ length: 20 }, (_, i) => ({ type: 'section', text: { type: 'mrkdwn', text: `*Field ${i}* value ${i} ü 🚨` } }));
    const message = { slack: { text: 'big', blocks }, text: { subject: 'big', body: 'x'.repeat(2_000) }, attributes: { band: 'high' } } as OutboxRow['message'];
    const digestIds = Array.from({ length: 40 }, (_, i) => `finding-${i}`);
    await store.commit({ ledger: [], outbox: [outboxRow('big', { message, kind: 'digest', findingIds: digestIds })], decisions: [] });
    const get = async (sk: string) =>
      (await doc.send(new GetCommand({ TableName: tableName, Key: { [TABLE_KEYS.partitionKey]: 'outbox#big', [TABLE_KEYS.sortKey]: sk } }))).Item;
    const state = await get('outbox');
    const body = await get('body');
    expect(state).not.toHaveProperty('message');
    expect(state).not.toHaveProperty('findingIds');
    // Under 1 KB: each claim / sent / retry is 1 write unit (an update is billed on the larger of before and after).
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(1_024);
    expect(body?.fmt).toBe('df1');
    expect((body?.b as Uint8Array).byteLength).toBeLessThan(JSON.stringify(message).length / 3);
    // The body lives 90 days (GuardDuty's retention) from when it was written; it is never updated.
    expect(body?.[TABLE_KEYS.ttlAttribute]).toBe(T0 / 1000 + 90 * 86_400);

    expect(await store.claim('big', T0, T0 + 60_000)).toBe(true);
    await store.markSent('big', T0 + 1_000, '1.2');
    expect(await get('body')).toEqual(body);
    const [sent] = await store.listOutbox({ status: 'sent', limit: 1 });
    expect(sent).toMatchObject({ id: 'big', kind: 'digest', findingIds: digestIds, message, sentTs: '1.2', attempts: 1 });
    await store.close();
  });

  it('keeps the body format\'s dictionary frozen: bodies already stored are inflated with exactly these bytes', () => {
    // Changing the dictionary breaks every stored body: a new one is a new format tag (dynamodb-outbox.ts), not an edit.
    expect(createHash('sha256').update(OUTBOX_BODY_DICTIONARY_DF1).digest('hex')).toBe(DICTIONARY_DF1_SHA256);
  });

  it('still reads an outbox row written before the body had its own item (message inline)', async () => {
    const tableName = await freshTable();
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock });
    const doc = DynamoDBDocumentClient.from(ddb.client);
    const legacy = outboxRow('legacy');
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: 'outbox#legacy', sk: 'outbox' },
        UpdateExpression: 'SET #id = :id, destination = :d, kind = :k, findingId = :f, findingIds = :fs, message = :m, #s = :p, attempts = :z, createdAt = :t, nextAttemptAt = :t, seq = :z, gsi1pk = :gpk, gsi1sk = :gsk',
        ExpressionAttributeNames: { '#id': 'id', '#s': 'status' },
        ExpressionAttributeValues: {
          ':id': 'legacy', ':d': 'sec', ':k': 'new', ':f': 'a', ':fs': ['a'], ':m': JSON.stringify(legacy.message), ':p': 'pending', ':z': 0, ':t': T0,
          ':gpk': 'outbox#pending', ':gsk': `${String(T0).padStart(16, '0')}#${String(T0).padStart(16, '0')}#000000#legacy`,
        },
      }),
    );
    expect(await store.duePending(T0, 5)).toEqual([legacy]);
    await store.close();
  });

  it('treats a ledger row past its TTL as absent before DynamoDB deletes it, and writes the finding afresh', async (context) => {
    if (ddb.engine !== 'dynamodb-local') return context.skip(); // dynalite has no TTL
    const tableName = await freshTable();
    await ddb.enableTtl(tableName);
    const ttl = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TABLE_KEYS.ttlAttribute });

    let now = T0;
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: () => now, ttl: { ledgerDays: 30 } });
    await store.commit({ ledger: [ledgerEntry('a', { lastBandRank: 4, lastSeverity: 9 })], outbox: [], decisions: [] });
    await store.setThreadTs('sec', 'a', 'old.thread');
    now = T0 + 30 * DAY - 1_000;
    expect((await store.getLedger('sec', ['a'])).get('a')).toMatchObject({ lastBandRank: 4, threadTs: 'old.thread' });

    // Past lastSeenAt + 30 days. DynamoDB (Local, and AWS within days) still holds the item: the store must not.
    now = T0 + 30 * DAY + 1_000;
    const raw = await DynamoDBDocumentClient.from(ddb.client).send(
      new GetCommand({ TableName: tableName, Key: { pk: 'ledger#sec#a', sk: 'ledger' }, ConsistentRead: true }),
    );
    expect(raw.Item?.lastBandRank).toBe(4);
    expect((await store.getLedger('sec', ['a'])).has('a')).toBe(false);

    // The finding comes back: decided new, its row written as new (not merged into the expired one), without the old thread.
    const fresh = ledgerEntry('a', { firstNotifiedAt: now, lastNotifiedAt: now, lastSeenAt: now, lastBandRank: 2, lastSeverity: 5 });
    await store.commit({ ledger: [fresh], outbox: [], decisions: [] });
    expect((await store.getLedger('sec', ['a'])).get('a')).toEqual(fresh);

    // The same through a store that never read the row (another Lambda): it merges only with a live row.
    await store.close();
    const other = createDynamoDbStore({ tableName, client: ddb.client, now: () => now + 31 * DAY, ttl: { ledgerDays: 30 } });
    const later = ledgerEntry('a', { firstNotifiedAt: now + 31 * DAY, lastNotifiedAt: now + 31 * DAY, lastSeenAt: now + 31 * DAY, lastBandRank: 1 });
    await other.commit({ ledger: [later], outbox: [], decisions: [] });
    expect((await other.getLedger('sec', ['a'])).get('a')).toEqual(later);
    await other.close();
  });

  it('leaves sent rows and decisions older than their retention out of what it reads, though TTL has not deleted them', async () => {
    const tableName = await freshTable();
    let now = T0;
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: () => now });
    await store.commit({
      ledger: [],
      outbox: [outboxRow('m1'), outboxRow('m2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 })],
      decisions: [{ at: T0, destination: 'sec', findingId: 'a', findingType: 't', title: 'x', severity: 5, outcome: 'notify', reason: { code: 'new' } }],
    });
    await store.markSent('m1', T0 + 1_000);
    now = T0 + 8 * DAY;
    await store.markSent('m2', now);
    expect((await store.listOutbox({ status: 'sent', limit: 10 })).map((r) => r.id)).toEqual(['m2']);
    expect(await store.stats()).toEqual({ pending: 0, failed: 0, sent: 1 });
    expect(await store.recentDecisions(10)).toEqual([]);
    await store.close();
  });

  it('says a count is capped when it stopped at its bound, instead of passing it off as exact', async () => {
    const tableName = await freshTable();
    const store = createDynamoDbStore({ tableName, client: ddb.client, now: clock, queryBounds: { maxPages: 2, countPageItems: 3 } });
    const rows = Array.from({ length: 8 }, (_, i) => outboxRow(`r${i}`, { createdAt: T0 + i, nextAttemptAt: T0 + i }));
    await store.commit({ ledger: [], outbox: rows, decisions: [] });
    for (const row of rows.slice(0, 7)) await store.markSent(row.id, T0 + 100);
    // 7 sent rows, 3 a page, 2 pages: "at least 6". One pending row: exact.
    expect(await store.stats()).toEqual({ pending: 1, failed: 0, sent: 6, oldestPendingAt: T0 + 7, capped: ['sent'] });
    // What a batch reads stays one bounded Query per status, whatever is kept.
    expect(await store.outboxDepth(100)).toEqual({ pending: 1, failed: 0, oldestPendingAt: T0 + 7 });
    await store.close();
  });
});
