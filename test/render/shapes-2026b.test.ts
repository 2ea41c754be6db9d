/**
 * What a reader sees of issue 20's shapes, in Slack and in the SNS/e-mail text: the scan of a Malware Protection for
 * Backup finding and its threats, "could not scan" notices with their reasons, the May 2026 attack-sequence indicators
 * in plain words, a health notice's coverage, an insight's results worst first, the custom action that sent a finding.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import type { SectionBlock, SlackMessage } from '../../src/core/message.js';
import { detailSections, prepareFinding } from '../../src/render/finding-facts.js';
import { teamsCardOf } from '../../src/render/teams-card.js';
import { cardProblems } from '../support/adaptive-card-check.js';
import { checkSlackLimits } from '../../src/render/limits.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { loadFixture } from '../support/finding-fixtures.js';
import { NOW } from '../support/make-finding.js';
import { messageProblems } from './inert.js';

function parsed(fixture: string): Finding {
  const finding = parseFindingDocument(loadFixture(fixture)).findings[0];
  if (finding === undefined) throw new Error(fixture);
  return finding;
}

function section(message: SlackMessage, title: string): string {
  const block = message.attachments![0]!.blocks.find((b): b is SectionBlock => b.type === 'section' && b.text?.text.startsWith(`*${title}*`) === true);
  return block?.text?.text ?? '';
}

function render(finding: Finding) {
  const message = renderFindingMessage(finding, { now: NOW });
  expect(checkSlackLimits(message.slack)).toEqual([]);
  expect(messageProblems(message.slack)).toEqual([]);
  return message;
}

describe('a Malware Protection for Backup finding', () => {
  it('shows the scanned snapshot, the source volume, the scan and each threat with path, hash and count', () => {
    const { slack, text } = render(parsed('eventbridge-backup-malware-snapshot'));
    expect(section(slack, 'Malware scan').split('\n')).toEqual([
      '*Malware scan*',
      'Scanned EBS snapshot `arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0`',
      'Source resource `arn:aws:ec2:us-east-1:123456789012:volume/vol-0aaaabbbbccccdddd`',
      'Scan `b16a7b8c9d0e1f2a3b4c5d6e7f8091a2` · `BACKUP_INITIATED` · `FULL_SCAN` · triggered by BACKUP',
    ]);
    expect(section(slack, 'Threats found').split('\n')).toEqual([
      '*Threats found*',
      '2 threats, worst first',
      '• `Trojan.Linux.ExampleMiner` ×2 in `/usr/local/bin/kworkerd` SHA-256 `2222222222222222222222222222222222222222222222222222222222222222`',
      '• `EICAR-Test-File (not a virus)` in `/home/ec2-user/eicar.com` SHA-256 `275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f`',
    ]);
    expect(text.body).toContain('Threats found:\n  2 threats, worst first\n  • Trojan.Linux.ExampleMiner ×2 in /usr/local/bin/kworkerd SHA-256 2222');
  });

  it('names the backup vault and the incremental baseline of a recovery point or AMI', () => {
    expect(section(render(parsed('eventbridge-backup-malware-ec2-recovery-point')).slack, 'Malware scan')).toContain('Backup vault `prod-daily-vault`');
    expect(section(render(parsed('eventbridge-backup-malware-ami')).slack, 'Malware scan')).toContain(
      'Incremental from `arn:aws:ec2:us-east-1::image/ami-0fedcba9876543210`',
    );
  });
});

describe('"could not scan" notices', () => {
  it('says a Backup scan was skipped, and why, as a Low notice', () => {
    const finding = parsed('eventbridge-backup-scan-skipped');
    expect([finding.type, finding.band.name]).toEqual(['MalwareProtection:EC2AMI/Skipped', 'Low']);
    const { slack } = render(finding);
    expect(slack.text).toBe('[Low] AMI could not be scanned: scan skipped — 123456789012 (us-east-1)'.replace('AMI', 'EC2 AMI'));
    expect(section(slack, 'Malware scan')).toContain('Status `SKIPPED` · `UNSUPPORTED_AMI`');
  });

  it('says why an S3 object was not scanned (statusReasons)', () => {
    const finding = parsed('eventbridge-malware-scan-skipped-status-reasons');
    expect(finding.scan?.statusReasons).toEqual([{ code: 'FILE_SIZE_EXCEEDED', words: 'The object is larger than the 100 GB Malware Protection for S3 supports' }]);
    const { slack, text } = render(finding);
    expect(section(slack, 'Why it was not scanned')).toContain('• `FILE_SIZE_EXCEEDED` The object is larger than the 100 GB Malware Protection for S3 supports');
    expect(text.body).toContain('Reason: The object is larger than the 100 GB');
  });
});

describe('an attack sequence with the 2026 context indicators', () => {
  it('says each indicator in plain words, and the other sequence types it matches', () => {
    const finding = parsed('eventbridge-attack-sequence-2026-indicators');
    const text = JSON.stringify(render(finding).slack);
    for (const line of [
      'Malicious software packages: `npm:event-stream-helper@4.0.1` `pypi:requests-toolbelt2@0.1`',
      'Exploitable vulnerabilities: `CVE-2026-12345` `CVE-2025-55182`',
      'Misconfigurations that helped the attack: `EKS API endpoint public` `Pod runs privileged`',
      'Reachable from the internet: `Load balancer a1b2.elb.example:443 open to 0.0.0.0/0`',
      'Sensitive data at risk: `s3://finance-archive-example (PII)`',
      'MITRE ATT&amp;CK techniques: `Supply Chain Compromise` `Resource Hijacking`',
      'A context GuardDuty adds later: `something new`',
      // Its own type is not repeated among the others.
      'Also matches: `AttackSequence:S3/CompromisedData`',
    ]) {
      expect(text).toContain(line);
    }
  });
});

describe('a detector health notice', () => {
  it('shows the status change and the reason', () => {
    const { slack } = render(parsed('eventbridge-runtime-protection-unhealthy-eks'));
    expect(slack.text).toBe('[Medium] Runtime Monitoring unhealthy on EKS cluster payments-prod — 123456789012 (us-east-1)');
    expect(section(slack, 'Runtime coverage').split('\n')).toEqual([
      '*Runtime coverage*',
      'Status `Healthy → Unhealthy`',
      'Reason: Security agent not deployed: the aws-guardduty-agent add-on is missing',
    ]);
  });

  it('has no console link of a finding (it is not one)', () => {
    expect(JSON.stringify(renderFindingMessage(parsed('eventbridge-malware-plan-status-error'), { now: NOW }).slack)).not.toContain('fId=');
  });
});

describe('Security Hub insight results', () => {
  it('names the insight and lists its results, most findings first, as inert text', () => {
    const finding = parsed('securityhub-insight-results');
    const { slack } = render(finding);
    expect(slack.text).toBe('[Unknown] Security Hub insight: EC2 instances with the most GuardDuty findings — 123456789012 (us-east-1)');
    const lines = section(slack, 'Insight results').split('\n');
    expect(lines.slice(1)).toEqual([
      'Grouped by `ResourceId` · most findings first',
      '• `arn:aws:ec2:us-east-1:123456789012:instance/i-0bbbbbbbbbbbbbbb2` — 41 findings',
      '• `arn:aws:ec2:us-east-1:123456789012:instance/i-0ccccccccccccccc3` — 12 findings',
      '• `arn:aws:ec2:us-east-1:123456789012:instance/i-0aaaaaaaaaaaaaaa1` — 3 findings',
      '• `&lt;!channel&gt; *bold* i-0ddd` — 1 finding',
    ]);
  });

  it('is one section per shape: no other finding gets one', () => {
    expect(detailSections(parsed('eventbridge-camel-instance-network'))).toEqual([]);
  });
});

describe('a finding sent with a custom action', () => {
  it('says which custom action sent it in the footer', () => {
    expect(JSON.stringify(render(parsed('securityhub-custom-action-guardduty-asff')).slack)).toContain('Sent with custom action `Send to Slack`');
  });
});

describe('the Teams card of the same shapes (from the same facts)', () => {
  it.each([
    ['eventbridge-backup-malware-snapshot', ['Threats found', 'Trojan.Linux.ExampleMiner', '/usr/local/bin/kworkerd', 'Source resource']],
    ['eventbridge-attack-sequence-2026-indicators', ['"Malicious software packages:"', 'npm:event-stream-helper@4.0.1', 'Also matches: ']],
    ['eventbridge-runtime-protection-unhealthy-eks', ['Runtime coverage', 'Healthy → Unhealthy']],
    ['securityhub-insight-results', ['Insight results', 'arn:aws:ec2:us-east-1:123456789012:instance/i-0bbbbbbbbbbbbbbb2']],
  ])('shows what the Slack message shows of %s, as a valid card', (fixture, expected) => {
    const card = teamsCardOf(prepareFinding(parsed(fixture), { now: NOW }));
    expect(cardProblems(card, [])).toEqual([]);
    const all = JSON.stringify(card);
    for (const text of expected) expect(all).toContain(text);
  });
});
