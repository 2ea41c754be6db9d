import { describe, expect, it } from 'vitest';
import { formatBlockJson } from '../../src/actions/blocks-report.js';
import type { BlockRecord } from '../../src/respond/block-record.js';

const row: BlockRecord = {
  ip: '185.220.101.1',
  cidr: '185.220.101.1/32',
  family: 4,
  target: 'edge',
  since: 1_767_225_600_000,
  until: 1_767_268_800_000,
  // Attacker-influenced: a finding type / a Slack user's name, with a one-byte CSI (U+009B) and an RTL override.
  findingId: 'f\u009b2J\u202eid',
  rule: 'attackers',
  direction: 'both',
  state: 'active',
  reason: 'Blocked from Slack by \u009b31mmallory\u2066',
  updatedAt: 1_767_225_600_000,
  extensions: 0,
};

describe('block list --json output', () => {
  it('writes C1 and bidi controls of attacker-influenced fields as JSON escapes, never raw', () => {
    const out = formatBlockJson([row]);
    expect(out).not.toMatch(/[\u0080-\u009F\u202A-\u202E\u2066-\u2069]/);
    expect(out).toContain('\\u009b31mmallory\\u2066');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('parses back to exactly the rows (only the spelling changes)', () => {
    expect(JSON.parse(formatBlockJson([row]))).toEqual([row]);
  });
});
