import { describe, expect, it } from 'vitest';
import { addBlock, removeBlock, type BlockActionDeps } from '../../src/actions/blocks.js';
import type { GroupedLines } from '../../src/respond/announce.js';
import { mergeBlockRecord } from '../../src/respond/block-record.js';
import type { TargetOutcome } from '../../src/respond/targets/converge.js';
import type { ReconcileResult } from '../../src/respond/targets/target.js';
import { RespondTargetError } from '../../src/respond/errors.js';
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
    // Every target written fine (a failing one: the tests below give their own).
    converge: async (targets) => {
      converged.push([...targets]);
      return { outcomes: targets.map((target) => heldBy(target)) };
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

/** A converge outcome: the target written, holding what the store gave it (or refusing some rows for room). */
function heldBy(target: string, refused: ReconcileResult['refused'] = [], inForce = 1): TargetOutcome {
  return {
    target,
    ok: true,
    result: { target, type: 'network-firewall', changed: true, written: true, added: [], removed: [], inForce, refused, room: { units: 100 }, calls: { reads: 1, writes: 1, conflicts: 0 } },
  };
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

describe('addBlock is the one gate: the finding as the store knows it, the target\'s room, said only once written', () => {
  it.each([
    ['a sample finding', { sample: true, archived: false }, 'sample'],
    ['a finding archived from another channel', { sample: false, archived: true }, 'archived'],
  ])('refuses %s, whatever the request says, and stores nothing', async (_name, flags, reason) => {
    const { d, store, converged } = deps();
    const gate: BlockActionDeps = { ...d, findings: { knownFinding: async (id) => (id === 'f-7' ? { ...flags, remoteIps: ['185.220.101.1'] } : undefined) } };
    const outcome = await addBlock(gate, { ip: '185.220.101.1', forMs: HOUR, reason: 'x', actor: 'U123', findingId: 'f-7' });
    expect(outcome).toMatchObject({ blocked: false, pending: false, refusal: { reason } });
    expect(await store.listBlocks()).toEqual([]);
    expect(converged).toEqual([]);
    // The same address for a finding the store knows nothing against is blocked.
    expect((await addBlock(gate, { ip: '185.220.101.1', forMs: HOUR, reason: 'x', actor: 'U123', findingId: 'f-8' })).blocked).toBe(true);
  });

  it('reads the target before storing: a full one refuses cap ("edge is full — 3 of 3 in use"), nothing stored, nothing written', async () => {
    const { d, store, converged, queued } = deps();
    const measured: string[][] = [];
    const gate: BlockActionDeps = {
      ...d,
      measure: async (targets) => {
        measured.push([...targets]);
        return new Map([['edge', { units: 1, inForce: 3 }]]);
      },
    };
    const outcome = await addBlock(gate, { ip: '185.220.104.3', target: 'edge', forMs: HOUR, reason: 'x', actor: 'sam' });
    expect(measured).toEqual([['edge']]);
    expect(outcome).toMatchObject({ blocked: false, pending: false, refusal: { reason: 'cap', detail: 'edge is full — 3 of 3 in use (rule group capacity)' } });
    expect(outcome.lines).toEqual(['Not blocked: 185.220.104.3: edge is full — 3 of 3 in use (rule group capacity)']);
    expect(await store.listBlocks()).toEqual([]);
    expect(converged).toEqual([]);
    expect(queued.map((m) => m.lines[0])).toEqual(['Not blocked: 185.220.104.3: edge is full — 3 of 3 in use (rule group capacity) by sam — x']);
  });

  it('a write that fails leaves the block pending: never "Blocked", announced as not yet in force', async () => {
    const { d, store, queued } = deps();
    const failing: BlockActionDeps = {
      ...d,
      converge: async (targets) => ({
        outcomes: targets.map((target) => ({ target, ok: false as const, error: new RespondTargetError(target, 'access-denied', 'UpdateRuleGroup', 'not authorized', { code: 'AccessDeniedException' }) })),
      }),
    };
    const outcome = await addBlock(failing, { ip: '185.220.101.1', target: 'edge', forMs: HOUR, reason: 'x', actor: 'sam' });
    expect(outcome).toMatchObject({ blocked: false, pending: true });
    expect(outcome.refusal).toBeUndefined();
    expect(outcome.perTarget).toEqual([expect.objectContaining({ target: 'edge', verdict: 'pending', detail: 'access-denied (AccessDeniedException)' })]);
    expect(outcome.lines).toEqual(['Could not block 185.220.101.1 in edge yet: access-denied (AccessDeniedException). The block is stored and pending; every sync tries again (block sync)']);
    expect(queued.flatMap((m) => m.lines).join('\n')).not.toMatch(/^Blocked/m);
    expect((await store.listBlocks({ standing: true })).map((r) => r.state)).toEqual(['active']);
  });

  it('a target found full only while writing (another block took the room): the row is ended again and cap refused', async () => {
    const { d, store } = deps();
    const racing: BlockActionDeps = {
      ...d,
      converge: async (targets) => ({ outcomes: targets.map((target) => heldBy(target, [{ record: makeBlock({ ip: '185.220.101.5', target }), reason: 'cap' }], 3)) }),
    };
    const outcome = await addBlock(racing, { ip: '185.220.101.5', target: 'edge', forMs: HOUR, reason: 'x', actor: 'sam' });
    expect(outcome).toMatchObject({ blocked: false, pending: false, refusal: { reason: 'cap', detail: 'edge is full — 3 of 3 in use' } });
    expect(await store.listBlocks({ standing: true })).toEqual([]);
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
