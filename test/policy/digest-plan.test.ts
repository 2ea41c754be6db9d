import { describe, expect, it } from 'vitest';
import type { Decision, NotifyKind } from '../../src/policy/decision.js';
import { planMessages } from '../../src/policy/digest-plan.js';
import { makeTestFinding } from './make-test-finding.js';

function notify(destination: string, i: number, kind: NotifyKind = 'new'): Decision {
  const finding = makeTestFinding({ id: `${destination}-${i}`, sample: true });
  return { outcome: 'notify', kind, destination, finding, target: { destination, route: 'all' } };
}

function suppress(destination: string, i: number): Decision {
  const finding = makeTestFinding({ id: `${destination}-dup-${i}` });
  return { outcome: 'suppress', reason: { code: 'duplicate' }, destination, finding, target: { destination, route: 'all' } };
}

function many(destination: string, n: number): Decision[] {
  return Array.from({ length: n }, (_, i) => notify(destination, i));
}

describe('planMessages', () => {
  it('turns a burst of 300 for one destination into one digest and leaves 3 for another as singles', () => {
    const decisions = [...many('sec', 150), ...many('ops', 3), ...many('sec', 150).map((d, i) => ({ ...d, finding: makeTestFinding({ id: `late-${i}` }) }))];
    const plan = planMessages(decisions, { threshold: 5 });
    expect(plan.singles.map((d) => d.finding.id)).toEqual(['ops-0', 'ops-1', 'ops-2']);
    expect(plan.digests).toHaveLength(1);
    expect(plan.digests[0]?.destination).toBe('sec');
    expect(plan.digests[0]?.part).toEqual({ index: 1, of: 1 });
    expect(plan.digests[0]?.decisions.map((d) => d.finding.id)).toEqual(
      decisions.filter((d) => d.destination === 'sec').map((d) => d.finding.id),
    );
  });

  it('splits 1200 into 3 parts at maxPerDigest 500, nothing lost, order kept', () => {
    const decisions = many('sec', 1200);
    const { singles, digests } = planMessages(decisions, { threshold: 5, maxPerDigest: 500 });
    expect(singles).toEqual([]);
    expect(digests.map((d) => d.part)).toEqual([
      { index: 1, of: 3 },
      { index: 2, of: 3 },
      { index: 3, of: 3 },
    ]);
    expect(digests.every((d) => d.decisions.length <= 500)).toBe(true);
    expect(digests.flatMap((d) => d.decisions)).toEqual(decisions);
  });

  it('splits into balanced parts rather than leaving a tiny last one', () => {
    const { digests } = planMessages(many('sec', 1001), { threshold: 5, maxPerDigest: 500 });
    expect(digests.map((d) => d.decisions.length)).toEqual([334, 334, 333]);
  });

  it('uses parts of at most 500 by default', () => {
    const { digests } = planMessages(many('sec', 501), { threshold: 5 });
    expect(digests.map((d) => d.decisions.length)).toEqual([251, 250]);
  });

  it.each([
    [5, 5, 'singles'],
    [6, 5, 'digest'],
    [1, 1, 'singles'],
    [2, 1, 'digest'],
  ])('%i notify decisions at threshold %i → %s', (n, threshold, expected) => {
    const plan = planMessages(many('sec', n), { threshold });
    expect(plan.digests.length > 0 ? 'digest' : 'singles').toBe(expected);
    expect(plan.singles.length + plan.digests.reduce((sum, d) => sum + d.decisions.length, 0)).toBe(n);
  });

  it('puts escalations of a burst into the digest too', () => {
    const decisions = [...many('sec', 5), notify('sec', 99, 'escalated')];
    const { singles, digests } = planMessages(decisions, { threshold: 5 });
    expect(singles).toEqual([]);
    expect(digests[0]?.decisions.map((d) => d.kind)).toContain('escalated');
  });

  it('does not count suppressions towards the threshold nor plan them', () => {
    const decisions = [...many('sec', 3), ...Array.from({ length: 50 }, (_, i) => suppress('sec', i))];
    const plan = planMessages(decisions, { threshold: 5 });
    expect(plan.digests).toEqual([]);
    expect(plan.singles.map((d) => d.finding.id)).toEqual(['sec-0', 'sec-1', 'sec-2']);
  });

  it('rejects a maxPerDigest that could not hold a finding', () => {
    expect(() => planMessages(many('sec', 10), { threshold: 5, maxPerDigest: 0 })).toThrow(RangeError);
  });
});

describe('quiet thread replies', () => {
  it('never folds repeats into a digest nor counts them toward the threshold', () => {
    const repeats = Array.from({ length: 40 }, (_, i) => notify('sec', i, 'repeat'));
    const quiet = planMessages([...repeats, notify('sec', 100), notify('sec', 101)], { threshold: 5 });
    expect(quiet.digests).toEqual([]);
    expect(quiet.singles).toHaveLength(42);

    const burst = Array.from({ length: 10 }, (_, i) => notify('sec', 200 + i));
    const mixed = planMessages([...repeats, ...burst], { threshold: 5 });
    expect(mixed.digests).toHaveLength(1);
    expect(mixed.digests[0]?.decisions).toHaveLength(10);
    expect(mixed.singles.every((d) => d.outcome === 'notify' && d.kind === 'repeat')).toBe(true);
    expect(mixed.singles).toHaveLength(40);
  });
});
