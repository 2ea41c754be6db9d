import { describe, expect, it } from 'vitest';
import { createDaemonMetrics } from '../../src/daemon/metrics.js';
import { decisionReasonLabel, type DecisionReason } from '../../src/policy/decision-record.js';
import { metricValue } from './helpers.js';

describe('createDaemonMetrics', () => {
  it('renders every daemon metric in Prometheus text format on a registry of its own', async () => {
    const a = createDaemonMetrics({ defaultMetrics: false });
    const b = createDaemonMetrics({ defaultMetrics: false }); // a second registry must not collide
    a.poller.apiCall?.('us-east-1', 'ListFindings', 'ok', 3);
    a.poller.apiCall?.('us-east-1', 'GetFindings', 'throttled', 5);
    a.poller.findingsSeen?.('us-east-1', 120);
    a.poller.findingsDropped?.('us-east-1', 'archived', 7);
    a.poller.regionPolled?.('us-east-1', 0.42, true, 1_700_000_000_000);
    a.poller.regionPolled?.('eu-west-1', 1.5, false, 1_700_000_000_000);
    a.recordIngest({
      documents: 1,
      findings: 3,
      errors: [],
      findingErrors: [{ document: 0, findingId: 'd', stage: 'render', destination: 'sec', message: 'x', fallback: true }],
      unrouted: 0,
      messagesQueued: 1,
      decisions: [
        { at: 1, destination: 'sec', findingId: 'a', findingType: 't', title: 't', severity: 8, outcome: 'notify', reason: { code: 'new' } },
        { at: 1, destination: 'sec', findingId: 'b', findingType: 't', title: 't', severity: 8, outcome: 'suppress', reason: { code: 'duplicate' } },
        { at: 1, destination: 'sec', findingId: 'c', findingType: 't', title: 't', severity: 8, outcome: 'suppress', reason: { code: 'muted', muteId: 'm-1a2b' } },
      ],
    });
    a.recordDrain({ sent: 2, failed: 1, retried: 0, byDestination: { sec: { sent: 2, failed: 1, retried: 0 } } });
    a.setOutbox({ pending: 4, failed: 1 });
    a.setCursor('us-east-1', 'det1', 1_700_000_000_000);
    const text = await a.render();

    expect(a.contentType).toContain('text/plain');
    expect(metricValue(text, 'guardduty_notifier_guardduty_api_calls_total', { operation: 'ListFindings', outcome: 'ok' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_guardduty_api_calls_total', { operation: 'GetFindings', outcome: 'throttled' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_guardduty_api_retries_total', { operation: 'GetFindings' })).toBe(4);
    expect(metricValue(text, 'guardduty_notifier_findings_seen_total', { region: 'us-east-1' })).toBe(120);
    expect(metricValue(text, 'guardduty_notifier_findings_dropped_total', { region: 'us-east-1', reason: 'archived' })).toBe(7);
    expect(metricValue(text, 'guardduty_notifier_poll_duration_seconds_count', { region: 'us-east-1', result: 'ok' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_last_successful_poll_timestamp_seconds', { region: 'us-east-1' })).toBe(1_700_000_000);
    expect(metricValue(text, 'guardduty_notifier_last_successful_poll_timestamp_seconds', { region: 'eu-west-1' })).toBeNaN();
    expect(metricValue(text, 'guardduty_notifier_poll_errors_total', { region: 'eu-west-1' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_suppressed_total', { reason: 'duplicate' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_suppressed_total', { reason: 'muted' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_decisions_total', { destination: 'sec', outcome: 'notify' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_finding_errors_total', { stage: 'render' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_notifications_total', { destination: 'sec', outcome: 'sent' })).toBe(2);
    expect(metricValue(text, 'guardduty_notifier_notifications_total', { destination: 'sec', outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'guardduty_notifier_outbox_depth', { status: 'pending' })).toBe(4);
    expect(metricValue(text, 'guardduty_notifier_cursor_timestamp_seconds', { region: 'us-east-1', detector: 'det1' })).toBe(1_700_000_000);
    expect(await b.render()).not.toContain('us-east-1');
  });

  it.each<[DecisionReason, string]>([
    [{ code: 'duplicate' }, 'duplicate'],
    [{ code: 'muted', muteId: 'm-1a2b' }, 'muted'],
    [{ code: 'digest', kind: 'new', digestId: '1a2b3c4d' }, 'new'],
  ])('cuts the reason %j to the bounded label %j', (reason, kind) => {
    expect(decisionReasonLabel(reason)).toBe(kind);
  });
});
