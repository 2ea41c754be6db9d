import { describe, expect, it } from 'vitest';
import { countDecisions } from '../../src/policy/counters.js';
import type { Decision } from '../../src/policy/decision.js';
import { makeTestFinding } from './make-test-finding.js';

describe('countDecisions', () => {
  it('counts by destination, outcome and kind or reason', () => {
    const finding = makeTestFinding();
    const base = { finding, target: { destination: 'sec', route: 'all' } };
    const decisions: Decision[] = [
      { ...base, outcome: 'notify', kind: 'new', destination: 'sec' },
      { ...base, outcome: 'suppress', reason: { code: 'duplicate' }, destination: 'sec' },
      { ...base, outcome: 'suppress', reason: { code: 'muted', muteId: 'config:0' }, destination: 'sec' },
      { ...base, outcome: 'suppress', reason: { code: 'duplicate' }, destination: 'sec' },
      { ...base, outcome: 'suppress', reason: { code: 'duplicate' }, destination: 'ops' },
    ];
    expect(countDecisions(decisions)).toEqual([
      { destination: 'sec', outcome: 'notify', reason: 'new', count: 1 },
      { destination: 'sec', outcome: 'suppress', reason: 'duplicate', count: 2 },
      { destination: 'sec', outcome: 'suppress', reason: 'muted:config:0', count: 1 },
      { destination: 'ops', outcome: 'suppress', reason: 'duplicate', count: 1 },
    ]);
  });
});
