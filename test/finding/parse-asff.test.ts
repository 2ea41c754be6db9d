import { describe, expect, it } from 'vitest';
import { parseFindingDocument } from '../../src/finding/parse.js';

const base = {
  SchemaVersion: '2018-10-08',
  AwsAccountId: '123456789012',
  CreatedAt: '2026-03-01T00:00:00.000Z',
  UpdatedAt: '2026-03-01T00:00:00.000Z',
};

function parseAsff(finding: Record<string, unknown>) {
  const { findings, errors } = parseFindingDocument({ source: 'aws.securityhub', 'detail-type': 'Security Hub Findings - Imported', detail: { findings: [finding] } });
  expect(errors).toEqual([]);
  const [first] = findings;
  if (first === undefined) throw new Error('no finding');
  return first;
}

describe('ASFF findings', () => {
  it.each<[description: string, extra: Record<string, unknown>]>([
    ['its ProductArn', { ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' }],
    ['its ProductName', { ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/other', ProductName: 'GuardDuty' }],
    ['a ProductFields key', { ProductArn: 'arn:aws:securityhub:us-east-1::product/x/y', ProductFields: { 'aws/guardduty/service/count': '2' } }],
    ['a GuardDuty finding ARN as Id', { Id: 'arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/abc' }],
  ])('recognise GuardDuty by %s', (_description, extra) => {
    expect(parseAsff({ ...base, Id: 'x', Types: ['TTPs/Discovery/Recon:EC2-Portscan'], ...extra }).product).toBe('GuardDuty');
  });

  it('reads the ASFF Action when ProductFields carry none', () => {
    const finding = parseAsff({
      ...base,
      Id: 'arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/abc',
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      Types: ['TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS'],
      Severity: { Label: 'HIGH', Original: '8' },
      Action: {
        ActionType: 'DNS_REQUEST',
        DnsRequestAction: { Domain: 'c2.example', Protocol: 'UDP', Blocked: false },
      },
    });
    expect(finding).toMatchObject({
      id: 'abc',
      type: 'Backdoor:EC2/C&CActivity.B!DNS',
      severity: 8,
      title: 'Backdoor:EC2/C&CActivity.B!DNS',
      action: { type: 'DNS_REQUEST', domain: 'c2.example', protocol: 'UDP', blocked: false },
      region: 'us-east-1',
    });
  });

  it('picks the resource the GuardDuty type is about and lists the others', () => {
    const finding = parseAsff({
      ...base,
      Id: 'arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/abc',
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      Types: ['TTPs/Discovery/Discovery:S3-MaliciousIPCaller'],
      Resources: [
        { Type: 'AwsIamAccessKey', Id: 'AWS::IAM::AccessKey:ASIAEXAMPLE0000000001', Details: { AwsIamAccessKey: { PrincipalName: 'alice' } } },
        { Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::example-data', Tags: { owner: 'data' } },
      ],
    });
    expect(finding.resource).toMatchObject({ type: 'S3Bucket', summary: 'example-data', tags: { owner: 'data' } });
    expect(finding.resource.details).toContainEqual(['Also affected', 'AwsIamAccessKey ASIAEXAMPLE0000000001 (alice)']);
  });

  it('gives other products their own name, ASFF type and resource type', () => {
    const finding = parseAsff({
      ...base,
      Id: 'arn:aws:config:us-east-1:123456789012:config-rule/abc',
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/config',
      Types: ['Software and Configuration Checks/AWS Config Analysis'],
      Severity: { Label: 'MEDIUM' },
      Title: '  ',
      Resources: [{ Type: 'AwsEc2Instance', Id: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123' }],
      RecordState: 'ARCHIVED',
    });
    expect(finding).toMatchObject({
      product: 'config',
      type: 'Software and Configuration Checks/AWS Config Analysis',
      title: 'Software and Configuration Checks/AWS Config Analysis',
      severity: 4,
      archived: true,
      resource: { type: 'AwsEc2Instance', summary: 'i-0123' },
      partition: 'aws',
    });
    expect(finding.band.name).toBe('Medium');
  });

  it('falls back to "<product> finding" for a title when there is neither Title nor Types', () => {
    expect(parseAsff({ ...base, Id: 'x', ProductName: 'Macie', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/macie' }).title).toBe('Macie finding');
  });

  it('reads the top-level Sample flag', () => {
    expect(parseAsff({ ...base, Id: 'x', ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector', Sample: true }).sample).toBe(true);
  });
});
