import { describe, expect, it } from 'vitest';
import { formatStatus, type StatusReport } from '../../src/state/status-report.js';

const report = (stats: StatusReport['stats']): StatusReport => ({ stats, failed: [], pending: [], decisions: [] });
const NOW = Date.UTC(2026, 10, 20, 8, 0, 0);

describe('formatStatus', () => {
  it('prints exact counts as they are', () => {
    expect(formatStatus(report({ pending: 2, failed: 0, sent: 40, oldestPendingAt: NOW - 90_000 }), NOW)).toMatch(
      /^Outbox: 2 pending, oldest 1m30s ago, 0 failed, 40 sent\n/,
    );
  });

  it('marks a count the store stopped at its bound as "at least", never passing it off as exact', () => {
    const text = formatStatus(report({ pending: 0, failed: 3, sent: 1_400_000, capped: ['sent'] }), NOW);
    expect(text).toMatch(/^Outbox: 0 pending, 3 failed, 1400000\+ sent\n {2}\(\+: counted up to the store's bound, there are at least that many\)\n/);
  });

  it('shows a decision\'s number, else its band (an OCSF finding has a band and no number), else ?', () => {
    const at = NOW - 60_000;
    const decision = { at, destination: 'sec', findingType: 'T', title: 't', outcome: 'notify' as const, reason: 'new' };
    const text = formatStatus(
      {
        ...report({ pending: 0, failed: 0, sent: 3 }),
        decisions: [
          { ...decision, findingId: 'numbered', severity: 8, band: 'High' },
          { ...decision, findingId: 'ocsf', severity: null, band: 'High' },
          { ...decision, findingId: 'unknown', severity: null, band: 'Unknown' },
        ],
      },
      NOW,
    );
    expect(text).toMatch(/\[8\.0\] T {2}numbered\n/);
    expect(text).toMatch(/\[High\] T {2}ocsf\n/);
    expect(text).toMatch(/\[\?\] T {2}unknown\n/);
  });
});
