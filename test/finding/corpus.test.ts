import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFindingText } from '../../src/finding/parse.js';
import { corpus2026bDir, corpus2026Dir, corpusDir, listCorpus, listCorpus2026, listCorpus2026b, loadCorpusText } from '../support/finding-fixtures.js';

if (corpusDir === undefined) {
  console.warn('Skipping the finding corpus tests: ../shared/corpus is not beside this checkout (see test/support/finding-fixtures.ts).');
} else if (corpus2026Dir === undefined) {
  console.warn('Skipping the 2026 corpus tests: ../shared/corpus/2026 is not beside this checkout.');
}
if (corpusDir !== undefined && corpus2026bDir === undefined) {
  console.warn('Skipping the 2026b corpus tests: ../shared/corpus/2026b is not beside this checkout.');
}

/**
 * The third-party corpus (../shared/corpus, see its README): every document must parse, and every finding in it must
 * keep its type, severity band, account, region and a title.
 */
describe.skipIf(corpusDir === undefined)('the third-party finding corpus', () => {
  const files = listCorpus();

  it('holds the documents its README lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(33);
  });

  it.each(files.map((file) => [path.basename(file), file] as const))('parses %s', (_name, file) => {
    const { findings, errors } = parseFindingText(loadCorpusText(file));
    expect(errors).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      const raw = finding.raw as Record<string, unknown>;
      expect(finding.title.trim()).not.toBe('');
      expect(finding.type).not.toBe('');
      expect(finding.band.name).not.toBe('Unknown');
      expect(finding.id).not.toBe('');
      expect(finding.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      if ('accountId' in raw || 'AccountId' in raw || 'AwsAccountId' in raw) expect(finding.accountId).toBeTruthy();
      expect(finding.resource.summary.trim()).not.toBe('');
      expect(Object.isFrozen(finding)).toBe(true);
    }
  });

  it.each<[file: string, expected: Record<string, unknown>]>([
    ['aws__aws-cli__get-findings-recon-iamuser-userpermissions.json', { format: 'getfindings', count: 5, accountId: '111122223333' }],
    ['cloud-custodian__cloud-custodian__ec2-duty-event-backdoor-ccactivity-dns.json', { format: 'eventbridge', sample: true, action: { domain: 'example.com' } }],
    ['opencybersecurityalliance__stix-shifter__credentialaccess-rds-maliciousipcaller-failedlogin.json', { archived: false, sample: true, count: 4 }],
    ['OluOlus__guardduty-sentinel-integration__network-finding.json', { severity: 8.7, band: { name: 'High' } }],
    ['panther-labs__panther-analysis__attacksequence-iam-compromisedcredentials.json', { band: { name: 'Critical' }, createdAt: '2025-02-25T20:40:06.721Z', firstSeen: '2025-02-25T20:40:06.000Z' }],
    ['aws-samples__amazon-guardduty-automated-response-sample__pentest-s3-parrotlinux.json', { archived: true, resource: { type: 'S3Bucket', summary: 'bucketName' } }],
    ['CiscoSecurity__tr-05-serverless-guardduty__recon-ec2-portprobeunprotectedport.json', { accountId: 'id', action: { type: 'PORT_PROBE', remoteIp: '198.51.100.0', localPort: 80 } }],
    [
      'aws-samples__aws-networkfirewall-guardduty__securityhub-testevent-backdoor-ec2-ccactivity.json',
      { format: 'asff', type: 'Backdoor:EC2/C&CActivity.B', severity: 8, sample: true, action: { remoteIp: '198.51.100.0', remotePort: 25 } },
    ],
    ['blu371ck__GuardDuty-SOAR__credential-access-iam-anomalous-behavior.json', { sample: true, action: { userAgent: 'GeneratedFindingFullUserAgent' } }],
    ['blu371ck__GuardDuty-SOAR__policy-s3-bucketpublicaccessgranted-multi-template.json', { severity: 7, resource: { summary: '${bucket_1_name} (+1 more)' } }],
  ])('reads the facts of %s', (file, expected) => {
    const [finding] = parseFindingText(loadCorpusText(file)).findings;
    expect(finding).toMatchObject(expected);
  });

  it('reads all five findings of the Security Hub GetFindings recording, with their older ProductFields', () => {
    const { findings } = parseFindingText(loadCorpusText('cloud-custodian__cloud-custodian__securityhub-getfindings-5-iamuser-findings.json'));
    expect(findings.map((f) => f.type)).toEqual([
      'Recon:IAMUser/ResourcePermissions',
      'UnauthorizedAccess:IAMUser/ConsoleLogin',
      'Recon:IAMUser/UserPermissions',
      'Recon:IAMUser/UserPermissions',
      'Recon:IAMUser/ResourcePermissions',
    ]);
    expect(findings[0]).toMatchObject({ id: 'f6b5c52d7a829ed112f7556dd1cc40c4', count: 4, action: { apiName: 'DescribeInstances', asn: '16660' } });
    // The console-login finding names no access key (`AWS::IAM::AccessKey:null`).
    expect(findings[1]?.resource.summary).toBe('kapil');
  });
});

/**
 * The corpus's `2026/` folder: Security Hub OCSF (bare and in Findings Imported V2 events) and a Malware Protection
 * for S3 scan result, all written by third parties. Every document parses with its type, band, account and region.
 */
describe.skipIf(corpus2026Dir === undefined)('the 2026 corpus (OCSF, Findings Imported V2, scan results)', () => {
  const files = listCorpus2026();

  it('holds the documents its README lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files.map((file) => [path.basename(file), file] as const))('parses %s', (_name, file) => {
    const { findings, errors } = parseFindingText(loadCorpusText(file));
    expect(errors).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding.title.trim()).not.toBe('');
      expect(finding.type).not.toBe('');
      expect(finding.band.name).not.toBe('Unknown');
      expect(finding.id).not.toBe('');
      expect(finding.accountId).toMatch(/^\d{12}$/);
      expect(finding.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      expect(finding.resource.summary.trim()).not.toBe('');
      expect(Object.isFrozen(finding)).toBe(true);
    }
  });

  it.each<[file: string, expected: Record<string, unknown>]>([
    [
      'cruxstack__aws-securityhubv2-bot__ocsf-gd-runtime-newbinaryexecuted.json',
      {
        format: 'ocsf',
        product: 'GuardDuty',
        id: 'ffffffffffffffffffffffffffffffff',
        type: 'Execution:Runtime/NewBinaryExecuted',
        severity: null,
        band: { name: 'Medium' },
        feature: 'RuntimeMonitoring',
        accountId: '123456789012',
        resource: { type: 'Instance', summary: 'i-0123456789abcdef0 (example-action-runner)' },
      },
    ],
    [
      'cruxstack__aws-securityhubv2-bot__event-v2-gd-trojan-dnsexfil.json',
      { format: 'ocsf', id: 'finding-003', type: 'Trojan:EC2/DNSDataExfiltration', band: { name: 'High' }, accountId: '999888777666', region: 'us-west-2' },
    ],
    ['cruxstack__aws-securityhubv2-bot__event-v2-inspector-cve.json', { format: 'ocsf', product: 'Inspector', band: { name: 'Low' } }],
    [
      'terraform-aws-modules__terraform-aws-notify-slack__eventbridge-malware-scan-result.json',
      {
        format: 'malware-scan',
        type: 'MalwareProtection:S3Object/ThreatsFound',
        band: { name: 'High' },
        accountId: '111122223333',
        scan: { result: 'THREATS_FOUND', bucket: 'amzn-s3-demo-bucket', key: 'APKAEIBAERJR2EXAMPLE', threats: ['EICAR-Test-File (not a virus)'] },
      },
    ],
  ])('reads the facts of %s', (file, expected) => {
    const [finding] = parseFindingText(loadCorpusText(path.join(corpus2026Dir!, file))).findings;
    expect(finding).toMatchObject(expected);
  });

  it('reads the process ancestry of the Runtime Monitoring finding from its OCSF evidences', () => {
    const [finding] = parseFindingText(loadCorpusText(path.join(corpus2026Dir!, 'cruxstack__aws-securityhubv2-bot__ocsf-gd-runtime-newbinaryexecuted.json'))).findings;
    expect(finding?.resource.details).toContainEqual(['Process', 'kubectl']);
    expect(finding?.resource.details.find(([label]) => label === 'Process ancestry')?.[1]).toMatch(/^bash ← bash ← node/);
  });
});

/**
 * The corpus's `2026b/` folder: Security Hub CSPM Custom Action events (a regression: refused as "not a finding we
 * read" for a while) and Runtime Monitoring coverage events inside SNS notifications, all written by third parties.
 */
describe.skipIf(corpus2026bDir === undefined)('the 2026b corpus (Custom Action events, Runtime Monitoring coverage)', () => {
  const files = listCorpus2026b();

  it('holds the documents its README lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files.map((file) => [path.basename(file), file] as const))('parses %s', (_name, file) => {
    const { findings, errors } = parseFindingText(loadCorpusText(file));
    expect(errors).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding.title.trim()).not.toBe('');
      expect(finding.type).not.toBe('');
      expect(finding.band.name).not.toBe('Unknown');
      expect(finding.id).not.toBe('');
      // Redacted captures keep their placeholders ("CHILD-EXAMPLE"): the account is shown as the document gave it.
      expect(finding.accountId).toBeTruthy();
      expect(finding.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      expect(finding.resource.summary.trim()).not.toBe('');
      expect(Object.isFrozen(finding)).toBe(true);
    }
  });

  it('reads a custom action event as Security Hub imported the finding, marked with the action', () => {
    const [finding] = parseFindingText(loadCorpusText(path.join(corpus2026bDir!, 'aws-samples__aws-securityhub-jira-software-integration__custom-action-fsbp-ec2.8.json'))).findings;
    expect(finding).toMatchObject({
      format: 'asff',
      product: 'Security Hub',
      id: 'arn:aws:securityhub:eu-west-1:123456789012:subscription/aws-foundational-security-best-practices/v/1.0.0/EC2.8/finding/fba5a282-b865-41fe-bc9c-30357a1e87a7',
      band: { name: 'High' },
      accountId: '123456789012',
      region: 'eu-west-1',
      customAction: { name: 'CreateJiraIssue', description: 'Create Jira Issue', arn: 'arn:aws:securityhub:us-east-1:123456789012:action/custom/slackMessaging' },
    });
  });

  it('reads both findings a person picked together, the resolved one too', () => {
    const { findings } = parseFindingText(loadCorpusText(path.join(corpus2026bDir!, 'aws-solutions__automated-security-response-on-aws__custom-action-cis-1.6-multi-select.json')));
    expect(findings.map((f) => [f.band.name, f.accountId, f.region, f.customAction?.name])).toEqual([
      ['Medium', '111111111111', 'us-east-1', 'CIS 1.5 - 1.11 RR'],
      ['Low', '111111111111', 'us-east-1', 'CIS 1.5 - 1.11 RR'],
    ]);
  });

  it.each([
    ['cevoaustralia__aws-to-slack__sns-runtime-protection-unhealthy-ecs.json', 'Health:RuntimeProtection/Unhealthy', 'Medium', false, 'Healthy'],
    ['cevoaustralia__aws-to-slack__sns-runtime-protection-healthy-ecs.json', 'Health:RuntimeProtection/Healthy', 'Low', true, 'Unhealthy'],
  ])('reads the Runtime Monitoring coverage event %s as a %s notice about the cluster', (file, type, band, healthy, previousStatus) => {
    const [finding] = parseFindingText(loadCorpusText(path.join(corpus2026bDir!, file))).findings;
    expect(finding).toMatchObject({
      format: 'health',
      type,
      band: { name: band },
      accountId: 'CHILD-EXAMPLE',
      region: 'ap-southeast-2',
      resource: { type: 'ECSCluster', summary: 'buildkite-deploy-dev-Cluster-1O47RNJPQMRI6-EcsCluster-RPPZMvAnkFJP' },
      health: { subject: 'RuntimeProtection', healthy, previousStatus },
    });
    // One id for the cluster whatever its status: the ledger pairs the recovery with the drop.
    expect(finding?.id).toBe('health:RuntimeProtection:CHILD-EXAMPLE:ap-southeast-2:ECS/buildkite-deploy-dev-Cluster-1O47RNJPQMRI6-EcsCluster-RPPZMvAnkFJP');
  });
});
