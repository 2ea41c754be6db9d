import { parseNormalisedAddress } from '../core/ip-address.js';
import type { Finding, RemoteAddress } from '../finding/finding.js';
import { createOwnAddressList, type AddressList } from './ip-safety.js';

/**
 * The remote ends of a finding's activity: `action.remoteAddresses` (every port-probe source, IPv6, Kubernetes
 * sourceIPs, OCSF endpoints…), else the single `action.remoteIp` of older parses — never one of the resource's own
 * addresses (`ownAddresses`, `localIp`), compared parsed and normalised, whichever source named it: the parser already
 * leaves them out, and this holds for findings parsed before it did (stored snapshots) and for `remoteIp` itself.
 */
export function remoteAddressesOf(finding: Finding): readonly RemoteAddress[] {
  const own = ownAddressListOf(finding);
  const list = finding.action.remoteAddresses;
  if (list && list.length > 0) return list.filter((address) => !isOwn(own, address.ip));
  const ip = finding.action.remoteIp;
  if (ip === undefined || ip === '' || isOwn(own, ip)) return [];
  const direction = directionOf(finding.action.direction);
  return [{ ip, from: 'remoteIp', ...(direction ? { direction } : {}) }];
}

/** The resource's own addresses as a list (empty when the finding names none), for respond's `own-address` check. */
export function ownAddressListOf(finding: Finding): AddressList {
  const texts = [...(finding.action.ownAddresses ?? []), ...(finding.action.localIp === undefined ? [] : [finding.action.localIp])];
  return createOwnAddressList(texts);
}

function isOwn(own: AddressList, ip: unknown): boolean {
  const parsed = typeof ip === 'string' ? parseNormalisedAddress(ip.trim()) : undefined;
  return parsed !== undefined && own.entryFor(parsed) !== undefined;
}

/** GuardDuty's `connectionDirection` (INBOUND / OUTBOUND / UNKNOWN) as a RemoteAddress direction. */
function directionOf(direction: string | undefined): RemoteAddress['direction'] {
  const upper = direction?.toUpperCase();
  if (upper === 'INBOUND') return 'inbound';
  if (upper === 'OUTBOUND') return 'outbound';
  return undefined;
}
