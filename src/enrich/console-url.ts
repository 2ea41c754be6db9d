import type { Finding } from '../finding/finding.js';

/**
 * Deep links into the AWS console. The region and id come from the finding, which is attacker-influenced, so they
 * are validated before they can shape a URL: a "region" of `evil.example/` must never move the link's host.
 */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** Console hosts per partition. Source: https://docs.aws.amazon.com/general/latest/gr/rande.html (console endpoints). */
function consoleBase(partition: string, region: string): string | undefined {
  switch (partition) {
    case 'aws':
      return `https://${region}.console.aws.amazon.com`;
    case 'aws-cn':
      return `https://${region}.console.amazonaws.cn`;
    case 'aws-us-gov':
      return 'https://console.amazonaws-us-gov.com';
    default:
      return undefined;
  }
}

export interface ConsoleLink {
  url: string;
  label: 'Open in GuardDuty' | 'Open in Security Hub';
}

export function consoleUrlFor(finding: Finding): ConsoleLink | undefined {
  const region = finding.region;
  if (!region || !REGION.test(region)) return undefined;
  const base = consoleBase(finding.partition, region);
  if (!base) return undefined;
  const regionQuery = `region=${region}`;
  if (finding.format === 'malware-scan') return undefined; // a scan result has no console page of its own
  // Health notices and insight results are not findings: there is no finding page to open.
  if (finding.format === 'health' || finding.format === 'insight') return undefined;
  if (finding.format === 'ocsf') return securityHubLink(base, regionQuery, finding);
  if (finding.format === 'asff' && finding.product !== 'GuardDuty') {
    // Security Hub's findings page takes a search filter; the id is an ARN, encoded twice as the console expects.
    const filter = `Id=\\operator\\:EQUALS\\:${finding.id}`;
    return {
      url: `${base}/securityhub/home?${regionQuery}#/findings?search=${encodeURIComponent(encodeURIComponent(filter))}`,
      label: 'Open in Security Hub',
    };
  }
  // GuardDuty finding ids are 32 hex characters; anything else is not linked by id. An S3 malware finding's `id` is
  // the object's (shared with its scan result); GuardDuty's own id is then `providerId`.
  const guardDutyId = finding.providerId ?? finding.id;
  const id = /^[A-Za-z0-9]{1,64}$/.test(guardDutyId) ? guardDutyId : undefined;
  const fragment = id ? `#/findings?macros=current&fId=${id}` : '#/findings?macros=current';
  return { url: `${base}/guardduty/home?${regionQuery}${fragment}`, label: 'Open in GuardDuty' };
}

/**
 * The new Security Hub console (`/securityhub/v2/home`, https://docs.aws.amazon.com/securityhub/latest/userguide/ names
 * it as the console's address): the finding's panel in the view of its class, by Security Hub's own id
 * (`metadata.uid`). The `#/<view>?findingDetailId=` fragment is not documented by AWS; it is the one third-party
 * bots link with (cruxstack/aws-securityhubv2-bot). Without a usable id the link opens the view.
 */
const SECURITY_HUB_VIEWS: ReadonlyMap<number, string> = new Map([
  [2004, 'threats'],
  [2002, 'vulnerabilities'],
  [2003, 'postureManagement'],
]);

function securityHubLink(base: string, regionQuery: string, finding: Finding): ConsoleLink {
  const view = (finding.ocsfClass === undefined ? undefined : SECURITY_HUB_VIEWS.get(finding.ocsfClass)) ?? 'threats';
  const id = finding.securityHubId !== undefined && /^[A-Za-z0-9_-]{1,128}$/.test(finding.securityHubId) ? finding.securityHubId : undefined;
  const fragment = id === undefined ? `#/${view}` : `#/${view}?findingDetailId=${id}`;
  return { url: `${base}/securityhub/v2/home?${regionQuery}${fragment}`, label: 'Open in Security Hub' };
}
