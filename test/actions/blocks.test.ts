import { describe, expect, it } from 'vitest';
import { addBlock, removeBlock, type BlockActionDeps } from '../../src/actions/blocks.js';
import type { GroupedLines } from '../../src/respond/announce.js';
import { mergeBlockRecord } from '../../src/respond/block-record.js';
import { createMemoryStore } from '../support/memory-store.js';
import { HOUR, makeBlock, respondConfig, T0 } from '../respond/helpers.js';

/** The bodies of `block add|remove` and the Slack "Block IP" menu: same safety rules as the pipeline, no force. */

function deps(overrides: Partial<Parameters<typeof respondConfig>[0]> = {}) {
  const store = createMemoryStore();
  const converged: string[][] = [];
  const queued: GroupedLines[] = [];
  const d: BlockActionDeps = {
    store,
    respond: respondConfig(overrides),
    now: () => T0,
    converge: async (targets) => {
      converged.push([...targets]);
      return { outcomes: [] };
    },
    announce: {
      // f-2 was notified in two channels; any other finding, and no finding, in the fallback one.
      destinationsFor: async (findingId) => (findingId === 'f-2' ? ['sec', 'ops'] : ['sec']),
      queue: async (messages) => {
        queued.push(...messages);
        return messages.length;
      },
    },
  };
  return { d, store, converged, queued };
}

describe('addBlock', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['203.0.113.9', 'documentation'],
    ['::ffff:192.168.1.1', 'private'],
    ['185.220.100.7', 'allow-list'],
    // The allow entry 185.220.100.0/24 in its NAT64 and 6to4 forms.
    ['64:ff9b::185.220.100.7', 'allow-list'],
    ['64:ff9b::b9dc:6407', 'allow-list'],
    ['2002:b9dc:6407::1', 'allow-list'],
    ['not-an-ip', 'invalid'],
  ])('refuses %s (%s) and stores nothing', async (ip, reason) => {
    const { d, store, converged } = deps();
    const outcome = await addBlock(d, { ip, target: 'edge', forMs: 24 * HOUR, reason: 'test', actor: 'alice' });
    expect(outcome).toMatchObject({ blocked: false, refusal: { reason } });
    expect(outcome.lines[0]).toMatch(/^Not blocked: /);
    expect(await store.listBlocks()).toEqual([]);
    expect(converged).toEqual([]);
  });

  it('blocks in one target, records who asked, and converges that target', async () => {
    const { d, store, converged } = deps();
    const outcome = await addBlock(d, { ip: '185.220.101.1', target: 'edge', forMs: 24 * HOUR, reason: 'scanner', actor: 'alice', findingId: 'f-9' });
    expect(outcome).toMatchObject({ blocked: true, dryRun: false });
    expect(outcome.lines).toEqual(['Blocked 185.220.101.1 for 1 d in edge (source and destination)']);
    expect(await store.listBlocks()).toEqual([
      expect.objectContaining({ ip: '185.220.101.1', target: 'edge', rule: 'manual', reason: 'scanner (by alice)', findingId: 'f-9', until: T0 + 24 * HOUR, state: 'active' }),
    ]);
    expect(converged).toEqual([['edge']]);
  });

  it('without a target blocks in every target it can (a WAF one as source only)', async () => {
    const { d } = deps();
    const outcome = await addBlock(d, { ip: '2001:470::1', forMs: HOUR, reason: 'x', actor: '' });
    expect(outcome.perTarget.map((p) => `${p.target} ${p.kind}${p.reason ? ` ${p.reason}` : ''}`)).toEqual(['edge block', 'alb refuse unsupported', 'alb6 block']);
    expect(outcome.perTarget.find((p) => p.target === 'alb6')?.record?.direction).toBe('source');
  });

  it('extends a standing block and never shortens it; refuses at the caps; in dry-run records a dry-run row', async () => {
    const { d, store } = deps({ maxActive: 1 });
    await store.putBlocks([makeBlock({ ip: '185.220.101.1', until: T0 + 10 * HOUR })]);
    const longer = await addBlock(d, { ip: '185.220.101.1', target: 'edge', forMs: 24 * HOUR, reason: 'x', actor: 'a' });
    expect(longer.perTarget[0]).toMatchObject({ kind: 'extend', record: { until: T0 + 24 * HOUR } });
    const shorter = await addBlock(d, { ip: '185.220.101.1', target: 'edge', forMs: HOUR, reason: 'x', actor: 'a' });
    expect(shorter).toMatchObject({ blocked: false, refusal: { reason: 'already-blocked' } });
    const capped = await addBlock(d, { ip: '185.220.101.2', target: 'edge', forMs: HOUR, reason: 'x', actor: 'a' });
    expect(capped).toMatchObject({ blocked: false, refusal: { reason: 'cap' } });

    const dry = deps({ mode: 'dry-run' });
    const outcome = await addBlock(dry.d, { ip: '185.220.101.3', target: 'edge', forMs: HOUR, reason: 'x', actor: 'a' });
    expect(outcome).toMatchObject({ blocked: true, dryRun: true });
    expect(outcome.lines[0]).toBe('Would block 185.220.101.3 for 1 h in edge (source and destination) (dry-run)');
    expect(dry.converged).toEqual([]);
  });

  it('says which request cannot be planned: an unknown target, a duration past 7 days', async () => {
    const { d } = deps();
    expect(await addBlock(d, { ip: '185.220.101.1', target: 'nowhere', forMs: HOUR, reason: 'x', actor: 'a' })).toMatchObject({ refusal: { reason: 'unknown-target' } });
    expect(await addBlock(d, { ip: '185.220.101.1', target: 'edge', forMs: 8 * 24 * HOUR, reason: 'x', actor: 'a' })).toMatchObject({ refusal: { reason: 'invalid-duration' } });
  });
});

describe('removeBlock', () => {
  it('ends the address in every target, announces the real unblocks (one message a channel) and converges', async () => {
    const { d, store, converged, queued } = deps();
    await store.putBlocks([
      makeBlock({ ip: '185.220.101.1', announceTo: ['ops'] }),
      makeBlock({ ip: '185.220.101.1', target: 'alb', direction: 'source', announceTo: ['ops'] }),
      makeBlock({ ip: '185.220.101.2' }),
    ]);
    const outcome = await removeBlock(d, { ip: '185.220.101.1', actor: 'bob' });
    expect(outcome.removed.map((r) => `${r.target} ${r.state}`).sort()).toEqual(['alb removed', 'edge removed']);
    expect(outcome.lines).toContain('Unblocked 185.220.101.1 in edge (removed by hand)');
    expect(outcome.announced).toBe(1);
    expect(queued).toEqual([
      expect.objectContaining({
        destination: 'ops',
        lines: ['Unblocked 185.220.101.1 in alb by bob', 'Unblocked 185.220.101.1 in edge by bob'],
        finding: { id: 'f-1', type: 'UnauthorizedAccess:EC2/SSHBruteForce' },
      }),
    ]);
    expect(converged.map((t) => [...t].sort())).toEqual([['alb', 'edge']]);
    expect((await store.listBlocks({ standing: true })).map((r) => r.ip)).toEqual(['185.220.101.2']);
    expect((await removeBlock(d, { ip: '185.220.101.1', actor: 'bob' })).removed).toEqual([]);
  });
});

describe('announcing what people do (the pipeline\'s way: outbox messages)', () => {
  it('announces a block with who asked and why, in the fallback channel when it names no finding; the row remembers where', async () => {
    const { d, store, queued } = deps();
    const outcome = await addBlock(d, { ip: '185.220.101.1', target: 'edge', forMs: 24 * HOUR, reason: 'SSH brute force on bastion', actor: 'alice' });
    expect(outcome.announced).toBe(1);
    expect(queued).toEqual([{ destination: 'sec', lines: ['Blocked 185.220.101.1 for 1 d in edge (source and destination) by alice — SSH brute force on bastion'], idParts: expect.any(Array) }]);
    expect((await store.listBlocks())[0]?.announceTo).toEqual(['sec']);
  });

  it('names the finding (its thread) in every channel it was notified in, except the one the caller tells itself', async () => {
    const { d, store, queued } = deps();
    await addBlock(d, { ip: '185.220.101.1', target: 'edge', forMs: HOUR, reason: 'Blocked from Slack by @sam', actor: 'U123', findingId: 'f-2', alreadyTold: ['sec'] });
    expect(queued.map((m) => `${m.destination} ${m.finding?.id ?? '-'} ${m.lines.join('|')}`)).toEqual([
      'ops f-2 Blocked 185.220.101.1 for 1 h in edge (source and destination) by U123 — Blocked from Slack by @sam',
    ]);
    // Its end is announced in both: the clicked message was told of the block too.
    expect((await store.listBlocks())[0]?.announceTo).toEqual(['sec', 'ops']);
    await removeBlock(d, { ip: '185.220.101.1', actor: 'U123', alreadyTold: ['sec'] });
    expect(queued.at(-1)).toMatchObject({ destination: 'ops', lines: ['Unblocked 185.220.101.1 in edge by U123'] });
  });

  it('announces a refusal at a cap, not a refused private address; a dry-run block as "would block"', async () => {
    const { d, store, queued } = deps({ maxActive: 1 });
    await store.putBlocks([makeBlock({ ip: '185.220.101.9' })]);
    await addBlock(d, { ip: '10.1.2.3', target: 'edge', forMs: HOUR, reason: 'typo', actor: 'a' });
    expect(queued).toEqual([]);
    await addBlock(d, { ip: '185.220.101.2', target: 'edge', forMs: HOUR, reason: 'x', actor: 'a' });
    expect(queued.map((m) => m.lines[0])).toEqual([expect.stringMatching(/^Not blocked: 185\.220\.101\.2: .* by a — x$/)]);

    const dry = deps({ mode: 'dry-run' });
    await addBlock(dry.d, { ip: '185.220.101.3', target: 'edge', forMs: HOUR, reason: 'x', actor: 'a' });
    expect(dry.queued.map((m) => m.lines[0])).toEqual(['Would block 185.220.101.3 for 1 h in edge (source and destination) (dry-run) by a — x']);
  });
});

describe('mergeBlockRecord (the rule every store applies)', () => {
  it('is idempotent, so a redelivered commit changes nothing', () => {
    const row = makeBlock();
    expect(mergeBlockRecord(row, row)).toBe(row);
  });
  it('starts a new block over an expired row that was never pruned', () => {
    const old = makeBlock({ until: T0 + HOUR });
    const fresh = makeBlock({ since: T0 + 2 * HOUR, until: T0 + 14 * HOUR, updatedAt: T0 + 2 * HOUR });
    expect(mergeBlockRecord(old, fresh)).toBe(fresh);
  });
});
