import { describe, expect, it } from 'vitest';
import { formatBlockStatus, readBlockStatus, targetFailureKey, targetHeldKey } from '../../src/state/block-status.js';
import { formatStatus, formatStatusJson, readStatus } from '../../src/state/status-report.js';
import { createMemoryStore } from '../support/memory-store.js';
import { HOUR, makeBlock, respondConfig, T0 } from '../respond/helpers.js';

/** `status`: the blocks in force per respond target, the newest few, and a write failure the responder recorded. */

describe('status: blocks per target', () => {
  it('counts the blocks in force per target, lists the newest few first, and leaves out what ended', async () => {
    const store = createMemoryStore();
    const rows = Array.from({ length: 7 }, (_, i) => makeBlock({ ip: `185.220.101.${i + 1}`, since: T0 + i * 1_000, findingId: `f-${i + 1}` }));
    await store.putBlocks([
      ...rows,
      makeBlock({ ip: '185.220.102.1', target: 'alb', direction: 'source', rule: 'manual', findingId: undefined }),
      makeBlock({ ip: '185.220.103.1', state: 'removed' }),
      makeBlock({ ip: '185.220.103.2', until: T0 + HOUR }), // past its time at NOW, not pruned yet: not in force
    ]);
    // Both targets were converged after these rows were stored: the targets hold them.
    await store.setCursor(targetHeldKey('edge'), T0 + HOUR);
    await store.setCursor(targetHeldKey('alb'), T0 + HOUR);
    const status = await readBlockStatus(store, respondConfig(), T0 + 2 * HOUR);
    expect(status.mode).toBe('enforce');
    expect(status.targets.map((t) => `${t.target} ${t.inForce} ${t.dryRun}`)).toEqual(['edge 7 0', 'alb 1 0', 'alb6 0 0']);
    const edge = status.targets[0]!;
    expect(edge.newest.map((b) => b.ip)).toEqual(['185.220.101.7', '185.220.101.6', '185.220.101.5', '185.220.101.4', '185.220.101.3']);
    expect(edge.newest[0]).toEqual({ ip: '185.220.101.7', target: 'edge', since: T0 + 6_000, until: T0 + 12 * HOUR, rule: 'attackers', findingId: 'f-7', state: 'active', enforcement: 'enforced' });
    expect(edge.failingSince).toBeUndefined();
  });

  it('shows enforced and pending apart: a block stored after the last good write is pending, not in force', async () => {
    const store = createMemoryStore();
    await store.putBlocks([
      makeBlock({ ip: '185.220.101.1', updatedAt: T0 }),
      makeBlock({ ip: '185.220.101.2', since: T0 + 2 * HOUR, updatedAt: T0 + 2 * HOUR, until: T0 + 12 * HOUR }),
    ]);
    await store.setCursor(targetHeldKey('edge'), T0 + HOUR);
    await store.setCursor(targetFailureKey('edge'), T0 + 2 * HOUR);
    const status = await readBlockStatus(store, respondConfig(), T0 + 3 * HOUR);
    const edge = status.targets.find((t) => t.target === 'edge')!;
    expect(edge).toMatchObject({ inForce: 1, pending: 1 });
    expect(edge.newest.map((b) => `${b.ip} ${b.enforcement}`)).toEqual(['185.220.101.2 pending', '185.220.101.1 enforced']);
    const text = formatBlockStatus(status).join('\n');
    expect(text).toContain('edge: 1 in force, 1 pending (stored, not yet written to the target); WRITES FAILING since');
    expect(text).toMatch(/185\.220\.101\.2 .* \(pending\)/);
  });

  it('shows a write failure the responder recorded, until the target works again', async () => {
    const store = createMemoryStore();
    await store.setCursor(targetFailureKey('edge'), T0);
    const failing = await readBlockStatus(store, respondConfig(), T0 + HOUR);
    expect(failing.targets.find((t) => t.target === 'edge')?.failingSince).toBe(T0);
    expect(formatBlockStatus(failing).join('\n')).toContain('edge: 0 in force; WRITES FAILING since 2024-05-01T12:00:00Z');
    await store.setCursor(targetFailureKey('edge'), 0);
    expect((await readBlockStatus(store, respondConfig(), T0 + HOUR)).targets[0]).not.toHaveProperty('failingSince');
  });

  it('in dry-run counts the would-be blocks apart, and `status` prints and serialises the section', async () => {
    const store = createMemoryStore();
    await store.putBlocks([makeBlock({ ip: '185.220.101.1', state: 'dry-run' })]);
    const report = await readStatus(store, 10, T0 + HOUR, { respond: respondConfig({ mode: 'dry-run' }) });
    const text = formatStatus(report, T0 + HOUR);
    expect(text).toContain('Blocks (respond.mode dry-run):\n  edge: 0 in force, 1 would-block (dry-run)\n    185.220.101.1  until 2024-05-02T00:00:00Z  rule attackers, finding f-1  (dry-run)');
    const json = JSON.parse(formatStatusJson(report)) as { blocks: { targets: Array<{ target: string; inForce: number; dryRun: number; newest: Array<{ ip: string }> }> } };
    expect(json.blocks.targets[0]).toMatchObject({ target: 'edge', inForce: 0, dryRun: 1, newest: [{ ip: '185.220.101.1' }] });
    // Without respond: no section.
    expect(formatStatus(await readStatus(store, 10, T0 + HOUR), T0 + HOUR)).not.toContain('Blocks');
  });
});
