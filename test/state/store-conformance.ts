import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecisionRecord, LedgerEntry, MuteRule, OutboxRow, Store } from '../../src/state/store.js';
import { toLoggedDecision } from '../../src/policy/decision-record.js';
import type { RenderedMessage } from '../../src/core/message.js';
import { describeBlockStoreConformance } from './block-store-conformance.js';
import { describeInteractStoreConformance } from './interact-store-conformance.js';
import { describeOnCallStoreConformance } from './on-call-store-conformance.js';

export interface StoreUnderTest {
  store: Store;
  /** Closes everything this handle opened and removes its data (file, table). */
  cleanup(): Promise<void>;
  /**
   * A new Store over the same data, as after a restart (daemon) or in a fresh Lambda container. The caller closes the
   * old store first. Optional: a store that cannot outlive its process (`:memory:`) leaves it out.
   */
  reopen?(): Promise<Store>;
}

/**
 * The suite's "now": every time it writes is near this instant. A store that prunes by its own clock (SQLite drops
 * sent rows after 7 days) must be given this clock, or the restart test sees last year's sent rows pruned.
 */
export const CONFORMANCE_T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const T0 = CONFORMANCE_T0;
const MIN = 60_000;

function message(text: string): RenderedMessage {
  return {
    slack: {
      text,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${text}* &lt;not a link&gt; ü 🚨` } }],
      unfurl_links: false,
    },
    text: { subject: text, body: `${text}\nline two` },
    attributes: { severity: '8.0', band: 'high' },
  };
}

export function outboxRow(id: string, overrides: Partial<OutboxRow> = {}): OutboxRow {
  const findingId = overrides.findingId ?? `f-${id}`;
  return {
    id,
    destination: 'sec',
    kind: 'new',
    findingId,
    findingIds: [findingId],
    message: message(`message ${id}`),
    status: 'pending',
    attempts: 0,
    createdAt: T0,
    nextAttemptAt: T0,
    ...overrides,
  };
}

export function ledgerEntry(findingId: string, overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    destination: 'sec',
    findingId,
    firstNotifiedAt: T0,
    lastNotifiedAt: T0,
    lastBandRank: 3,
    lastSeverity: 8,
    lastCount: 1,
    lastSeenAt: T0,
    ...overrides,
  };
}

function decision(findingId: string, at: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    at,
    destination: 'sec',
    findingId,
    findingType: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    title: `EC2 instance querying a Bitcoin domain (${findingId})`,
    severity: 8,
    outcome: 'notify',
    reason: { code: 'new' },
    ...overrides,
  };
}

function mute(id: string, expiresAt: number, overrides: Partial<MuteRule> = {}): MuteRule {
  return { id, type: 'Recon:*', reason: 'scanner noise', createdBy: 'U123', createdAt: T0, expiresAt, ...overrides };
}

const empty = { ledger: [], outbox: [], decisions: [] };

/**
 * The contract of `Store`, group by group, run against every implementation: SQLite, DynamoDB (DynamoDB Local or
 * dynalite) and the in-memory double of test/support. A behaviour belongs here when the pipeline or the drainer relies
 * on it; implementation details (pruning, TTLs) are tested beside each store.
 * `leases`: the store is shared by concurrent drainers (DynamoDB) and must lease rows (see OutboxStore.claim).
 */
export function describeStoreConformance(
  name: string,
  makeStore: () => Promise<StoreUnderTest>,
  capabilities: { leases: boolean } = { leases: true },
): void {
  describe(`${name} store (conformance)`, () => {
    let handle: StoreUnderTest;
    let store: Store;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.cleanup();
    });

    // One describe per group of Store (src/state/store.ts); a new group adds its own here.
    describe('LedgerStore: getLedger, commit, setThreadTs', () => {
      describe('ledger rows', () => {
        it('reports nothing for findings it has never seen', async () => {
          const ledger = await store.getLedger('sec', ['a', 'b']);
          expect(ledger.size).toBe(0);
        });

        it('returns what commit wrote, field for field, only for the destination asked', async () => {
          const withNulls = ledgerEntry('b', { lastSeverity: null, lastBandRank: 0 });
          const threaded = ledgerEntry('c', { threadTs: '1736942400.000100' });
          await store.commit({ ...empty, ledger: [ledgerEntry('a'), withNulls, threaded, ledgerEntry('a', { destination: 'ops' })] });

          const ledger = await store.getLedger('sec', ['a', 'b', 'c', 'missing']);
          expect([...ledger.keys()].sort()).toEqual(['a', 'b', 'c']);
          expect(ledger.get('a')).toEqual(ledgerEntry('a'));
          expect(ledger.get('b')).toEqual(withNulls);
          expect(ledger.get('c')).toEqual(threaded);
          expect((await store.getLedger('ops', ['a', 'b'])).get('a')?.destination).toBe('ops');
          expect((await store.getLedger('ops', ['a', 'b'])).has('b')).toBe(false);
        });

        it('replaces a row with the next entry the policy computed from it', async () => {
          await store.commit({ ...empty, ledger: [ledgerEntry('a')] });
          const before = (await store.getLedger('sec', ['a'])).get('a');
          expect(before).toBeDefined();
          const next = ledgerEntry('a', {
            lastNotifiedAt: T0 + 30 * MIN,
            lastBandRank: 4,
            lastSeverity: 9.5,
            lastCount: 12,
            lastSeenAt: T0 + 30 * MIN,
          });
          await store.commit({ ...empty, ledger: [next] });
          expect((await store.getLedger('sec', ['a'])).get('a')).toEqual(next);
        });

        it('keeps many rows apart (a burst of 120 sample findings, past every batch size)', async () => {
          const ids = Array.from({ length: 120 }, (_, i) => `sample-${String(i).padStart(3, '0')}`);
          await store.commit({
            ledger: ids.map((id, i) => ledgerEntry(id, { lastCount: i })),
            outbox: ids.map((id, i) => outboxRow(`o-${id}`, { findingId: id, findingIds: [id], createdAt: T0 + i, nextAttemptAt: T0 + i })),
            decisions: ids.map((id, i) => decision(id, T0 + i)),
          });
          const ledger = await store.getLedger('sec', ids);
          expect(ledger.size).toBe(120);
          expect(ledger.get('sample-119')?.lastCount).toBe(119);
          const due = await store.duePending(T0 + 1000, 300);
          expect(due.map((r) => r.findingId)).toEqual(ids);
          expect((await store.recentDecisions(300)).length).toBe(120);
        });
      });

      describe('commit (ledger, outbox and decisions together)', () => {
        it('makes ledger, outbox and decisions visible together', async () => {
          await store.commit({
            ledger: [ledgerEntry('a')],
            outbox: [outboxRow('m1', { findingId: 'a', findingIds: ['a'] })],
            decisions: [decision('a', T0), decision('b', T0, { outcome: 'suppress', reason: { code: 'below-threshold' } })],
          });
          expect((await store.getLedger('sec', ['a'])).has('a')).toBe(true);
          const [row] = await store.listOutbox({ limit: 10 });
          expect(row).toEqual(outboxRow('m1', { findingId: 'a', findingIds: ['a'] }));
          expect((await store.recentDecisions(10)).map((d) => d.findingId).sort()).toEqual(['a', 'b']);
          expect(await store.stats()).toEqual({ pending: 1, failed: 0, sent: 0, oldestPendingAt: T0 });
        });

        it('keeps the message exactly as rendered (unicode, escapes, nesting)', async () => {
          const row = outboxRow('m1');
          await store.commit({ ...empty, outbox: [row] });
          const [stored] = await store.duePending(T0, 1);
          expect(stored?.message).toEqual(row.message);
        });

        it('keeps a digest row with many finding ids and no findingId', async () => {
          const ids = Array.from({ length: 40 }, (_, i) => `f${i}`);
          const digest = outboxRow('d1', { kind: 'digest', findingIds: ids });
          delete digest.findingId;
          await store.commit({ ...empty, outbox: [digest] });
          const [stored] = await store.duePending(T0, 5);
          expect(stored).toEqual(digest);
          expect(stored && 'findingId' in stored).toBe(false);
        });

        it('ignores an outbox row whose id is already stored (SQS redelivered the batch)', async () => {
          await store.commit({ ...empty, outbox: [outboxRow('m1')] });
          await store.markSent('m1', T0 + 1000);
          await store.commit({ ...empty, outbox: [outboxRow('m1', { message: message('second rendering') })] });

          const rows = await store.listOutbox({ limit: 10 });
          expect(rows).toHaveLength(1);
          expect(rows[0]).toMatchObject({ id: 'm1', status: 'sent', attempts: 1, sentAt: T0 + 1000 });
          expect(rows[0]?.message).toEqual(message('message m1'));
          expect(await store.duePending(T0 + 10 * MIN, 10)).toEqual([]);
        });

        it('stores an outbox id given twice in one batch once', async () => {
          await store.commit({ ...empty, outbox: [outboxRow('m1'), outboxRow('m1', { message: message('dup') })] });
          const rows = await store.listOutbox({ limit: 10 });
          expect(rows).toHaveLength(1);
          expect(rows[0]?.message).toEqual(message('message m1'));
        });

        it('accepts an empty batch', async () => {
          await store.commit(empty);
          expect(await store.stats()).toEqual({ pending: 0, failed: 0, sent: 0 });
        });
      });

      describe('threads (setThreadTs)', () => {
        it('persists setThreadTs into the ledger row', async () => {
          await store.commit({ ...empty, ledger: [ledgerEntry('a')] });
          await store.setThreadTs('sec', 'a', '1736942400.000100');
          expect((await store.getLedger('sec', ['a'])).get('a')).toEqual(ledgerEntry('a', { threadTs: '1736942400.000100' }));
        });

        it('keeps the thread when a later commit writes the row without knowing the ts', async () => {
          await store.commit({ ...empty, ledger: [ledgerEntry('a')] });
          const before = (await store.getLedger('sec', ['a'])).get('a');
          await store.setThreadTs('sec', 'a', '1736942400.000100');
          // The batch read the row before the first message was posted: its entry carries no thread.
          expect(before?.threadTs).toBeUndefined();
          const next = ledgerEntry('a', { lastBandRank: 4, lastSeverity: 9, lastNotifiedAt: T0 + MIN, lastSeenAt: T0 + MIN });
          await store.commit({ ...empty, ledger: [next] });
          expect((await store.getLedger('sec', ['a'])).get('a')).toEqual({ ...next, threadTs: '1736942400.000100' });
        });

        it('keeps the thread set over a stale one carried by a later commit', async () => {
          await store.commit({ ...empty, ledger: [ledgerEntry('a', { threadTs: '1.000' })] });
          await store.getLedger('sec', ['a']);
          await store.setThreadTs('sec', 'a', '2.000');
          await store.commit({ ...empty, ledger: [ledgerEntry('a', { threadTs: '1.000', lastCount: 5 })] });
          expect((await store.getLedger('sec', ['a'])).get('a')).toMatchObject({ threadTs: '2.000', lastCount: 5 });
        });

        it('remembers a thread set before the ledger row is written, without inventing a ledger entry', async () => {
          await store.setThreadTs('sec', 'a', '1736942400.000100');
          expect((await store.getLedger('sec', ['a'])).has('a')).toBe(false);
          await store.commit({ ...empty, ledger: [ledgerEntry('a')] });
          expect((await store.getLedger('sec', ['a'])).get('a')?.threadTs).toBe('1736942400.000100');
        });

        it('keeps the posted message ts with the sent row, leaving the thread to setThreadTs', async () => {
          await store.commit({ ledger: [ledgerEntry('a')], outbox: [outboxRow('m1', { findingId: 'a', findingIds: ['a'] })], decisions: [] });
          await store.markSent('m1', T0 + 1000, '1736942400.000100');
          expect((await store.listOutbox({ status: 'sent', limit: 1 }))[0]).toMatchObject({ id: 'm1', sentTs: '1736942400.000100' });
          expect((await store.getLedger('sec', ['a'])).get('a')?.threadTs).toBeUndefined();
        });
      });
    });

    describe('OutboxStore: duePending, claim, mark*, listOutbox, stats', () => {
      it('returns due rows oldest first, respecting nextAttemptAt and limit', async () => {
        await store.commit({
          ...empty,
          outbox: [
            outboxRow('later', { createdAt: T0, nextAttemptAt: T0 + 5 * MIN }),
            outboxRow('second', { createdAt: T0 + 2 * MIN, nextAttemptAt: T0 + 2 * MIN }),
            outboxRow('first', { createdAt: T0 + 1 * MIN, nextAttemptAt: T0 + 1 * MIN }),
          ],
        });
        await store.commit({ ...empty, outbox: [outboxRow('third', { createdAt: T0 + 3 * MIN, nextAttemptAt: T0 + 3 * MIN })] });

        expect(await store.duePending(T0, 10)).toEqual([]);
        expect((await store.duePending(T0 + 3 * MIN, 10)).map((r) => r.id)).toEqual(['first', 'second', 'third']);
        expect((await store.duePending(T0 + 3 * MIN, 2)).map((r) => r.id)).toEqual(['first', 'second']);
        expect((await store.duePending(T0 + 5 * MIN, 10)).map((r) => r.id)).toEqual(['first', 'second', 'third', 'later']);
        expect(await store.duePending(T0 + 5 * MIN, 0)).toEqual([]);
      });

      it('sends rows of one batch decided at the same moment in the order they were given', async () => {
        const ids = ['new-a', 'escalated-b', 'digest-c', 'new-d'];
        await store.commit({ ...empty, outbox: ids.map((id) => outboxRow(id)) });
        expect((await store.duePending(T0, 10)).map((r) => r.id)).toEqual(ids);
      });

      it('counts attempts and holds a retried row back until nextAttemptAt', async () => {
        await store.commit({ ...empty, outbox: [outboxRow('m1'), outboxRow('m2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 })] });
        await store.markRetry('m1', 'HTTP 429 rate_limited', T0 + 2 * MIN);

        expect((await store.duePending(T0 + MIN, 10)).map((r) => r.id)).toEqual(['m2']);
        const [retried] = await store.listOutbox({ status: 'pending', limit: 10 }).then((rows) => rows.filter((r) => r.id === 'm1'));
        expect(retried).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 429 rate_limited', nextAttemptAt: T0 + 2 * MIN });

        await store.markRetry('m1', 'HTTP 503', T0 + 4 * MIN);
        const due = await store.duePending(T0 + 4 * MIN, 10);
        expect(due.map((r) => r.id)).toEqual(['m2', 'm1']);
        expect(due[1]).toMatchObject({ attempts: 2, lastError: 'HTTP 503', nextAttemptAt: T0 + 4 * MIN });

        await store.markSent('m1', T0 + 4 * MIN + 500);
        const [sent] = await store.listOutbox({ status: 'sent', limit: 10 });
        expect(sent).toMatchObject({ id: 'm1', status: 'sent', attempts: 3, sentAt: T0 + 4 * MIN + 500, createdAt: T0 });
      });

      it('marks a row sent once: a repeated markSent and a late markRetry or markFailed change nothing', async () => {
        await store.commit({ ...empty, outbox: [outboxRow('m1')] });
        await store.markSent('m1', T0 + 1000);
        await store.markSent('m1', T0 + 2000);
        await store.markRetry('m1', 'late failure from another drainer', T0 + MIN);
        await store.markFailed('m1', 'late failure from another drainer', T0 + MIN);

        const [row] = await store.listOutbox({ limit: 10 });
        expect(row).toMatchObject({ status: 'sent', attempts: 1, sentAt: T0 + 1000 });
        expect(row?.lastError).toBeUndefined();
        expect(await store.duePending(T0 + 10 * MIN, 10)).toEqual([]);
        expect(await store.stats()).toEqual({ pending: 0, failed: 0, sent: 1 });
      });

      it('keeps a permanently failed row, visible in listOutbox and stats, never due again', async () => {
        await store.commit({ ...empty, outbox: [outboxRow('m1'), outboxRow('m2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 })] });
        await store.markRetry('m1', 'HTTP 500', T0 + MIN);
        await store.markFailed('m1', 'channel_not_found', T0 + MIN);
        await store.markRetry('m1', 'ignored: not pending', T0 + 2 * MIN);

        expect((await store.duePending(T0 + 60 * MIN, 10)).map((r) => r.id)).toEqual(['m2']);
        const failed = await store.listOutbox({ status: 'failed', limit: 10 });
        expect(failed).toHaveLength(1);
        expect(failed[0]).toMatchObject({ id: 'm1', status: 'failed', attempts: 2, lastError: 'channel_not_found' });
        expect(failed[0]?.message).toEqual(message('message m1'));
        expect(await store.stats()).toEqual({ pending: 1, failed: 1, sent: 0, oldestPendingAt: T0 + 1 });
      });

      it('lists by status, pending first when no status is given, and honours the limit', async () => {
        await store.commit({
          ...empty,
          outbox: ['p1', 'p2', 's1', 's2', 'f1'].map((id, i) => outboxRow(id, { createdAt: T0 + i, nextAttemptAt: T0 + i })),
        });
        await store.markSent('s1', T0 + 10);
        await store.markSent('s2', T0 + 20);
        await store.markFailed('f1', 'invalid_payload', T0 + 30);

        expect((await store.listOutbox({ status: 'pending', limit: 10 })).map((r) => r.id)).toEqual(['p1', 'p2']);
        expect((await store.listOutbox({ status: 'sent', limit: 10 })).map((r) => r.id)).toEqual(['s2', 's1']);
        expect((await store.listOutbox({ status: 'sent', limit: 1 })).map((r) => r.id)).toEqual(['s2']);
        expect((await store.listOutbox({ status: 'failed', limit: 10 })).map((r) => r.id)).toEqual(['f1']);
        expect((await store.listOutbox({ limit: 10 })).map((r) => r.id)).toEqual(['p1', 'p2', 'f1', 's2', 's1']);
        expect((await store.listOutbox({ limit: 3 })).map((r) => r.id)).toEqual(['p1', 'p2', 'f1']);
        expect(await store.stats()).toEqual({ pending: 2, failed: 1, sent: 2, oldestPendingAt: T0 });
      });

      it('counts pending and failed rows up to the limit asked, and finds the oldest pending (outboxDepth)', async () => {
        await store.commit({
          ...empty,
          outbox: [
            // Created first but held back: due order puts it last, yet it is the oldest waiting.
            outboxRow('oldest', { createdAt: T0 - 5 * MIN, nextAttemptAt: T0 + 10 * MIN }),
            outboxRow('p1', { createdAt: T0, nextAttemptAt: T0 }),
            outboxRow('p2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 }),
            outboxRow('f1', { createdAt: T0 + 2, nextAttemptAt: T0 + 2 }),
            outboxRow('s1', { createdAt: T0 + 3, nextAttemptAt: T0 + 3 }),
          ],
        });
        await store.markFailed('f1', 'channel_not_found', T0 + MIN);
        await store.markSent('s1', T0 + MIN);

        expect(await store.outboxDepth(10)).toEqual({ pending: 3, failed: 1, oldestPendingAt: T0 - 5 * MIN });
        // At the limit a count says "at least"; the oldest is then the oldest of the first rows due.
        expect(await store.outboxDepth(2)).toEqual({ pending: 2, failed: 1, oldestPendingAt: T0, capped: ['pending'] });
        expect(await store.outboxDepth(1)).toEqual({ pending: 1, failed: 1, oldestPendingAt: T0, capped: ['pending', 'failed'] });
        await store.markSent('p1', T0 + 2 * MIN);
        await store.markSent('p2', T0 + 2 * MIN);
        await store.markSent('oldest', T0 + 2 * MIN);
        expect(await store.outboxDepth(10)).toEqual({ pending: 0, failed: 1 });
        expect(await store.stats()).toEqual({ pending: 0, failed: 1, sent: 4 });
      });

      it.runIf(capabilities.leases)('leases a pending row to one drainer at a time, until the lease ends or the row moves on', async () => {
        await store.commit({ ...empty, outbox: [outboxRow('m1'), outboxRow('m2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 })] });
        const results = await Promise.all([store.claim('m1', T0, T0 + MIN), store.claim('m1', T0, T0 + MIN)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.claim('m1', T0 + MIN - 1, T0 + 2 * MIN)).toBe(false);
        // A drainer that died mid-send blocks the row only until its lease ends.
        expect(await store.claim('m1', T0 + MIN, T0 + 2 * MIN)).toBe(true);
        // A retry ends the lease; a sent row can no longer be claimed.
        await store.markRetry('m1', 'HTTP 500', T0 + 2 * MIN);
        expect(await store.claim('m1', T0 + MIN + 1, T0 + 3 * MIN)).toBe(true);
        await store.markSent('m1', T0 + MIN + 2);
        expect(await store.claim('m1', T0 + 10 * MIN, T0 + 11 * MIN)).toBe(false);
        expect(await store.claim('unknown', T0, T0 + MIN)).toBe(false);
        expect(await store.claim('m2', T0, T0 + MIN)).toBe(true);
      });

      it.runIf(capabilities.leases)('hands a claimed row back untried: due again at once, its attempts unchanged, another drainer’s lease untouched', async () => {
        await store.commit({ ...empty, outbox: [outboxRow('m1')] });
        expect(await store.claim('m1', T0, T0 + MIN)).toBe(true);
        await store.release('m1', T0 + MIN);
        expect(await store.claim('m1', T0 + 1, T0 + 2 * MIN)).toBe(true);
        expect((await store.duePending(T0 + 2, 10)).map((r) => [r.id, r.attempts])).toEqual([['m1', 0]]);
        // A release with a lease that is not the one in force (it ran out and another drainer took the row) ends nothing.
        await store.release('m1', T0 + MIN);
        expect(await store.claim('m1', T0 + 3, T0 + 3 * MIN)).toBe(false);
        await store.release('unknown', T0 + MIN);
      });

      it('lets a pending row be claimed and refuses one already sent or unknown', async () => {
        await store.commit({ ...empty, outbox: [outboxRow('m1'), outboxRow('m2', { createdAt: T0 + 1, nextAttemptAt: T0 + 1 })] });
        expect(await store.claim('m1', T0, T0 + MIN)).toBe(true);
        await store.markSent('m2', T0 + 1);
        expect(await store.claim('m2', T0 + 2, T0 + MIN)).toBe(false);
        expect(await store.claim('unknown', T0, T0 + MIN)).toBe(false);
      });

      it('puts failed rows back as due (requeueFailed): the drainer’s due query sends them, attempts and last error kept', async () => {
        await store.commit({
          ...empty,
          outbox: ['f1', 'f2', 'p1', 's1'].map((id, i) => outboxRow(id, { createdAt: T0 + i, nextAttemptAt: T0 + i })),
        });
        await store.markFailed('f1', 'no_service', T0 + MIN);
        await store.markFailed('f2', 'invalid_token', T0 + MIN);
        await store.markRetry('p1', 'HTTP 500', T0 + 30 * MIN);
        await store.markSent('s1', T0 + MIN);

        const at = T0 + 10 * MIN;
        // Only failed rows move; pending, sent and unknown ids are left as they are, and the answer keeps the order asked.
        expect(await store.requeueFailed(['f2', 'p1', 's1', 'nope', 'f1'], at)).toEqual(['f2', 'f1']);
        expect((await store.duePending(at, 10)).map((r) => r.id)).toEqual(['f1', 'f2']);
        const [f1] = await store.getOutboxRows(['f1']);
        expect(f1).toMatchObject({ status: 'pending', attempts: 1, lastError: 'no_service', nextAttemptAt: at, createdAt: T0 });
        expect(f1?.message).toEqual(message('message f1'));
        expect(await store.stats()).toEqual({ pending: 3, failed: 0, sent: 1, oldestPendingAt: T0 });
        expect(await store.listOutbox({ status: 'failed', limit: 10 })).toEqual([]);
        // A second resend of the same rows finds nothing failed: the row is requeued once.
        expect(await store.requeueFailed(['f1', 'f2'], at + 1)).toEqual([]);

        // Requeued rows go the way of any due row: claimed, then sent or failed again.
        expect(await store.claim('f1', at, at + MIN)).toBe(true);
        await store.markSent('f1', at + 1);
        await store.markFailed('f2', 'no_service', at + 2);
        expect((await store.listOutbox({ status: 'failed', limit: 10 })).map((r) => [r.id, r.attempts])).toEqual([['f2', 2]]);
        expect((await store.listOutbox({ status: 'sent', limit: 10 })).map((r) => r.id)).toEqual(['f1', 's1']);
      });

      it('reads rows by id in the order asked, whatever their status, leaving out ids it does not hold (getOutboxRows)', async () => {
        await store.commit({ ...empty, outbox: ['a', 'b', 'c'].map((id, i) => outboxRow(id, { createdAt: T0 + i, nextAttemptAt: T0 + i })) });
        await store.markFailed('b', 'channel_is_archived', T0 + MIN);
        await store.markSent('c', T0 + MIN, '1736942400.000100');

        const rows = await store.getOutboxRows(['c', 'missing', 'b', 'a', 'b']);
        expect(rows.map((r) => [r.id, r.status])).toEqual([
          ['c', 'sent'],
          ['b', 'failed'],
          ['a', 'pending'],
          ['b', 'failed'],
        ]);
        expect(rows[0]).toMatchObject({ sentAt: T0 + MIN, sentTs: '1736942400.000100', findingIds: ['f-c'] });
        expect(rows[1]).toMatchObject({ lastError: 'channel_is_archived', attempts: 1 });
        expect(await store.getOutboxRows([])).toEqual([]);
      });

      it('ignores marks for ids it does not hold', async () => {
        await store.markSent('nope', T0, '1736942400.000100');
        await store.markRetry('nope', 'HTTP 500', T0 + MIN);
        await store.markFailed('nope', 'invalid_payload', T0);
        expect(await store.listOutbox({ limit: 10 })).toEqual([]);
        expect(await store.stats()).toEqual({ pending: 0, failed: 0, sent: 0 });
      });
    });

    describe('DecisionLog: recentDecisions', () => {
      it('returns the most recent first, at most limit', async () => {
        await store.commit({ ...empty, decisions: [decision('a', T0), decision('b', T0 + 1000)] });
        const digested = decision('c', T0 + 2000, {
          outcome: 'digest',
          reason: { code: 'digest', kind: 'new', digestId: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d' },
          // An OCSF finding: a band, no number.
          severity: null,
          band: 'High',
        });
        await store.commit({ ...empty, decisions: [digested] });
        const recent = await store.recentDecisions(10);
        expect(recent.map((d) => d.findingId)).toEqual(['c', 'b', 'a']);
        // The log keeps the reason as `status` prints it.
        expect(recent[0]).toEqual({ ...toLoggedDecision(digested), reason: 'new; digest 1a2b3c4d' });
        expect(recent[2]).toEqual({ ...toLoggedDecision(decision('a', T0)), reason: 'new' });
        expect((await store.recentDecisions(2)).map((d) => d.findingId)).toEqual(['c', 'b']);
      });

      it('keeps the band of a finding that has no number (OCSF: High), and gives an older record its number\'s band', async () => {
        const older = decision('old', T0 + 1); // no band, as records stored before bands were kept
        await store.commit({ ...empty, decisions: [decision('ocsf', T0, { severity: null, band: 'High' }), older] });
        const recent = await store.recentDecisions(10);
        expect(recent.map((d) => [d.findingId, d.severity, d.band])).toEqual([
          ['old', 8, 'High'],
          ['ocsf', null, 'High'],
        ]);
      });
    });

    describe('MuteStore: addMute, listMutes, removeMute', () => {
      it('lists rules not yet expired and removes them by id', async () => {
        await store.addMute(mute('m-active', T0 + 60 * MIN));
        await store.addMute(mute('m-expired', T0 - 1, { type: undefined, account: '123456789012' }));
        await store.addMute(mute('m-finding', T0 + 1, { type: undefined, findingId: 'abc' }));

        expect((await store.listMutes(T0)).map((m) => m.id).sort()).toEqual(['m-active', 'm-finding']);
        expect((await store.listMutes(T0)).find((m) => m.id === 'm-active')).toEqual(mute('m-active', T0 + 60 * MIN));
        // "from then on": a rule stops applying at its expiry instant.
        expect((await store.listMutes(T0 + 1)).map((m) => m.id)).toEqual(['m-active']);

        expect(await store.removeMute('m-active')).toBe(true);
        expect(await store.removeMute('m-active')).toBe(false);
        expect(await store.removeMute('never-there')).toBe(false);
        expect((await store.listMutes(T0)).map((m) => m.id)).toEqual(['m-finding']);
      });

      it('replaces a rule added again under the same id', async () => {
        await store.addMute(mute('m1', T0 + MIN));
        await store.addMute(mute('m1', T0 + 60 * MIN, { reason: 'extended' }));
        const rules = await store.listMutes(T0 + 2 * MIN);
        expect(rules).toEqual([mute('m1', T0 + 60 * MIN, { reason: 'extended' })]);
      });
    });

    describe('CursorStore: getCursor, setCursor', () => {
      it('gets what was set, per key', async () => {
        expect(await store.getCursor('us-east-1/det1')).toBeUndefined();
        await store.setCursor('us-east-1/det1', T0);
        await store.setCursor('eu-west-1/det2', T0 + 5);
        await store.setCursor('us-east-1/det1', T0 + MIN);
        expect(await store.getCursor('us-east-1/det1')).toBe(T0 + MIN);
        expect(await store.getCursor('eu-west-1/det2')).toBe(T0 + 5);
      });
    });

    describeBlockStoreConformance({
      store: () => store,
      reopen: () => handle.reopen,
      setStore: (reopened) => {
        store = reopened;
      },
    });

    describeInteractStoreConformance({
      store: () => store,
      reopen: () => handle.reopen,
      setStore: (reopened) => {
        store = reopened;
      },
    });

    describeOnCallStoreConformance({
      store: () => store,
      reopen: () => handle.reopen,
      setStore: (reopened) => {
        store = reopened;
      },
    });

    it('keeps everything across a restart', async (context) => {
      if (!handle.reopen) return context.skip();
      await store.commit({
        ledger: [ledgerEntry('a')],
        outbox: [outboxRow('m1', { findingId: 'a', findingIds: ['a'] }), outboxRow('m2'), outboxRow('m3')],
        decisions: [decision('a', T0)],
      });
      await store.markSent('m1', T0 + 1, '1736942400.000100');
      await store.setThreadTs('sec', 'a', '1736942400.000100');
      await store.markFailed('m2', 'channel_is_archived', T0 + 2);
      await store.markRetry('m3', 'HTTP 500', T0 + MIN);
      await store.addMute(mute('mute-1', T0 + 60 * MIN));
      await store.setCursor('us-east-1/det1', T0 + 3);
      await store.close();

      store = await handle.reopen();
      expect((await store.getLedger('sec', ['a'])).get('a')).toEqual(ledgerEntry('a', { threadTs: '1736942400.000100' }));
      expect(await store.stats()).toEqual({ pending: 1, failed: 1, sent: 1, oldestPendingAt: T0 });
      expect((await store.duePending(T0 + MIN, 10)).map((r) => [r.id, r.attempts])).toEqual([['m3', 1]]);
      expect((await store.listOutbox({ status: 'failed', limit: 5 }))[0]?.lastError).toBe('channel_is_archived');
      expect((await store.recentDecisions(5)).map((d) => d.findingId)).toEqual(['a']);
      expect((await store.listMutes(T0)).map((m) => m.id)).toEqual(['mute-1']);
      expect(await store.getCursor('us-east-1/det1')).toBe(T0 + 3);
    });
  });
}
