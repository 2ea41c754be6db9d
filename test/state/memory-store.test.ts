import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memory-store.js';
import type { OutboxRow } from '../../src/state/store.js';
import { CONFORMANCE_T0, describeStoreConformance, ledgerEntry } from './store-conformance.js';

// The store the Lambda runs on without STATE_TABLE, with its production bounds.
describeStoreConformance('In-memory (src/state, Lambda without a table)', async () => {
  const store = createMemoryStore({ now: () => CONFORMANCE_T0 });
  return { store, cleanup: () => store.close() };
});

const T0 = CONFORMANCE_T0;

const entry = ledgerEntry;

const row = (id: string, findingIds: string[], extra: Partial<OutboxRow> = {}): OutboxRow => ({
  id,
  destination: 'sec',
  kind: findingIds.length > 1 ? 'digest' : 'new',
  ...(findingIds.length === 1 ? { findingId: findingIds[0] } : {}),
  findingIds,
  message: { slack: { text: id }, text: { subject: id, body: id }, attributes: {} },
  status: 'pending',
  attempts: 0,
  createdAt: T0,
  nextAttemptAt: T0,
  ...extra,
});

describe('memory store (src/state)', () => {
  it('withdraws an undelivered message and puts the ledger of its findings back as it was before that commit', async () => {
    const store = createMemoryStore({ now: () => T0 });
    // Known before: b (its escalation will not go out). New in this commit: a (single) and c, d (a digest).
    await store.commit({ ledger: [entry('b')], outbox: [], decisions: [] });
    await store.commit({
      ledger: [entry('a'), entry('b', { lastBandRank: 4, lastSeverity: 9 }), entry('c'), entry('d'), entry('quiet', { lastCount: 3 })],
      outbox: [row('m-a', ['a']), row('m-b', ['b'], { kind: 'escalated' }), row('m-cd', ['c', 'd'])],
      decisions: [],
    });
    await store.markSent('m-a', T0 + 1);
    await store.markFailed('m-cd', 'invalid_blocks', T0 + 1);

    await store.withdraw(['m-b', 'm-cd', 'm-a', 'unknown']);

    const ledger = await store.getLedger('sec', ['a', 'b', 'c', 'd', 'quiet']);
    expect(ledger.get('a')).toEqual(entry('a')); // delivered: remembered
    expect(ledger.get('b')).toEqual(entry('b')); // back to before the escalation: a redelivery escalates again
    expect(ledger.has('c') || ledger.has('d')).toBe(false); // never delivered: new again
    expect(ledger.get('quiet')?.lastCount).toBe(3); // no message of its own: nothing to take back
    expect((await store.listOutbox({ limit: 10 })).map((r) => r.id)).toEqual(['m-a']);
  });

  it('stays bounded in a warm container: the least recently written ledger entries and old sent rows go', async () => {
    let now = T0;
    const store = createMemoryStore({ now: () => now, maxLedgerEntries: 3, keepSent: 2 });
    for (const id of ['a', 'b', 'c', 'd']) await store.commit({ ledger: [entry(id)], outbox: [row(`m-${id}`, [id])], decisions: [] });
    // Writing a again makes b the least recently written.
    await store.commit({ ledger: [entry('b', { lastCount: 2 })], outbox: [], decisions: [] });
    expect([...(await store.getLedger('sec', ['a', 'b', 'c', 'd'])).keys()].sort()).toEqual(['b', 'c', 'd']);
    for (const id of ['a', 'b', 'c']) await store.markSent(`m-${id}`, (now += 1_000));
    expect((await store.listOutbox({ status: 'sent', limit: 10 })).map((r) => r.id)).toEqual(['m-c', 'm-b']);
    now += 8 * 86_400_000;
    await store.markSent('m-d', now);
    expect((await store.listOutbox({ status: 'sent', limit: 10 })).map((r) => r.id)).toEqual(['m-d']);
  });
});
