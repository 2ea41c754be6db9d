import { describe, expect, it } from 'vitest';
import type { BlockRecord, Store } from '../../src/state/store.js';
import type { RenderedMessage } from '../../src/core/message.js';
import { makeBlock } from '../respond/helpers.js';

/**
 * The BlockStore group of the store conformance suite (store-conformance.ts calls it inside its per-backend describe):
 * rows per (target, cidr), merged on every write by mergeBlockRecord, committed with the ledger and outbox, history
 * ownership records of WAF targets, the rate count. Every backend: SQLite, DynamoDB, in-memory.
 */

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3_600_000;

export function block(ip: string, overrides: Partial<BlockRecord> = {}): BlockRecord {
  return makeBlock({ since: T0, until: T0 + 12 * HOUR, updatedAt: T0, ...overrides, ip });
}

const message: RenderedMessage = { slack: { text: 'Blocked 185.220.101.1' }, text: { subject: 'Blocked', body: 'Blocked 185.220.101.1' }, attributes: {} };

export function describeBlockStoreConformance(context: { store(): Store; reopen(): (() => Promise<Store>) | undefined; setStore(store: Store): void }): void {
  describe('BlockStore: listBlocks, block ownership, newBlocksSince, putBlocks, commit blocks', () => {
    it('keeps one row per target and address, listed by target then start, standing ones on request', async () => {
      const store = context.store();
      expect(await store.listBlocks()).toEqual([]);
      await store.putBlocks([
        block('185.220.101.2', { since: T0 + 1 }),
        block('185.220.101.1', { target: 'alb', direction: 'source' }),
        block('185.220.101.1'),
        block('2001:470::1', { since: T0 + 2, state: 'dry-run' }),
        block('185.220.101.3', { since: T0 - HOUR, until: T0 - 1, state: 'expired' }),
      ]);
      const all = await store.listBlocks();
      expect(all.map((r) => `${r.target} ${r.cidr} ${r.state}`)).toEqual([
        'alb 185.220.101.1/32 active',
        'edge 185.220.101.3/32 expired',
        'edge 185.220.101.1/32 active',
        'edge 185.220.101.2/32 active',
        'edge 2001:470::1/128 dry-run',
      ]);
      expect(all[2]).toEqual(block('185.220.101.1'));
      expect((await store.listBlocks({ target: 'edge', standing: true })).map((r) => r.cidr)).toEqual([
        '185.220.101.1/32',
        '185.220.101.2/32',
        '2001:470::1/128',
      ]);
      expect((await store.listBlocks({ standing: true })).length).toBe(4);
    });

    it('commits blocks in the same commit as the ledger and the outbox, and a redelivered commit changes nothing', async () => {
      const store = context.store();
      const row = {
        id: 'announce-1',
        destination: 'sec',
        kind: 'new' as const,
        findingId: 'f-1',
        findingIds: ['f-1'],
        message,
        status: 'pending' as const,
        attempts: 0,
        createdAt: T0,
        nextAttemptAt: T0,
      };
      const entry = { destination: 'sec', findingId: 'f-1', firstNotifiedAt: T0, lastNotifiedAt: T0, lastBandRank: 3, lastSeverity: 8, lastCount: 1, lastSeenAt: T0 };
      const commit = { ledger: [entry], outbox: [row], decisions: [], blocks: [block('185.220.101.1'), block('185.220.101.1', { target: 'alb', direction: 'source' as const })] };
      await store.commit(commit);
      await store.commit(commit);
      expect((await store.listBlocks()).map((r) => `${r.target} ${r.cidr}`)).toEqual(['alb 185.220.101.1/32', 'edge 185.220.101.1/32']);
      expect((await store.listBlocks({ target: 'edge' }))[0]).toEqual(block('185.220.101.1'));
      expect((await store.listOutbox({ limit: 10 })).map((r) => r.id)).toEqual(['announce-1']);
      expect((await store.getLedger('sec', ['f-1'])).has('f-1')).toBe(true);
      // A commit without blocks (every commit before respond existed) leaves them alone.
      await store.commit({ ledger: [], outbox: [], decisions: [] });
      expect((await store.listBlocks()).length).toBe(2);
    });

    it('unites two writers extending one block: earliest start, latest end, wider direction', async () => {
      const store = context.store();
      await store.putBlocks([block('185.220.101.1', { direction: 'source' })]);
      const [stored] = await store.putBlocks([
        block('185.220.101.1', { direction: 'destination', until: T0 + 20 * HOUR, updatedAt: T0 + HOUR, extensions: 1, seenAt: T0 + HOUR }),
      ]);
      expect(stored).toMatchObject({ since: T0, until: T0 + 20 * HOUR, direction: 'both', extensions: 1, updatedAt: T0 + HOUR, seenAt: T0 + HOUR });
      // A slower writer that read before the extension, landing after it, does not shorten it.
      await store.putBlocks([block('185.220.101.1', { direction: 'source', until: T0 + 13 * HOUR, updatedAt: T0 + 30 * 60_000, extensions: 1 })]);
      expect((await store.listBlocks())[0]).toMatchObject({ until: T0 + 20 * HOUR, direction: 'both' });
    });

    it('lets a prune end only a block that really ended, and a removal win over a stale writer', async () => {
      const store = context.store();
      await store.putBlocks([block('185.220.101.1'), block('185.220.101.2')]);
      // 101.1 was extended after the pruner read it: the prune's "expired" must not end it.
      await store.putBlocks([block('185.220.101.1', { until: T0 + 24 * HOUR, updatedAt: T0 + 11 * HOUR, extensions: 1 })]);
      await store.putBlocks([
        block('185.220.101.1', { state: 'expired', updatedAt: T0 + 12 * HOUR }),
        block('185.220.101.2', { state: 'expired', updatedAt: T0 + 12 * HOUR }),
      ]);
      const byIp = new Map((await store.listBlocks()).map((r) => [r.ip, r]));
      expect(byIp.get('185.220.101.1')).toMatchObject({ state: 'active', until: T0 + 24 * HOUR });
      expect(byIp.get('185.220.101.2')).toMatchObject({ state: 'expired', until: T0 + 12 * HOUR });

      await store.putBlocks([block('185.220.101.1', { state: 'removed', reason: 'removed by alice', updatedAt: T0 + 13 * HOUR })]);
      // A batch that read the store before the removal and extends the block lands after it: it stays removed.
      await store.putBlocks([block('185.220.101.1', { until: T0 + 30 * HOUR, updatedAt: T0 + 12.5 * HOUR, extensions: 2 })]);
      expect((await store.listBlocks({ standing: true })).map((r) => r.ip)).toEqual([]);
      // A new block decided after the removal stands.
      await store.putBlocks([block('185.220.101.1', { since: T0 + 14 * HOUR, until: T0 + 26 * HOUR, updatedAt: T0 + 14 * HOUR })]);
      expect(await store.listBlocks({ standing: true })).toEqual([block('185.220.101.1', { since: T0 + 14 * HOUR, until: T0 + 26 * HOUR, updatedAt: T0 + 14 * HOUR })]);
    });

    it('never lets a dry-run row replace a real block', async () => {
      const store = context.store();
      await store.putBlocks([block('185.220.101.1')]);
      await store.putBlocks([block('185.220.101.1', { state: 'dry-run', updatedAt: T0 + HOUR, until: T0 + 30 * HOUR })]);
      expect((await store.listBlocks())[0]).toEqual(block('185.220.101.1'));
      // ...and a real one replaces a dry-run row (the mode went to enforce).
      await store.putBlocks([block('185.220.101.9', { state: 'dry-run' })]);
      await store.putBlocks([block('185.220.101.9', { since: T0 + HOUR, updatedAt: T0 + HOUR })]);
      expect((await store.listBlocks({ standing: true })).find((r) => r.ip === '185.220.101.9')?.state).toBe('active');
    });

    it('records which addresses of a WAF target are ours, each change a compare-and-set', async () => {
      const store = context.store();
      const pending = { target: 'alb', cidr: '185.220.101.1/32', state: 'pending' as const, token: 'tok-1', at: T0 };
      const added = { target: 'alb', cidr: '185.220.101.1/32', state: 'added' as const, token: 'tok-2', at: T0 + 1 };
      const found = { target: 'alb', cidr: '2001:470::1/128', state: 'found' as const, at: T0 };
      expect(await store.listBlockOwnership('alb')).toEqual([]);
      // Absent → pending, and a second claim of an absent record fails (another reconciler was first).
      expect(await store.changeBlockOwnership([{ target: 'alb', cidr: pending.cidr, after: pending }, { target: 'alb', cidr: found.cidr, after: found }])).toEqual([true, true]);
      expect(await store.changeBlockOwnership([{ target: 'alb', cidr: pending.cidr, after: { ...pending, token: 'tok-9' } }])).toEqual([false]);
      // pending → added only from the pending record as read; a stale `before` changes nothing.
      expect(await store.changeBlockOwnership([{ target: 'alb', cidr: pending.cidr, before: { ...pending, at: T0 - 1 }, after: added }])).toEqual([false]);
      expect(await store.changeBlockOwnership([{ target: 'alb', cidr: pending.cidr, before: pending, after: added }])).toEqual([true]);
      await store.changeBlockOwnership([{ target: 'edge2', cidr: '185.220.101.9/32', after: { target: 'edge2', cidr: '185.220.101.9/32', state: 'found', at: T0 } }]);
      expect(await store.listBlockOwnership('alb')).toEqual([added, found]);
      // Forgetting: only the record as read.
      expect(await store.changeBlockOwnership([{ target: 'alb', cidr: added.cidr, before: pending }])).toEqual([false]);
      expect(await store.changeBlockOwnership([{ target: 'alb', cidr: added.cidr, before: added }])).toEqual([true]);
      expect(await store.listBlockOwnership('alb')).toEqual([found]);
      expect((await store.listBlockOwnership('edge2')).map((o) => o.cidr)).toEqual(['185.220.101.9/32']);
      expect(await store.listBlockOwnership('nowhere')).toEqual([]);
    });

    it('counts new blocks per target since a time, ended ones included (the maxNewPerHour count)', async () => {
      const store = context.store();
      await store.putBlocks([
        block('185.220.101.1', { since: T0 - 2 * HOUR, until: T0 + HOUR }),
        block('185.220.101.2', { since: T0 - 30 * 60_000 }),
        block('185.220.101.3', { since: T0 - 10 * 60_000, state: 'removed', updatedAt: T0 - 60_000 }),
        block('185.220.101.4', { target: 'alb', direction: 'source', since: T0 }),
      ]);
      expect(Object.fromEntries(await store.newBlocksSince(T0 - HOUR))).toEqual({ edge: 2, alb: 1 });
      expect((await store.newBlocksSince(T0 + 1)).size).toBe(0);
    });

    it('keeps blocks across a restart', async (ctx) => {
      const reopen = context.reopen();
      if (!reopen) return ctx.skip();
      await context.store().putBlocks([block('185.220.101.1'), block('185.220.101.2', { state: 'expired', updatedAt: T0 + 12 * HOUR })]);
      await context.store().changeBlockOwnership([{ target: 'alb', cidr: '185.220.101.1/32', after: { target: 'alb', cidr: '185.220.101.1/32', state: 'added', token: 't', at: T0 } }]);
      await context.store().close();
      const store = await reopen();
      context.setStore(store);
      expect((await store.listBlocks()).map((r) => `${r.ip} ${r.state}`)).toEqual(['185.220.101.1 active', '185.220.101.2 expired']);
      expect(await store.listBlockOwnership('alb')).toEqual([{ target: 'alb', cidr: '185.220.101.1/32', state: 'added', token: 't', at: T0 }]);
    });
  });
}
