import { describe, expect, it } from 'vitest';
import { createInteractionWorker } from '../../src/interact/interaction-worker.js';
import { INTERACTION_JOB_VERSION, parseInteractionJob, type InteractionJob } from '../../src/interact/interaction-job.js';
import type { ResponseUrlClient } from '../../src/interact/response-url.js';
import type { SlackMessage } from '../../src/core/message.js';
import { renderSlackMessage } from '../../src/render/slack-blocks.js';
import { createFakeBlocks, createMemoryAuditLog, createMemoryLookup, createMemoryMutes, targetOf } from './doubles.js';
import { makeFinding, NOW } from '../support/make-finding.js';
import { addMute } from '../../src/actions/mutes.js';
import { createMuteActions } from '../../src/pipeline/interact-ports.js';
import { createMemoryStore } from '../support/memory-store.js';

function recordingResponder(): ResponseUrlClient & { ephemerals: string[]; replaced: SlackMessage[] } {
  const ephemerals: string[] = [];
  const replaced: SlackMessage[] = [];
  return {
    ephemerals,
    replaced,
    async ephemeral(_url, text) {
      ephemerals.push(text);
    },
    async replace(_url, message) {
      replaced.push(message);
    },
  };
}

const finding = makeFinding({ action: { type: 'NETWORK_CONNECTION', remoteIp: '185.220.101.1' } });

function job(overrides: Partial<InteractionJob> = {}): InteractionJob {
  return {
    v: INTERACTION_JOB_VERSION,
    id: '0123456789abcdef0123456789abcdef',
    receivedAt: NOW,
    user: { id: 'U012DANA', name: 'dana' },
    action: { name: 'acknowledge', ref: { d: 'hook', f: finding.id } },
    decision: { allowed: true, via: 'anyone' },
    responseUrl: 'https://hooks.slack.com/actions/T0/1/x',
    container: { channelId: 'C0HOOK', messageTs: '1714560000.000100', isEphemeral: false },
    ...overrides,
  };
}

function setup() {
  const lookup = createMemoryLookup();
  const message = renderSlackMessage(finding, { now: NOW, interact: { destination: 'hook', canBlock: true } });
  lookup.put(targetOf(finding, 'hook', { message }));
  const audit = createMemoryAuditLog();
  const responder = recordingResponder();
  const worker = createInteractionWorker({ lookup, audit, responder, mutes: createMemoryMutes(), blocks: createFakeBlocks(), now: () => NOW });
  return { lookup, audit, responder, worker };
}

describe('createInteractionWorker', () => {
  it('without a bot token, updates through the response_url and keeps the new message for the next click', async () => {
    const { worker, responder, lookup } = setup();
    const result = await worker.run(job());
    expect(result).toMatchObject({ result: 'done', update: 'response_url', threadLine: false });
    expect(JSON.stringify(responder.replaced[0])).toContain('Acknowledged by <@U012DANA>');
    expect(lookup.saved).toHaveLength(1);
    expect((await lookup.findTarget('hook', finding.id))?.slack?.message).toEqual(responder.replaced[0]);
  });

  it('refuses what the handler found invalid, and audits it', async () => {
    const { worker, responder, audit } = setup();
    const result = await worker.run(job({ action: { name: 'block' }, decision: { allowed: false, reason: 'invalid', detail: 'not a Block IP duration' } }));
    expect(result).toMatchObject({ result: 'refused', reason: 'invalid', toldClicker: true, update: 'none' });
    expect(responder.ephemerals[0]).toContain('not one the notifier understands');
    expect(audit.records[0]).toMatchObject({ action: 'block', result: 'refused', reason: 'invalid' });
  });

  it('turns a store failure into a failed action the clicker hears about', async () => {
    const { responder, audit } = setup();
    const worker = createInteractionWorker({
      lookup: { findTarget: () => Promise.reject(Object.assign(new Error('down'), { code: 'store_unavailable' })) },
      audit,
      responder,
      now: () => NOW,
    });
    expect(await worker.run(job())).toMatchObject({ result: 'failed', reason: 'failed', toldClicker: true });
    expect(audit.records).toHaveLength(1);
  });

  it('refuses Block IP when respond has no target, and archive when no archiver is set up', async () => {
    const { lookup, audit, responder } = setup();
    const worker = createInteractionWorker({ lookup, audit, responder, now: () => NOW });
    expect(await worker.run(job({ action: { name: 'block', ref: { d: 'hook', f: finding.id, for: '1h' }, forMs: 3_600_000 } }))).toMatchObject({
      result: 'refused',
      reason: 'no-target',
    });
    expect(await worker.run(job({ action: { name: 'archive', ref: { d: 'hook', f: finding.id } } }))).toMatchObject({ result: 'refused', reason: 'not-archivable' });
  });

  it('reads a job back from its JSON form, and drops what is not one', () => {
    expect(parseInteractionJob(JSON.parse(JSON.stringify(job())))).toEqual(job());
    expect(parseInteractionJob({ ...job(), v: 2 })).toBeUndefined();
    expect(parseInteractionJob({ ...job(), user: { id: '<!channel>' } })).toBeUndefined();
    expect(parseInteractionJob('nope')).toBeUndefined();
  });

  it('keeps the response_url out of the audit record', async () => {
    const { worker, audit } = setup();
    await worker.run(job());
    expect(JSON.stringify(audit.records)).not.toContain('hooks.slack.com');
  });

  describe('the mute gate: the store\'s type, and Undo only of this message\'s own mute', () => {
    const other = makeFinding({ id: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0', action: { type: 'NETWORK_CONNECTION', remoteIp: '185.220.101.2' } });
    function withStore() {
      const store = createMemoryStore();
      const lookup = createMemoryLookup();
      lookup.put(targetOf(finding, 'hook', { message: renderSlackMessage(finding, { now: NOW, interact: { destination: 'hook', canBlock: true } }) }));
      lookup.put(targetOf(other, 'hook', { message: renderSlackMessage(other, { now: NOW, interact: { destination: 'hook', canBlock: true } }) }));
      const worker = createInteractionWorker({ lookup, audit: createMemoryAuditLog(), responder: recordingResponder(), mutes: createMuteActions(store), now: () => NOW });
      return { store, worker };
    }

    it("Undo mute never removes an operator's `mute add` rule, whatever id the value names", async () => {
      const { store, worker } = withStore();
      const operators = await addMute(store, { type: 'Recon:*', forMs: 86_400_000, reason: 'scanner week' }, { now: NOW, createdBy: 'alice', newId: () => 'm-operator' });
      const result = await worker.run(job({ id: 'a'.repeat(32), action: { name: 'undoMute', ref: { d: 'hook', f: finding.id, m: operators.id } } }));
      expect(result).toMatchObject({ result: 'refused', reason: 'nothing-to-undo' });
      expect((await store.listMutes(NOW)).map((r) => r.id)).toEqual(['m-operator']);
    });

    it("Undo mute removes the mute this message's click made, and not another message's", async () => {
      const { store, worker } = withStore();
      const muted = await worker.run(job({ id: 'b'.repeat(32), action: { name: 'mute', ref: { d: 'hook', f: finding.id, for: '7d' }, forMs: 604_800_000 } }));
      expect(muted).toMatchObject({ result: 'done' });
      const id = muted.audit.muteId!;
      // The same mute id in an Undo on another finding's message: refused, the mute stays.
      const elsewhere = await worker.run(job({ id: 'c'.repeat(32), action: { name: 'undoMute', ref: { d: 'hook', f: other.id, m: id } } }));
      expect(elsewhere).toMatchObject({ result: 'refused', reason: 'nothing-to-undo' });
      expect((await store.listMutes(NOW)).map((r) => r.id)).toEqual([id]);
      const undo = await worker.run(job({ id: 'd'.repeat(32), action: { name: 'undoMute', ref: { d: 'hook', f: finding.id, m: id } } }));
      expect(undo).toMatchObject({ result: 'done' });
      expect(await store.listMutes(NOW)).toEqual([]);
    });

    it('Mute similar takes the type and account from the stored finding, never the value; a digest mute is one exact type', async () => {
      const { store, worker } = withStore();
      // A value claiming type `*`: Mute similar ignores it.
      await worker.run(job({ id: 'e'.repeat(32), action: { name: 'mute', ref: { d: 'hook', f: finding.id, t: '*', for: '30d' }, forMs: 2_592_000_000 } }));
      expect((await store.listMutes(NOW)).map((r) => `${r.type} ${r.account}`)).toEqual([`${finding.type} ${finding.accountId}`]);
      // A digest's Mute type asking for a pattern: refused, nothing added.
      const pattern = await worker.run(job({ id: 'f'.repeat(32), action: { name: 'muteType', ref: { d: 'hook', t: '*', for: '30d' }, forMs: 2_592_000_000 } }));
      expect(pattern).toMatchObject({ result: 'refused', reason: 'invalid' });
      expect(await store.listMutes(NOW)).toHaveLength(1);
    });
  });
});
