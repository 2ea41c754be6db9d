import type { RemoteAddress } from './finding.js';
import { getText } from './keys.js';

/** More than any real finding lists (a port probe lists a few dozen sources); bounds memory for hostile documents. */
export const MAX_REMOTE_ADDRESSES = 200;

type Direction = RemoteAddress['direction'];

/**
 * Collects a finding's remote addresses in the order they were read, each address once (the first reading wins), never
 * one of the resource's own addresses. `first` moves the address the message shows as "Remote" to the front, so that
 * `remoteAddresses[0]` is always `remoteIp` when there is one.
 */
export class RemoteAddressList {
  private readonly addresses: RemoteAddress[] = [];
  // Made on first use: most findings name one address or none, and this runs for every finding.
  private seen: Set<string> | undefined;
  private own: Set<string> | undefined;

  /** Addresses of the affected resource itself (its private / public IPs): never remote. */
  exclude(ip: string | undefined): this {
    if (ip !== undefined) (this.own ??= new Set()).add(ip.trim());
    return this;
  }

  add(ip: string | undefined, from: string, direction?: Direction): this {
    if (ip === undefined || this.addresses.length >= MAX_REMOTE_ADDRESSES) return this;
    const key = ip.trim();
    if (key === '' || this.own?.has(key) === true) return this;
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
