import { describe, expect, it } from 'vitest';
import { bandOf } from '../../src/finding/finding.js';
import {
  pagerDutyDedupKey,
  pagerDutyDigestTrigger,
  pagerDutyLifecycle,
  pagerDutySeverity,
  pagerDutyTrigger,
  referenceInTitle,
  referenceOfKey,
} from '../../src/render/pagerduty-event.js';
import { makeFinding } from '../support/make-finding.js';

describe('PagerDuty trigger for a finding', () => {
  const finding = makeFinding();

  it('keys the alert by the finding, the same key every time, within 255 characters', () => {
    const a = pagerDutyTrigger(finding);
    const b = pagerDutyTrigger(makeFinding({ count: 7, updatedAt: '2024-05-02T00:00:00.000Z' }));
    expect(a.dedup_key).toBe(b.dedup_key);
    expect(a.dedup_key).toBe(pagerDutyDedupKey(finding.id));
    expect(a.dedup_key.length).toBeLessThanOrEqual(255);
    expect(pagerDutyDedupKey('x'.repeat(5000)).length).toBeLessThanOrEqual(255);
    expect(pagerDutyTrigger(makeFinding({ id: 'another' })).dedup_key).not.toBe(a.dedup_key);
  });

  it('says "[High 8.0] title — account (region)" and ends in our short reference', () => {
    const event = pagerDutyTrigger(finding, { accountName: 'prod-payments' });
    const ref = referenceOfKey(event.dedup_key)!;
    expect(event.payload!.summary).toBe(
      `[High 8.0] ${finding.title} — prod-payments 123456789012 (us-east-1) [gdn ${ref}]`,
    );
    expect(referenceInTitle(event.payload!.summary)).toBe(ref);
  });

  it('cuts a huge title to 1024 characters but never the reference', () => {
    const event = pagerDutyTrigger(makeFinding({ title: 'A'.repeat(5000) }));
    expect(event.payload!.summary.length).toBeLessThanOrEqual(1024);
    expect(event.payload!.summary).toMatch(/… \[gdn [0-9a-f]{8}\]$/);
  });

  it('fills source, severity by band, component, group, class and custom_details naming the finding id', () => {
    const event = pagerDutyTrigger(finding, { accountName: 'prod-payments' });
    expect(event.event_action).toBe('trigger');
    expect(event.payload).toMatchObject({
      severity: 'error',
      component: finding.resource.type,
      group: 'prod-payments',
      class: finding.type,
    });
    expect(event.payload!.source).toContain('123456789012/us-east-1/');
    expect(event.payload!.custom_details!['finding_id']).toBe(finding.id);
  });

  it.each([
    [9.5, 'critical'],
    [8, 'error'],
    [5, 'warning'],
    [2, 'info'],
  ] as const)('maps severity %s to %s by default', (severity, expected) => {
    expect(pagerDutySeverity(bandOf(severity).name)).toBe(expected);
  });

  it('takes the destination\'s severity map over the defaults', () => {
    expect(pagerDutyTrigger(finding, { severities: { high: 'critical' } }).payload!.severity).toBe('critical');
  });

  it('links only the console and runbook URLs we built, never a URL from the finding', () => {
    const hostile = makeFinding({ title: 'see https://evil.example/x', description: '<https://evil.example|click>' });
    const event = pagerDutyTrigger(hostile, { consoleUrl: 'https://console.aws.amazon.com/guardduty/home', runbookUrl: 'https://wiki.example/run' });
    expect(event.links!.map((l) => l.href)).toEqual(['https://console.aws.amazon.com/guardduty/home', 'https://wiki.example/run']);
    expect(pagerDutyTrigger(hostile).links).toBeUndefined();
  });

  it('strips control characters and line breaks from finding text', () => {
    const event = pagerDutyTrigger(makeFinding({ title: 'bad\u001b[31m\nred\u202Etitle' }));
    expect(event.payload!.summary).not.toMatch(/[\u0000-\u001f\u202e]/);
  });
});

describe('PagerDuty digest and lifecycle events', () => {
  it('makes one event for a digest, its own key, the worst member\'s severity', () => {
    const items = [makeFinding({ id: 'a', severity: 5, band: bandOf(5) }), makeFinding({ id: 'b', severity: 9.1, band: bandOf(9.1) })].map((finding) => ({ finding }));
    const event = pagerDutyDigestTrigger('digest-1', items);
    expect(event.dedup_key).not.toBe(pagerDutyDedupKey('a'));
    expect(event.payload!.severity).toBe('critical');
    expect(event.payload!.summary).toMatch(/^\[Digest\] 2 findings \(1 Critical, 1 Medium\)/);
    expect(event.payload!.custom_details!['finding_ids']).toEqual(['b', 'a']);
  });

  it('acknowledges and resolves with the same key and no payload', () => {
    const key = pagerDutyDedupKey('f');
    expect(pagerDutyLifecycle('acknowledge', key)).toEqual({ event_action: 'acknowledge', dedup_key: key });
    expect(pagerDutyLifecycle('resolve', key)).toEqual({ event_action: 'resolve', dedup_key: key });
  });

  it('matches the last reference of a title, so a finding title cannot plant one in front of ours', () => {
    expect(referenceInTitle('[High 8.0] [gdn deadbeef] fake — acct [gdn 1a2b3c4d]')).toBe('1a2b3c4d');
    expect(referenceInTitle('no reference')).toBeUndefined();
  });
});
