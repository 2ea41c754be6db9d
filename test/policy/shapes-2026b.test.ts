/**
 * What policy makes of the shapes of issue 20: a finding a person sends again with a Security Hub custom action, the
 * detector health notices (one message when a resource turns unhealthy, a recovery line when it is healthy again,
 * nothing while it stays the same), and Malware Protection for Backup findings (every scan is a new GuardDuty finding;
 * a rescan with the same threats is not news).
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import { decideNotification, nextLedgerEntry } from '../../src/policy/decide.js';
import type { Decision } from '../../src/policy/decision.js';
import { formatDecisionReason } from '../../src/policy/decision-record.js';
import type { LedgerEntry } from '../../src/policy/ledger.js';
import type { RouteTarget } from '../../src/policy/route.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { matchesFinding } from '../../src/policy/match.js';
import { runbookFor } from '../../src/policy/route.js';
import { loadFixture } from '../support/finding-fixtures.js';

const T0 = Date.parse('2026-03-10T10:00:00.000Z');
const target: RouteTarget = { destination: 'sec', route: 'routes[0]' };

function parsed(fixture: string, index = 0): Finding {
  const finding = parseFindingDocument(loadFixture(fixture)).findings[index];
  if (finding === undefined) throw new Error(`${fixture} #${index} gave no finding`);
  return finding;
}

function outcomeOf(decision: Decision): string {
  return decision.outcome === 'notify' ? decision.kind : formatDecisionReason(decision.reason);
}

/**
 * Feeds findings through decide + nextLedgerEntry as the pipeline does (one destination, minSeverity 4); a threading
 * destination gets its thread when a message opens one, as the drainer records it.
 */
function replay(findings: readonly Finding[], options: { threads: boolean; minSeverity?: number }): string[] {
  const ledger = new Map<string, LedgerEntry>();
  return findings.map((finding, i) => {
    const now = T0 + i * 60_000;
    const previous = ledger.get(finding.id);
    const decision = decideNotification({ finding, target, ledger: previous, mutes: [], now, minSeverity: options.minSeverity ?? 4, dropSamples: false, threads: options.threads });
    let next = nextLedgerEntry(decision, previous, now);
    if (next !== undefined && options.threads && decision.outcome === 'notify' && decision.kind === 'new') next = { ...next, threadTs: `ts-${i}` };
    if (next !== undefined) ledger.set(finding.id, next);
    return outcomeOf(decision);
  });
}

describe('a finding sent again with a Security Hub custom action', () => {
  const imported = parsed('securityhub-event-guardduty-asff');
  const picked = parsed('securityhub-custom-action-guardduty-asff');

  it('is the same finding as the one Security Hub imported', () => {
    expect(picked.id).toBe(imported.id);
    expect(picked.customAction).toEqual({
      name: 'Send to Slack',
      description: 'Post the selected findings to #security',
      arn: 'arn:aws:securityhub:us-east-1:123456789012:action/custom/SendToSlack',
    });
  });

  it('is a reply in the thread of the message already sent, never a second new message', () => {
    expect(replay([imported, picked], { threads: true })).toEqual(['new', 'repeat']);
    expect(replay([imported, picked], { threads: false })).toEqual(['new', 'duplicate']);
  });

  it('is new where nothing told of it before: the custom action is the only route that brought it', () => {
    expect(replay([picked], { threads: true })).toEqual(['new']);
  });

  it('says in the thread reply who asked again', () => {
    const message = renderFindingMessage(picked, { now: T0, kind: 'repeat' });
    expect(message.slack.text).toContain('Sent again:');
    expect(JSON.stringify(message.slack)).toContain(':outbox_tray: Sent again with the custom action Send to Slack');
  });
});

describe('detector health notices', () => {
  const unhealthy = parsed('eventbridge-runtime-protection-unhealthy-eks');
  const healthy = parsed('eventbridge-runtime-protection-healthy-eks');

  it('pairs the healthy event with the unhealthy one (one id per cluster)', () => {
    expect(healthy.id).toBe(unhealthy.id);
    expect([unhealthy.type, healthy.type]).toEqual(['Health:RuntimeProtection/Unhealthy', 'Health:RuntimeProtection/Healthy']);
  });

  it.each([true, false])('sends one message when it turns unhealthy, one recovery line, nothing in between (threads: %s)', (threads) => {
    expect(replay([unhealthy, unhealthy, healthy, healthy, unhealthy, unhealthy, healthy], { threads })).toEqual([
      'new',
      'duplicate',
      'repeat',
      'duplicate',
      'new',
      'duplicate',
      'repeat',
    ]);
  });

  it('says nothing of a resource that was healthy all along', () => {
    expect(replay([healthy], { threads: true })).toEqual(['duplicate']);
  });

  it('passes the usual minSeverity of 4, and the recovery passes any threshold the drop passed', () => {
    expect(unhealthy.band.name).toBe('Medium');
    expect(replay([unhealthy, healthy], { threads: true, minSeverity: 4 })).toEqual(['new', 'repeat']);
  });

  it('says "Recovered" in the recovery line', () => {
    const message = renderFindingMessage(healthy, { now: T0, kind: 'repeat' });
    expect(message.slack.text).toMatch(/^\[Low\] Recovered: Runtime Monitoring healthy again on EKS cluster payments-prod/);
    expect(JSON.stringify(message.slack)).toContain(':white_check_mark: Recovered: Unhealthy → Healthy');
  });
});

describe('Malware Protection for Backup findings', () => {
  const snapshot = parsed('eventbridge-backup-malware-snapshot');

  /** The same scanned snapshot and threats, as GuardDuty reports a rescan: a new finding id, a new scan id. */
  function rescan(threatNames?: readonly string[]): Finding {
    const doc = loadFixture('eventbridge-backup-malware-snapshot') as { detail: Record<string, unknown> & { service: { malwareScanDetails: { scanId: string; threats: Array<{ name: string }> } } } };
    doc.detail.id = 'ffeeddccbbaa99887766554433221100';
    doc.detail.service.malwareScanDetails.scanId = 'rescan-0001';
    if (threatNames !== undefined) doc.detail.service.malwareScanDetails.threats = threatNames.map((name) => ({ name }));
    return parseFindingDocument(doc).findings[0]!;
  }

  it('keys the ledger by scanned resource and threats, keeping GuardDuty’s id for links', () => {
    expect(snapshot.id).toMatch(/^scan-[0-9a-f]{32}$/);
    expect(snapshot.providerId).toBe('6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3');
    expect(rescan().id).toBe(snapshot.id);
  });

  it('treats a rescan that finds the same threats there as a repeat, and one that finds others as new', () => {
    expect(replay([snapshot, rescan()], { threads: false })).toEqual(['new', 'duplicate']);
    expect(replay([snapshot, rescan(['Backdoor.Linux.Other'])], { threads: false })).toEqual(['new', 'new']);
  });

  it('sends one message per scanned resource: the AMI and the recovery point are findings of their own', () => {
    const ids = ['eventbridge-backup-malware-snapshot', 'eventbridge-backup-malware-ami', 'eventbridge-backup-malware-ec2-recovery-point', 'eventbridge-backup-malware-s3-recovery-point'].map((f) => parsed(f).id);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('types of our own and of custom detection rules, in globs', () => {
  it.each([
    ['Health:*', 'eventbridge-runtime-protection-unhealthy-eks', true],
    ['Health:RuntimeProtection/*', 'eventbridge-malware-plan-status-error', false],
    ['Insight:*', 'securityhub-insight-results', true],
    ['MalwareProtection:*', 'eventbridge-backup-scan-skipped', true],
    ['Execution:*/MaliciousFile!*', 'eventbridge-backup-malware-s3-recovery-point', true],
    ['CredentialAccess:*', 'eventbridge-custom-detection-rule', true],
  ])('%s matches %s: %s', (glob, fixture, expected) => {
    expect(matchesFinding({ types: [glob] }, parsed(fixture))).toBe(expected);
  });

  it('finds the runbook of a custom detection rule type by glob', () => {
    const finding = parsed('eventbridge-custom-detection-rule');
    expect(finding.customDetectionRuleName).toBe('unsecured-credentials-on-hosts');
    expect(runbookFor({ runbooks: { '*:*/UnsecuredCredentials': 'https://wiki.example.com/runbooks/{type}' } }, finding)).toBe(
      'https://wiki.example.com/runbooks/CredentialAccess%3AEC2%2FUnsecuredCredentials',
    );
  });
});
