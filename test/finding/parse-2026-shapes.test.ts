/**
 * The shapes of 2026: OCSF (bare, in Findings Imported V2 events, in GetFindingsV2 responses), Malware Protection for S3
 * scan results, SNS envelopes (Lambda SNS events, SNS notifications as SQS bodies), attack sequences, and events of the
 * two sources we read with a detail-type we do not.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import { parseFindingDocument, parseFindingText } from '../../src/finding/parse.js';
import { s3ObjectFindingId } from '../../src/finding/s3-object-id.js';
import { isSnsLambdaEvent } from '../../src/finding/sns-envelope.js';
import { loadFixture, loadFixtureText } from '../support/finding-fixtures.js';

const gdEvent = loadFixture('eventbridge-camel-instance-network') as Record<string, unknown>;

function only(doc: unknown): Finding {
  const { findings, errors } = parseFindingDocument(doc);
  expect(errors).toEqual([]);
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

function ocsf(overrides: Record<string, unknown> = {}, info: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    class_uid: 2004,
    finding_info: {
      uid: 'arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/0123456789abcdef0123456789abcdef',
      title: 'A finding',
      types: ['Threats', 'Recon:EC2/Portscan'],
      ...info,
    },
    metadata: { product: { name: 'GuardDuty' }, uid: 'meta-1' },
    cloud: { account: { uid: '123456789012' }, region: 'us-east-1' },
    severity_id: 3,
    ...overrides,
  };
}

describe('events we do not read', () => {
  it.each([
    [
      'aws.guardduty',
      'GuardDuty Malware Protection Scan Result',
      '"GuardDuty Finding", "GuardDuty Malware Protection Object Scan Result", "GuardDuty Runtime Protection Unhealthy", "GuardDuty Runtime Protection Healthy", "GuardDuty Malware Protection Resource Status Error", "GuardDuty Malware Protection Resource Status Warning", "GuardDuty Malware Protection Resource Status Active" and "GuardDuty Malware Protection Post Scan Action Failed"',
    ],
    [
      'aws.securityhub',
      'Security Hub Findings - Exported',
      '"Security Hub Findings - Imported", "Security Hub Findings - Custom Action", "Security Hub Insight Results" and "Findings Imported V2"',
    ],
  ])('says in one line that %s "%s" is not a finding we read', (source, detailType, known) => {
    const { findings, errors } = parseFindingDocument({ ...gdEvent, source, 'detail-type': detailType });
    expect(findings).toEqual([]);
    expect(errors).toHaveLength(1);
    const message = errors[0]!.message;
    expect(message).toBe(`$: ${source} event with detail-type "${detailType}" is not a finding we read (we read ${known})`);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('expected a GuardDuty finding (Id, Type, Severity)');
  });

  it('still reads hand-made events of other sources by shape', () => {
    expect(only({ ...gdEvent, source: 'custom.replay', 'detail-type': 'Replayed finding' }).id).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f90');
  });
});

describe('SNS and SQS envelopes', () => {
  it('reads a Lambda SNS event (Records[].Sns.Message as JSON text)', () => {
    const doc = loadFixture('sns-lambda-event-guardduty-port-probe');
    expect(isSnsLambdaEvent(doc)).toBe(true);
    expect(only(doc)).toMatchObject({ id: '0718293a4b5c6d7e8f90a1b2c3d4e5f6', format: 'eventbridge', accountId: '444455556666' });
  });

  it('reads an SNS notification, as an SQS queue subscribed to a topic receives it', () => {
    expect(only(loadFixture('sqs-body-sns-notification-securityhub-v2'))).toMatchObject({ format: 'ocsf', id: 'b5c6d7e8f90a1b2c3d4e5f60718293a4' });
  });

  it('reads a captured Lambda SQS event whose bodies are SNS notifications', () => {
    const sqsEvent = {
      Records: [
        { messageId: 'm-1', eventSource: 'aws:sqs', body: loadFixtureText('sqs-body-sns-notification-securityhub-v2') },
        { messageId: 'm-2', eventSource: 'aws:sqs', body: JSON.stringify(gdEvent) },
      ],
    };
    const { findings, errors } = parseFindingDocument(sqsEvent);
    expect(errors).toEqual([]);
    expect(findings.map((f) => f.id)).toEqual(['b5c6d7e8f90a1b2c3d4e5f60718293a4', 'a1b2c3d4e5f60718293a4b5c6d7e8f90']);
    expect(isSnsLambdaEvent(sqsEvent)).toBe(false);
  });

  it('reports a message that is not JSON at its path, and keeps the other records', () => {
    const doc = { Records: [{ EventSource: 'aws:sns', Sns: { Message: 'hello <!channel>' } }, { EventSource: 'aws:sns', Sns: { Message: JSON.stringify(gdEvent) } }] };
    const { findings, errors } = parseFindingDocument(doc);
    expect(findings).toHaveLength(1);
    expect(errors.map((e) => e.path)).toEqual(['$.Records[0].Sns.Message']);
    expect(errors[0]!.message).toContain('this SNS message is not JSON');
  });

  it('gives paths through the envelope', () => {
    const doc = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: JSON.stringify({ detail: { nope: 1 }, source: 'x' }) };
    expect(parseFindingDocument(doc).errors[0]?.path).toBe('$.Message.detail');
  });

  it('stops at envelopes nested deeper than a real delivery', () => {
    let doc: unknown = gdEvent;
    for (let i = 0; i < 5; i++) doc = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: JSON.stringify(doc) };
    const { findings, errors } = parseFindingDocument(doc);
    expect(findings).toEqual([]);
    expect(errors[0]?.message).toContain('nested in 4 envelopes');
  });

  it('does not take other services\' Records (S3 event notifications) for an envelope', () => {
    const { errors } = parseFindingDocument({ Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: 'b' } } }] });
    expect(errors[0]?.message).toContain('expected a GuardDuty finding');
  });

  it('reads JSON Lines of SNS notifications from text', () => {
    const line = JSON.stringify(loadFixture('sqs-body-sns-notification-securityhub-v2'));
    expect(parseFindingText(`${line}\n${line}\n`).findings).toHaveLength(2);
  });
});

describe('OCSF findings', () => {
  it.each<[string, Record<string, unknown>, string, string | undefined]>([
    ['severity_id 1 → Low, keeping "Informational"', { severity_id: 1 }, 'Low', 'Informational'],
    ['severity_id 2 → Low', { severity_id: 2 }, 'Low', undefined],
    ['severity_id 3 → Medium', { severity_id: 3 }, 'Medium', undefined],
    ['severity_id 4 → High', { severity_id: 4 }, 'High', undefined],
    ['severity_id 5 → Critical', { severity_id: 5 }, 'Critical', undefined],
    ['severity_id 6 → Critical, keeping "Fatal"', { severity_id: 6 }, 'Critical', 'Fatal'],
    ['severity_id 0 → Unknown', { severity_id: 0, severity: 'Unknown' }, 'Unknown', undefined],
    ['severity_id 99 with a band word → that band', { severity_id: 99, severity: 'High' }, 'High', undefined],
    ['severity_id 99 with another word → Unknown, keeping it', { severity_id: 99, severity: 'Severe-ish' }, 'Unknown', 'Severe-ish'],
    ['no id, a label → the label', { severity_id: undefined, severity: 'medium' }, 'Medium', undefined],
    ['a numeric string id', { severity_id: '4' }, 'High', undefined],
  ])('%s, with no invented number', (_name, overrides, band, word) => {
    const finding = only(ocsf(overrides));
    expect(finding.band.name).toBe(band);
    expect(finding.severity).toBeNull();
    expect(finding.sourceSeverity).toBe(word);
  });

  it.each([
    [['Threats', 'Trojan:EC2/DNSDataExfiltration'], 'Trojan:EC2/DNSDataExfiltration'],
    [['Recon:EC2/Portscan', 'Threats'], 'Recon:EC2/Portscan'],
    [['Threats', 'TTPs/Initial Access', 'TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce'], 'UnauthorizedAccess:EC2/SSHBruteForce'],
    [['Threats'], 'Threats'],
  ])('finds the GuardDuty type in %j wherever it is', (types, type) => {
    expect(only(ocsf({}, { types })).type).toBe(type);
  });

  it('takes the id from uid_alt, else from the ARN; the account from cloud.account.uid, not the ARN', () => {
    expect(only(ocsf({}, { uid_alt: 'from-uid-alt' })).id).toBe('from-uid-alt');
    const finding = only(ocsf({ cloud: { account: { uid: '999988887777', name: 'sec-tooling' }, region: 'eu-north-1' } }));
    expect(finding).toMatchObject({ id: '0123456789abcdef0123456789abcdef', accountId: '999988887777', accountName: 'sec-tooling', region: 'eu-north-1' });
  });

  it.each([
    [1, 'New', false],
    [2, 'In Progress', false],
    [3, 'Suppressed', true],
    [4, 'Resolved', true],
    [5, 'Archived', true],
    [6, 'Deleted', true],
  ])('status_id %i (%s) archived: %s', (statusId, status, archived) => {
    expect(only(ocsf({ status_id: statusId }))).toMatchObject({ status, archived });
  });

  it('reads a GetFindingsV2 response and a bare finding as OCSF', () => {
    expect(parseFindingDocument(loadFixture('getfindingsv2-inspector-and-control-ocsf')).findings.map((f) => f.format)).toEqual(['ocsf', 'ocsf']);
    expect(only(ocsf()).format).toBe('ocsf');
  });

  it('never lists the resource\'s own addresses as remote, even without a direction', () => {
    const finding = only(
      ocsf({
        resources: [{ type: 'AWS::EC2::Instance', uid: 'i-0abc', data: { network_interfaces: [{ private_ip_address: '10.0.0.5', public_ip: '198.51.100.5' }] } }],
        evidences: [{ src_endpoint: { ip: '10.0.0.5' }, dst_endpoint: { ip: '203.0.113.9' } }, { src_endpoint: { ip: '192.0.2.1' }, dst_endpoint: { ip: '198.51.100.5' } }],
      }),
    );
    expect(finding.action.remoteAddresses).toEqual([
      { ip: '203.0.113.9', direction: 'outbound', from: 'evidences[0].dst_endpoint' },
      { ip: '192.0.2.1', direction: 'inbound', from: 'evidences[1].src_endpoint' },
    ]);
    expect(finding.action.remoteIp).toBe('203.0.113.9');
  });

  it('survives every member being the wrong type', () => {
    const weird = { class_uid: 2004, finding_info: { types: 'x', uid: 7, title: ['t'] }, metadata: 3, cloud: [], resources: 'r', evidences: [null, 1, { actor: 'a', api: [] }], severity_id: {}, status_id: 'x', count: -4 };
    const finding = only(weird);
    expect(finding).toMatchObject({ format: 'ocsf', band: { name: 'Unknown' }, count: 1, archived: false });
  });
});

describe('Malware Protection for S3 scan results', () => {
  const event = loadFixture('eventbridge-malware-scan-threats-found') as { detail: Record<string, Record<string, unknown>> };
  const withResult = (status: unknown, extra: Record<string, unknown> = {}): Finding => {
    const doc = structuredClone(event);
    doc.detail.scanResultDetails = { scanResultStatus: status, threats: null };
    Object.assign(doc.detail, extra);
    return only(doc);
  };

  it.each([
    ['THREATS_FOUND', 'MalwareProtection:S3Object/ThreatsFound', 'High'],
    ['NO_THREATS_FOUND', 'MalwareProtection:S3Object/NoThreatsFound', 'Low'],
    ['UNSUPPORTED', 'MalwareProtection:S3Object/Unsupported', 'Low'],
    ['ACCESS_DENIED', 'MalwareProtection:S3Object/AccessDenied', 'Low'],
    ['FAILED', 'MalwareProtection:S3Object/Failed', 'Low'],
    ['failed', 'MalwareProtection:S3Object/Failed', 'Low'],
    ['SOMETHING_NEW', 'MalwareProtection:S3Object/SOMETHING_NEW', 'Unknown'],
  ])('%s → %s (%s)', (status, type, band) => {
    const finding = withResult(status);
    expect(finding).toMatchObject({ type, severity: null, format: 'malware-scan' });
    expect(finding.band.name).toBe(band);
  });

  it('treats a skipped scan without a result as a could-not-scan notice', () => {
    expect(withResult(undefined, { scanStatus: 'SKIPPED' })).toMatchObject({ type: 'MalwareProtection:S3Object/Failed', band: { name: 'Low' } });
  });

  it('keeps bucket, key, version, ETag, threats and plan', () => {
    expect(only(event).scan).toEqual({
      result: 'THREATS_FOUND',
      scanStatus: 'COMPLETED',
      bucket: 'customer-uploads-example',
      key: 'invoices/2026/03/invoice-4471.pdf.exe',
      versionId: '3HL4kqtJvjVBH40Nrjfkd',
      eTag: '44d88612fea8a8f36de82e1278abb02f',
      threats: ['EICAR-Test-File (not a virus)'],
      planArn: 'arn:aws:guardduty:eu-central-1:123456789012:malware-protection-plan/3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f',
      s3Throttled: false,
    });
  });

  it('gives a redelivered scan result the same id, and another version another one', () => {
    expect(only(structuredClone(event)).id).toBe(only(event).id);
    const other = structuredClone(event);
    other.detail.s3ObjectDetails!.versionId = 'another-version';
    expect(only(other).id).not.toBe(only(event).id);
  });

  it('tells unversioned objects apart by ETag, quoted or not, and reads S3\'s "null" version as none', () => {
    const a = s3ObjectFindingId({ bucket: 'b', key: 'k', eTag: '"abc"' });
    expect(s3ObjectFindingId({ bucket: 'b', key: 'k', eTag: 'abc' })).toBe(a);
    expect(s3ObjectFindingId({ bucket: 'b', key: 'k', versionId: 'null', eTag: 'abc' })).toBe(a);
    expect(s3ObjectFindingId({ bucket: 'b', key: 'k', eTag: 'abd' })).not.toBe(a);
    expect(s3ObjectFindingId({ bucket: 'b\u0000k', key: '' })).not.toBe(s3ObjectFindingId({ bucket: 'b', key: 'k' }));
  });

  it('gives the same id to GuardDuty\'s Object:S3/MaliciousFile finding, natively, as ASFF and as OCSF', () => {
    const native = only(loadFixture('eventbridge-malware-s3-maliciousfile-finding'));
    expect(native.id).toBe(only(event).id);
    const asff = only({
      SchemaVersion: '2018-10-08',
      Id: native.arn,
      ProductArn: 'arn:aws:securityhub:eu-central-1::product/aws/guardduty',
      AwsAccountId: '123456789012',
      Types: ['TTPs/Execution/Object:S3-MaliciousFile'],
      Severity: { Label: 'HIGH', Original: '8' },
      Resources: [
        { Type: 'AwsS3Object', Id: 'arn:aws:s3:::customer-uploads-example/invoices/2026/03/invoice-4471.pdf.exe', Details: { AwsS3Object: { ETag: '44d88612fea8a8f36de82e1278abb02f', VersionId: '3HL4kqtJvjVBH40Nrjfkd' } } },
      ],
    });
    const viaOcsf = only(
      ocsf(
        { resources: [{ type: 'AWS::S3::Object', uid: 'arn:aws:s3:::customer-uploads-example/invoices/2026/03/invoice-4471.pdf.exe', data: { version_id: '3HL4kqtJvjVBH40Nrjfkd' } }] },
        { uid: native.arn, types: ['Object:S3/MaliciousFile'] },
      ),
    );
    expect([asff.id, viaOcsf.id]).toEqual([native.id, native.id]);
    expect([native.providerId, asff.providerId, viaOcsf.providerId]).toEqual(Array(3).fill('6f5e4d3c2b1a09f8e7d6c5b4a3928170'));
  });
});

describe('attack sequences', () => {
  const [sequence, member] = parseFindingDocument(loadFixture('array-attack-sequence-and-member')).findings;

  it('counts signals, actors, resources and endpoints, and keeps the worst signals first', () => {
    expect(sequence?.attackSequence).toMatchObject({ signalCount: 7, actorCount: 2, resourceCount: 3, endpointCount: 12 });
    expect(sequence?.attackSequence?.signals.map((s) => s.name)).toEqual([
      'Impact:S3/AnomalousBehavior.Delete',
      'Discovery:S3/MaliciousIPCaller',
      'Stealth:S3/ServerAccessLoggingDisabled',
      'GetObject',
      'CopyObject',
    ]);
    expect(sequence?.attackSequence?.signals[1]).toEqual({
      name: 'Discovery:S3/MaliciousIPCaller',
      type: 'FINDING',
      count: 14,
      severity: 5,
      firstSeen: '2026-03-07T02:05:00.000Z',
      lastSeen: '2026-03-07T02:30:00.000Z',
    });
    expect(sequence?.attackSequence?.endpoints).toHaveLength(10);
    expect(sequence?.attackSequence?.tactics).toEqual(['Defense Evasion', 'Discovery', 'Collection', 'Exfiltration', 'Impact']);
  });

  it('lists the sequence endpoints among the remote addresses', () => {
    expect(sequence?.action.remoteAddresses?.[0]).toEqual({ ip: '198.51.100.100', from: 'sequence.endpoints[0]' });
  });

  it('names the sequence a signal belongs to', () => {
    expect(member).toMatchObject({ attackSequenceId: sequence?.id, attackSequenceArn: sequence?.arn });
  });

  it('reads Security Hub CSPM\'s ASFF Detection.Sequence', () => {
    const finding = only({
      SchemaVersion: '2018-10-08',
      Id: 'arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/seq1',
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      AwsAccountId: '123456789012',
      Types: ['TTPs/AttackSequence:IAM-CompromisedCredentials'],
      Severity: { Label: 'CRITICAL', Original: '9' },
      Detection: {
        Sequence: {
          Uid: 'u-1',
          Actors: [{ Id: 'a' }],
          Endpoints: [{ Id: 'e', Ip: '203.0.113.5' }],
          Signals: [{ Title: 'CreateAccessKey', Count: 3, Severity: 5, FirstSeenAt: 1772611200000, LastSeenAt: 1772614800000 }],
          SequenceIndicators: [{ Key: 'ATTACK_TACTIC', Values: ['Persistence'] }],
        },
      },
    });
    expect(finding.attackSequence).toMatchObject({
      uid: 'u-1',
      signalCount: 1,
      actorCount: 1,
      endpointCount: 1,
      signals: [{ name: 'CreateAccessKey', count: 3, severity: 5, firstSeen: '2026-03-04T08:00:00.000Z' }],
      endpoints: ['203.0.113.5'],
      tactics: ['Persistence'],
    });
  });
});
