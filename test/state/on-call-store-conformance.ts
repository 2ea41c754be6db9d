import { describe, expect, it } from 'vitest';
import type { Acknowledgement, EscalationRow, OutboxRow, PageRecord, Store } from '../../src/state/store.js';

/**
 * The on-call group of the store conformance suite (store-conformance.ts calls it inside its per-backend describe):
 * escalation deadlines, acknowledgements and PagerDuty alerts. Every backend: SQLite, DynamoDB, in-memory.
 */

const T0 = Date.UTC(2026, 11, 8, 3, 0, 0);
const MIN = 60_000;

export function escalationRow(subject: string, overrides: Partial<EscalationRow> = {}): EscalationRow {
  return {
    id: `high\u0000${subject}`,
    route: 'high',
    subject,
    findingIds: [subject],
    destinations: ['sec'],
    createdAt: T0,
    bandRank: 3,
    dueAt: T0 + 15 * MIN,
    step: 0,
    state: 'waiting',
    headline: `[High 8.0] finding ${subject}`,
    mentions: ['<!subteam^S0123ABCD>'],
    ...overrides,
  };
}

const ack = (findingId: string, overrides: Partial<Acknowledgement> = {}): Acknowledgement => ({
  findingId,
  at: T0 + 5 * MIN,
  by: 'slack:U012DANA',
  byName: 'dana',
  via: 'slack',
  ...overrides,
});

const page = (ref: string, destination: string, findingIds: string[]): PageRecord => ({ ref, dedupKey: `gdn-${ref}${'0'.repeat(56)}`, destination, findingIds, at: T0 });

const row = (id: string): OutboxRow => ({
  id,
  destination: 'sec',
  kind: 'new',
  findingId: 'f-1',
  findingIds: ['f-1'],
  message: { slack: { text: id }, text: { subject: id, body: id }, attributes: {} },
  status: 'pending',
  attempts: 0,
  createdAt: T0,
  nextAttemptAt: T0,
});

export function describeOnCallStoreConformance(context: { store(): Store; reopen(): (() => Promise<Store>) | undefined; setStore(store: Store): void }): void {
  describe('OnCallStore: escalations, acknowledgements, pages', () => {
    it('commits escalation rows with the message, each only once: a re-published finding neither re-arms nor doubles it', async () => {
      const store = context.store();
      await store.commit({ ledger: [], outbox: [row('m1')], decisions: [], escalations: [escalationRow('f-1')] });
      await store.commit({ ledger: [], outbox: [row('m2')], decisions: [], escalations: [escalationRow('f-1', { dueAt: T0 + 99 * MIN, createdAt: T0 + 10 * MIN })] });
      const rows = await store.getEscalations([escalationRow('f-1').id, 'missing']);
      expect([...rows.values()]).toEqual([escalationRow('f-1')]);
    });

    it('lists due waiting rows earliest first, never one without a deadline or ended', async () => {
      const store = context.store();
      await store.commit({
        ledger: [],
        outbox: [],
        decisions: [],
        escalations: [
          escalationRow('late', { dueAt: T0 + 20 * MIN }),
          escalationRow('early', { dueAt: T0 + 5 * MIN }),
          escalationRow('watch', { dueAt: null }),
          escalationRow('ended', { dueAt: T0, state: 'ended', endedReason: 'times' }),
          escalationRow('future', { dueAt: T0 + 60 * MIN }),
        ],
      });
      expect((await store.dueEscalations(T0 + 20 * MIN, 10)).map((r) => r.subject)).toEqual(['early', 'late']);
      expect((await store.dueEscalations(T0 + 20 * MIN, 1)).map((r) => r.subject)).toEqual(['early']);
      expect(await store.dueEscalations(T0, 10)).toEqual([]);
    });

    it('advances a step only for the writer that read the current step: a second escalator changes nothing', async () => {
      const store = context.store();
      const first = escalationRow('f-2');
      await store.commit({ ledger: [], outbox: [], decisions: [], escalations: [first] });
      const next = { ...first, step: 1, dueAt: T0 + 45 * MIN };
      expect(await store.updateEscalation(next, { step: 0, state: 'waiting' })).toBe(true);
      expect(await store.updateEscalation({ ...first, step: 1, dueAt: T0 + 99 * MIN }, { step: 0, state: 'waiting' })).toBe(false);
      expect((await store.getEscalations([first.id])).get(first.id)).toEqual(next);
      expect((await store.dueEscalations(T0 + 30 * MIN, 10)).map((r) => r.subject)).toEqual([]);
      expect((await store.dueEscalations(T0 + 45 * MIN, 10)).map((r) => r.subject)).toEqual(['f-2']);
      const ended = { ...next, state: 'ended' as const, dueAt: null, endedReason: 'acknowledged' as const, acknowledgedAt: T0 + 50 * MIN };
      expect(await store.updateEscalation(ended, { step: 1, state: 'waiting' })).toBe(true);
      expect(await store.dueEscalations(T0 + 99 * MIN, 10)).toEqual([]);
      expect(await store.updateEscalation({ ...ended, state: 'waiting' }, { step: 0, state: 'waiting' })).toBe(false);
      expect(await store.updateEscalation({ ...first, id: 'high\u0000never' }, { step: 0, state: 'waiting' })).toBe(false);
    });

    it('lists rows created since a time, newest first', async () => {
      const store = context.store();
      await store.commit({
        ledger: [],
        outbox: [],
        decisions: [],
        escalations: [escalationRow('old', { createdAt: T0 - 8 * 1440 * MIN }), escalationRow('a', { createdAt: T0 }), escalationRow('b', { createdAt: T0 + MIN })],
      });
      expect((await store.listEscalations(T0 - 7 * 1440 * MIN, 10)).map((r) => r.subject)).toEqual(['b', 'a']);
      expect((await store.listEscalations(0, 1)).map((r) => r.subject)).toEqual(['b']);
    });

    it('records one acknowledgement per finding: the first wins, the second is told who it was', async () => {
      const store = context.store();
      expect(await store.recordAck(ack('f-3'))).toEqual({ recorded: true, ack: ack('f-3') });
      const second = await store.recordAck(ack('f-3', { by: 'pagerduty:PUSER', byName: 'Bob', via: 'pagerduty', at: T0 + 9 * MIN }));
      expect(second).toEqual({ recorded: false, ack: ack('f-3') });
      expect([...(await store.getAcks(['f-3', 'f-4'])).entries()]).toEqual([['f-3', ack('f-3')]]);
      expect(await store.removeAck('f-3')).toBe(true);
      expect(await store.removeAck('f-3')).toBe(false);
      expect((await store.getAcks(['f-3'])).size).toBe(0);
      expect((await store.recordAck(ack('f-3', { via: 'cli', by: 'cli:ops' }))).recorded).toBe(true);
    });

    it('finds the PagerDuty alerts opened under a reference, one per destination', async () => {
      const store = context.store();
      await store.commit({ ledger: [], outbox: [row('m3')], decisions: [], pages: [page('1a2b3c4d', 'pager', ['f-5']), page('1a2b3c4d', 'oncall', ['f-5']), page('ffffffff', 'pager', ['f-6'])] });
      expect((await store.getPages('1a2b3c4d')).map((p) => p.destination)).toEqual(['oncall', 'pager']);
      expect(await store.getPages('1a2b3c4d')).toContainEqual(page('1a2b3c4d', 'pager', ['f-5']));
      expect(await store.getPages('00000000')).toEqual([]);
    });

    it('keeps deadlines and acknowledgements across a restart', async (test) => {
      const reopen = context.reopen();
      if (reopen === undefined) return test.skip();
      await context.store().commit({ ledger: [], outbox: [], decisions: [], escalations: [escalationRow('f-7')] });
      await context.store().recordAck(ack('f-8'));
      const reopened = await reopen();
      context.setStore(reopened);
      expect((await reopened.dueEscalations(T0 + 15 * MIN, 10)).map((r) => r.subject)).toEqual(['f-7']);
      expect((await reopened.getAcks(['f-8'])).get('f-8')).toEqual(ack('f-8'));
    });
  });
}
