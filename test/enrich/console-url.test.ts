import { describe, expect, it } from 'vitest';
import { consoleUrlFor } from '../../src/enrich/console-url.js';
import type { Finding } from '../../src/finding/finding.js';

const base = { format: 'eventbridge', product: 'GuardDuty', id: '0abc1234def567890abc1234def56789', partition: 'aws', region: 'eu-west-1' } as const;

describe('console deep links', () => {
  it.each([
    ['aws', 'eu-west-1', 'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current&fId=0abc1234def567890abc1234def56789'],
    ['aws-cn', 'cn-north-1', 'https://cn-north-1.console.amazonaws.cn/guardduty/home?region=cn-north-1#/findings?macros=current&fId=0abc1234def567890abc1234def56789'],
    ['aws-us-gov', 'us-gov-west-1', 'https://console.amazonaws-us-gov.com/guardduty/home?region=us-gov-west-1#/findings?macros=current&fId=0abc1234def567890abc1234def56789'],
  ])('links a GuardDuty finding in partition %s region %s to its console', (partition, region, url) => {
    expect(consoleUrlFor({ ...base, partition, region } as unknown as Finding)?.url).toBe(url);
  });

  it('never lets a hostile region move the link to another host', () => {
    expect(consoleUrlFor({ ...base, region: 'evil.example/x?' } as unknown as Finding)).toBeUndefined();
  });

  it('links to the findings list without an id when the id is not a GuardDuty id', () => {
    expect(consoleUrlFor({ ...base, id: '<!channel>' } as unknown as Finding)?.url).toBe(
      'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current',
    );
  });

  it('links non-GuardDuty Security Hub findings to Security Hub', () => {
    const link = consoleUrlFor({ ...base, format: 'asff', product: 'Inspector', id: 'arn:aws:inspector2:eu-west-1:123456789012:finding/abc' } as unknown as Finding);
    expect(link?.label).toBe('Open in Security Hub');
    expect(link?.url).toMatch(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/securityhub\/home\?region=eu-west-1#\/findings\?search=/);
  });

  it.each([
    [2004, 'threats'],
    [2002, 'vulnerabilities'],
    [2003, 'postureManagement'],
  ])('links an OCSF finding of class %i to its view in the new Security Hub console', (ocsfClass, view) => {
    const link = consoleUrlFor({ ...base, format: 'ocsf', ocsfClass, securityHubId: 'a'.repeat(64) } as unknown as Finding);
    expect(link).toEqual({ label: 'Open in Security Hub', url: `https://eu-west-1.console.aws.amazon.com/securityhub/v2/home?region=eu-west-1#/${view}?findingDetailId=${'a'.repeat(64)}` });
  });

  it('opens the view without a detail id when the Security Hub id is not a plain id', () => {
    const link = consoleUrlFor({ ...base, format: 'ocsf', ocsfClass: 2004, securityHubId: 'x&y=<!here>' } as unknown as Finding);
    expect(link?.url).toBe('https://eu-west-1.console.aws.amazon.com/securityhub/v2/home?region=eu-west-1#/threats');
  });

  it('links an S3 malware finding by its GuardDuty id, and a scan result not at all', () => {
    const finding = { ...base, id: 's3-object-0123456789abcdef0123456789abcdef', providerId: '6f5e4d3c2b1a09f8e7d6c5b4a3928170' };
    expect(consoleUrlFor(finding as unknown as Finding)?.url).toContain('fId=6f5e4d3c2b1a09f8e7d6c5b4a3928170');
    expect(consoleUrlFor({ ...base, format: 'malware-scan' } as unknown as Finding)).toBeUndefined();
  });
});
