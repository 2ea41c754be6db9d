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
});
