import type { Finding, RemoteAddress } from '../finding/finding.js';

/**
 * The remote ends of a finding's activity: `action.remoteAddresses` (every port-probe source, IPv6, Kubernetes
 * sourceIPs, OCSF endpoints…), else the single `action.remoteIp` of older parses. Never the resource's own addresses
 * (`localIp`, instance private IPs): the parser keeps those elsewhere, and they are exactly what must not be blocked.
 */
export function remoteAddressesOf(finding: Finding): readonly RemoteAddress[] {
  const list = finding.action.remoteAddresses;
  if (list && list.length > 0) return list;
  const ip = finding.action.remoteIp;
  if (ip === undefined || ip === '') return [];
  const direction = directionOf(finding.action.direction);
  return [{ ip, from: 'remoteIp', ...(direction ? { direction } : {}) }];
}

/** GuardDuty's `connectionDirection` (INBOUND / OUTBOUND / UNKNOWN) as a RemoteAddress direction. */
function directionOf(direction: string | undefined): RemoteAddress['direction'] {
  const upper = direction?.toUpperCase();
  if (upper === 'INBOUND') return 'inbound';
  if (upper === 'OUTBOUND') return 'outbound';
  return undefined;
}
