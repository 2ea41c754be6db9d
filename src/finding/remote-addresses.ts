import { parseNormalisedAddress } from '../core/ip-address.js';
import type { RemoteAddress } from './finding.js';
import { getArray, getObject, getText, text } from './keys.js';

/** More than any real finding lists (a port probe lists a few dozen sources); bounds memory for hostile documents. */
export const MAX_REMOTE_ADDRESSES = 200;

type Direction = RemoteAddress['direction'];

/** More than any real resource has (an instance has at most a few dozen addresses); bounds hostile documents. */
export const MAX_OWN_ADDRESSES = 200;

/**
 * The keys an address is compared by: every normalised form (core/ip-address.ts) when it parses — so `::ffff:52.1.2.3`,
 * `52.1.2.3` and `64:ff9b::3401:203` meet on `52.1.2.3` — else its trimmed text.
 */
function addressKeys(ip: string): string[] {
  const key = ip.trim();
  const parsed = parseNormalisedAddress(key);
  return parsed === undefined ? [key] : parsed.forms.map((f) => f.address);
}

/**
 * Collects a finding's remote addresses in the order they were read, each address once (the first reading wins), never
 * one of the resource's own addresses (compared parsed, in every form). `first` moves the address the message shows as
 * "Remote" to the front, so that `remoteAddresses[0]` is always `remoteIp` when there is one.
 */
export class RemoteAddressList {
  private readonly addresses: RemoteAddress[] = [];
  // Made on first use: most findings name one address or none, and this runs for every finding.
  private seen: Set<string> | undefined;
  private own: Set<string> | undefined;
  private ownTexts: string[] | undefined;

  /** Addresses of the affected resource itself (its private / public IPs, `localIpDetails`): never remote. */
  exclude(ip: string | undefined): this {
    if (ip === undefined || ip.trim() === '' || (this.ownTexts?.length ?? 0) >= MAX_OWN_ADDRESSES) return this;
    const own = (this.own ??= new Set());
    const keys = addressKeys(ip);
    if (keys.every((k) => own.has(k))) return this;
    for (const key of keys) own.add(key);
    (this.ownTexts ??= []).push(ip.trim());
    return this;
  }

  /** True when `ip` is one of the resource's own addresses, in any form. */
  isOwn(ip: string): boolean {
    const own = this.own;
    return own !== undefined && addressKeys(ip).some((k) => own.has(k));
  }

  /** The resource's own addresses as given (each once), for respond's own check; undefined when none. */
  ownAddresses(): ReadonlyArray<string> | undefined {
    return this.ownTexts === undefined ? undefined : Object.freeze(this.ownTexts.slice());
  }

  add(ip: string | undefined, from: string, direction?: Direction): this {
    if (ip === undefined || this.addresses.length >= MAX_REMOTE_ADDRESSES) return this;
    const key = ip.trim();
    if (key === '' || this.isOwn(key)) return this;
    const seen = (this.seen ??= new Set());
    if (seen.has(key)) return this;
    seen.add(key);
    this.addresses.push(Object.freeze(direction === undefined ? { ip, from } : { ip, direction, from }));
    return this;
  }

  /** `ipAddressV4` and `ipAddressV6` of a GuardDuty `remoteIpDetails` (or ASFF `RemoteIpDetails`). */
  addRemoteIpDetails(details: unknown, from: string, direction?: Direction): this {
    return this.add(getText(details, 'ipAddressV4'), from, direction).add(getText(details, 'ipAddressV6'), from, direction);
  }

  get size(): number {
    return this.addresses.length;
  }

  build(first?: string): ReadonlyArray<RemoteAddress> | undefined {
    if (this.addresses.length === 0) return undefined;
    const list = this.addresses.slice();
    if (first !== undefined) {
      const at = list.findIndex((address) => address.ip === first);
      if (at > 0) list.unshift(...list.splice(at, 1));
    }
    return Object.freeze(list);
  }
}

/** GuardDuty's `connectionDirection` / ASFF `Network.Direction` → inbound / outbound; anything else unknown. */
export function directionOf(value: string | undefined): Direction {
  const lower = value?.trim().toLowerCase();
  if (lower === 'inbound' || lower === 'in') return 'inbound';
  if (lower === 'outbound' || lower === 'out') return 'outbound';
  return undefined;
}

/**
 * The addresses of a GuardDuty `instanceDetails` (EventBridge / API shape): every network interface's private
 * addresses, public IP and IPv6 addresses. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_NetworkInterface.html
 */
export function excludeInstanceAddresses(list: RemoteAddressList, instance: unknown): RemoteAddressList {
  for (const nic of getArray(instance, 'networkInterfaces') ?? []) {
    list.exclude(getText(nic, 'privateIpAddress')).exclude(getText(nic, 'publicIp'));
    for (const address of getArray(nic, 'privateIpAddresses') ?? []) list.exclude(getText(address, 'privateIpAddress'));
    for (const address of getArray(nic, 'ipv6Addresses') ?? []) list.exclude(text(address));
  }
  return list;
}

/** A GuardDuty `resource`: its instance's addresses (other resource kinds name none of their own). */
export function excludeResourceAddresses(list: RemoteAddressList, resource: unknown): RemoteAddressList {
  return excludeInstanceAddresses(list, getObject(resource, 'instanceDetails'));
}

/**
 * ASFF `Resources[].Details.AwsEc2Instance`: `IpV4Addresses` and `IpV6Addresses`.
 * Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsEc2InstanceDetails.html
 */
export function excludeAsffResourceAddresses(list: RemoteAddressList, resources: unknown): RemoteAddressList {
  for (const resource of Array.isArray(resources) ? resources : []) {
    const instance = getObject(getObject(resource, 'Details'), 'AwsEc2Instance');
    for (const ip of [...(getArray(instance, 'IpV4Addresses') ?? []), ...(getArray(instance, 'IpV6Addresses') ?? [])]) list.exclude(text(ip));
  }
  return list;
}
