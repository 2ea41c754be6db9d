import { describe, expect, it } from 'vitest';
import type { DecisionRecord, LedgerEntry, MuteRule, OutboxRow } from '../../src/state/store.js';
import { outboxRow } from '../deliver/fixtures.js';
import { describeStoreConformance } from '../state/store-conformance.js';
import { createMemoryStore } from './memory-store.js';

// The double the drainer, daemon and backfill tests run on keeps the same contract as the real stores.
describeStoreConformance('In-memory (test double)', async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
});

const entry = (findingId: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  destination: 'sec',
  findingId,
  firstNotifiedAt: 1,
  lastNotifiedAt: 1,
  lastBandRank: 2,
  lastSeverity: 5,
  lastCount: 1,
  lastSeenAt: 1,
  ...extra,
});
const decision = (at: number): DecisionRecord => ({
  at,
  destination: 'sec',
  findingId: `f${at}`,
  findingType: 'Recon:EC2/PortProbeUnprotectedPort',
  title: 't',
  severity: 5,
  outcome: 'notify',
  reason: { code: 'new' },
});

describe('memory store (test double of Store)', () => {
  it('returns due pending rows oldest first, at most limit', async () => {
    const store = createMemoryStore();
    const rows: OutboxRow[] = [
      outboxRow('c', { createdAt: 3 }),
      outboxRow('a', { createdAt: 1 }),
      outboxRow('later', { createdAt: 0, nextAttemptAt: 500 }),
      outboxRow('b', { createdAt: 2 }),
    ];
    await store.commit({ ledger: [], outbox: rows, decisions: [] });
    expect((await store.duePending(100, 10)).map((r) => r.id)).toEqual(['row-a', 'row-b', 'row-c']);
    expect((await store.duePending(100, 2)).map((r) => r.id)).toEqual(['row-a', 'row-b']);
    // Due order is nextAttemptAt first (Store.duePending): a row held back until 500 comes after those due since 0.
    expect((await store.duePending(500, 4)).map((r) => r.id)).toEqual(['row-a', 'row-b', 'row-c', 'row-later']);
  });

  it('moves rows through sent, retry and failed, counting attempts', async () => {
    const store = createMemoryStore();
    await store.commit({ ledger: [], outbox: [outboxRow('a'), outboxRow('b'), outboxRow('c')], decisions: [] });
    await store.markRetry('row-a', 'slow', 1_000);
    await store.markSent('row-a', 2_000, '1.1');
    await store.markFailed('row-b', 'invalid_blocks', 3_000);
    const byId = new Map(store.outbox().map((r) => [r.id, r]));
    expect(byId.get('row-a')).toMatchObject({ status: 'sent', sentAt: 2_000, attempts: 2 });
    expect(byId.get('row-a')).not.toHaveProperty('lastError');
    expect(byId.get('row-b')).toMatchObject({ status: 'failed', lastError: 'invalid_blocks', attempts: 1 });
    expect(await store.stats()).toEqual({ pending: 1, failed: 1, sent: 1, oldestPendingAt: 1_000 });
    // Unknown ids are ignored, as by every Store (OutboxStore.markSent).
    await store.markSent('nope', 1);
    expect(store.outbox().map((r) => r.id)).toEqual(['row-a', 'row-b', 'row-c']);
  });

  it('does not turn a sent row back into pending when the same commit is replayed', async () => {
    const store = createMemoryStore();
    await store.commit({ ledger: [], outbox: [outboxRow('a')], decisions: [] });
    await store.markSent('row-a', 1);
    await store.commit({ ledger: [], outbox: [outboxRow('a')], decisions: [] });
    expect(store.outbox()[0]?.status).toBe('sent');
  });

  it('keeps a thread set by the drainer when a later ledger update does not carry it', async () => {
    const store = createMemoryStore();
    await store.commit({ ledger: [entry('f1')], outbox: [], decisions: [] });
    await store.setThreadTs('sec', 'f1', '1.000001');
    await store.commit({ ledger: [entry('f1', { lastCount: 2 })], outbox: [], decisions: [] });
    expect((await store.getLedger('sec', ['f1', 'f2'])).get('f1')).toMatchObject({ lastCount: 2, threadTs: '1.000001' });
  });

  it('hands out copies, not its own objects', async () => {
    const store = createMemoryStore();
    await store.commit({ ledger: [entry('f1')], outbox: [outboxRow('a')], decisions: [] });
    const [row] = await store.duePending(1_000, 1);
    if (row) row.status = 'failed';
    (await store.getLedger('sec', ['f1'])).get('f1')!.lastCount = 99;
    expect(store.outbox()[0]?.status).toBe('pending');
    expect((await store.getLedger('sec', ['f1'])).get('f1')?.lastCount).toBe(1);
  });

  it('lists recent decisions newest first and mutes not yet expired', async () => {
    const store = createMemoryStore();
    await store.commit({ ledger: [], outbox: [], decisions: [decision(1), decision(2), decision(3)] });
    expect((await store.recentDecisions(2)).map((d) => d.at)).toEqual([3, 2]);
    const mute: MuteRule = { id: 'm1', type: 'Recon:*', reason: 'noise', createdAt: 0, expiresAt: 100 };
    await store.addMute(mute);
    expect(await store.listMutes(99)).toEqual([mute]);
    expect(await store.listMutes(100)).toEqual([]);
    expect(await store.removeMute('m1')).toBe(true);
    expect(await store.removeMute('m1')).toBe(false);
  });

  it('keeps cursors and rejects every call after close', async () => {
    const store = createMemoryStore();
    await store.setCursor('us-east-1/d1', 42);
    expect(await store.getCursor('us-east-1/d1')).toBe(42);
    expect(await store.getCursor('other')).toBeUndefined();
    await store.close();
    await expect(store.stats()).rejects.toThrow(/closed/);
  });
});
