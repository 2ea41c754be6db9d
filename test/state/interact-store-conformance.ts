import { describe, expect, it } from 'vitest';
import type { AuditRecord, FindingSnapshot, OutboxRow, Store } from '../../src/state/store.js';
import type { SlackMessage } from '../../src/core/message.js';

/**
 * The Slack-action groups of the store conformance suite (store-conformance.ts calls it inside its per-backend
 * describe): AuditLog, SnapshotStore and ReplayStore. Every backend: SQLite, DynamoDB, in-memory.
 */

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const MIN = 60_000;

export function auditRecord(id: string, at: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    at,
    actor: 'slack:U012DANA',
    actorName: 'dana',
    via: 'slack',
    action: 'archive',
    result: 'done',
    destination: 'sec',
    findingId: 'f-1',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    accountId: '123456789012',
    ...overrides,
  };
}

export function snapshot(findingId: string, overrides: Partial<FindingSnapshot> = {}): FindingSnapshot {
  return {
    destination: 'sec',
    findingId,
    at: T0,
    arn: `arn:aws:guardduty:eu-west-1:123456789012:detector/d1/finding/${findingId}`,
    region: 'eu-west-1',
    accountId: '123456789012',
    detectorId: 'd1',
    product: 'GuardDuty',
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    resourceType: 'Instance',
    archived: false,
    sample: false,
    remoteIps: ['185.220.101.1', '2001:db8::7'],
    outboxId: `m-${findingId}`,
    ...overrides,
  };
}

const slackMessage = (text: string): SlackMessage => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

function outboxRow(id: string, findingId: string): OutboxRow {
  return {
    id,
    destination: 'sec',
    kind: 'new',
    findingId,
    findingIds: [findingId],
    message: { slack: slackMessage(`sent ${id}`), text: { subject: id, body: id }, attributes: {} },
    status: 'pending',
    attempts: 0,
    createdAt: T0,
    nextAttemptAt: T0,
  };
}

export function describeInteractStoreConformance(context: { store(): Store; reopen(): (() => Promise<Store>) | undefined; setStore(store: Store): void }): void {
  describe('AuditLog: appendAudit, listAudit', () => {
    it('lists records since a time, newest first, at most `limit`', async () => {
      const store = context.store();
      expect(await store.listAudit({ since: 0 })).toEqual([]);
      await store.appendAudit(auditRecord('a', T0 - 10 * MIN));
      await store.appendAudit(auditRecord('b', T0 - 5 * MIN, { action: 'block', result: 'refused', reason: 'private', ips: ['10.1.2.3'], forMs: 3_600_000 }));
      await store.appendAudit(auditRecord('c', T0, { action: 'mute', muteId: 'slack-c', forMs: 604_800_000 }));
      expect((await store.listAudit({ since: 0 })).map((r) => r.id)).toEqual(['c', 'b', 'a']);
      expect((await store.listAudit({ since: T0 - 5 * MIN })).map((r) => r.id)).toEqual(['c', 'b']);
      expect((await store.listAudit({ since: 0, limit: 1 })).map((r) => r.id)).toEqual(['c']);
      expect((await store.listAudit({ since: 0 })).find((r) => r.id === 'b')).toEqual(
        auditRecord('b', T0 - 5 * MIN, { action: 'block', result: 'refused', reason: 'private', ips: ['10.1.2.3'], forMs: 3_600_000 }),
      );
    });

    it('writes a record appended twice under one id once (a redelivered job), the last version standing', async () => {
      const store = context.store();
      await store.appendAudit(auditRecord('job-1', T0, { result: 'failed', reason: 'failed' }));
      await store.appendAudit(auditRecord('job-1', T0, { result: 'done' }));
      const records = await store.listAudit({ since: 0 });
      expect(records).toEqual([auditRecord('job-1', T0, { result: 'done' })]);
    });
  });

  describe('SnapshotStore: commit snapshots, getSnapshot, saveSnapshotMessage', () => {
    it('gives back what commit wrote, per destination and finding; nothing for a finding never written', async () => {
      const store = context.store();
      await store.commit({ ledger: [], outbox: [outboxRow('m-f1', 'f1')], decisions: [], snapshots: [snapshot('f1'), snapshot('f1', { destination: 'ops', outboxId: undefined })] });
      expect(await store.getSnapshot('sec', 'f1')).toEqual({ ...snapshot('f1'), message: slackMessage('sent m-f1') });
      expect(await store.getSnapshot('ops', 'f1')).toEqual(snapshot('f1', { destination: 'ops', outboxId: undefined }));
      expect(await store.getSnapshot('sec', 'other')).toBeUndefined();
      expect(await store.getSnapshot('nowhere', 'f1')).toBeUndefined();
    });

    it("carries the outbox row's Slack ts once it was sent", async () => {
      const store = context.store();
      await store.commit({ ledger: [], outbox: [outboxRow('m-f1', 'f1')], decisions: [], snapshots: [snapshot('f1')] });
      await store.markSent('m-f1', T0 + 1, '1736942400.000100');
      expect((await store.getSnapshot('sec', 'f1'))?.sentTs).toBe('1736942400.000100');
    });

    it('keeps a message saved after a click until a newer message about the finding is committed', async () => {
      const store = context.store();
      await store.commit({ ledger: [], outbox: [outboxRow('m-f1', 'f1')], decisions: [], snapshots: [snapshot('f1')] });
      await store.saveSnapshotMessage('sec', 'f1', slackMessage('archived by dana'));
      expect((await store.getSnapshot('sec', 'f1'))?.message).toEqual(slackMessage('archived by dana'));
      // The same commit again (a redelivered batch) keeps it: it is still the update of that very message.
      await store.commit({ ledger: [], outbox: [outboxRow('m-f1', 'f1')], decisions: [], snapshots: [snapshot('f1')] });
      expect((await store.getSnapshot('sec', 'f1'))?.message).toEqual(slackMessage('archived by dana'));
      // An escalation is a new message: its own copy is the latest, with the finding's new facts.
      await store.commit({ ledger: [], outbox: [outboxRow('m-f1-up', 'f1')], decisions: [], snapshots: [snapshot('f1', { outboxId: 'm-f1-up', at: T0 + MIN, remoteIps: ['185.220.101.9'] })] });
      const latest = await store.getSnapshot('sec', 'f1');
      expect(latest?.message).toEqual(slackMessage('sent m-f1-up'));
      expect(latest?.remoteIps).toEqual(['185.220.101.9']);
      // Saving onto a finding without a snapshot changes nothing.
      await store.saveSnapshotMessage('sec', 'never', slackMessage('x'));
      expect(await store.getSnapshot('sec', 'never')).toBeUndefined();
    });
  });

  describe('ReplayStore: claimOnce', () => {
    it('claims a key once while it is held, and again after it expired', async () => {
      const store = context.store();
      expect(await store.claimOnce('v0=aa', T0 + 5 * MIN, T0)).toBe(true);
      expect(await store.claimOnce('v0=aa', T0 + 5 * MIN, T0 + MIN)).toBe(false);
      expect(await store.claimOnce('v0=bb', T0 + 5 * MIN, T0 + MIN)).toBe(true);
      expect(await store.claimOnce('v0=aa', T0 + 10 * MIN, T0 + 5 * MIN)).toBe(true);
      expect(await store.claimOnce('v0=aa', T0 + 10 * MIN, T0 + 6 * MIN)).toBe(false);
    });

    it('lets exactly one of many concurrent claims of a key through', async () => {
      const store = context.store();
      const answers = await Promise.all(Array.from({ length: 8 }, () => store.claimOnce('v0=race', T0 + 5 * MIN, T0)));
      expect(answers.filter(Boolean)).toHaveLength(1);
    });
  });

  it('keeps audit records, snapshots and replay keys across a restart', async (ctx) => {
    const reopen = context.reopen();
    if (!reopen) return ctx.skip();
    await context.store().appendAudit(auditRecord('a', T0));
    await context.store().commit({ ledger: [], outbox: [outboxRow('m-f1', 'f1')], decisions: [], snapshots: [snapshot('f1')] });
    await context.store().claimOnce('v0=kept', T0 + 5 * MIN, T0);
    await context.store().close();
    const store = await reopen();
    context.setStore(store);
    expect((await store.listAudit({ since: 0 })).map((r) => r.id)).toEqual(['a']);
    expect((await store.getSnapshot('sec', 'f1'))?.remoteIps).toEqual(['185.220.101.1', '2001:db8::7']);
    expect(await store.claimOnce('v0=kept', T0 + 5 * MIN, T0 + MIN)).toBe(false);
  });
}
