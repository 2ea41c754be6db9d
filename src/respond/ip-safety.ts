import { BlockList } from 'node:net';
import { embeddedIpv4, hostCidr, ipv6Words, parseCidr, parseIpAddress, unmapIpv4, type IpFamily, type ParsedAddress } from '../core/ip-address.js';

/**
 * Which addresses may never be blocked, whatever a finding says. Built in and not configurable away: blocking one of
 * these drops our own traffic (private, CGNAT/NAT addresses shared by many hosts, loopback), matches nothing real
 * (documentation, reserved) or matches everyone (multicast, broadcast, unspecified).
 *
 * Sources: IANA IPv4 and IPv6 Special-Purpose Address Registries
 * (https://www.iana.org/assignments/iana-ipv4-special-registry/, https://www.iana.org/assignments/iana-ipv6-special-registry/),
 * RFC 1918 (private), RFC 6598 (100.64/10 shared address space, carrier-grade NAT), RFC 5737 and RFC 3849 / RFC 9637
 * (documentation), RFC 4193 (fc00::/7 unique local), RFC 4291 (IPv4-mapped ::ffff:0:0/96), RFC 6052 / RFC 8215 (NAT64).
 *
 * Order matters only for the label: the first entry that contains an address names it.
 */
export const NEVER_BLOCK = [
  { cidr: '255.255.255.255/32', reason: 'reserved', label: 'broadcast' },
  { cidr: '0.0.0.0/8', reason: 'reserved', label: 'unspecified / "this network"' },
  { cidr: '10.0.0.0/8', reason: 'private', label: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', reason: 'private', label: 'shared address space (carrier-grade NAT)' },
  { cidr: '127.0.0.0/8', reason: 'reserved', label: 'loopback' },
  { cidr: '169.254.0.0/16', reason: 'reserved', label: 'link-local' },
  { cidr: '172.16.0.0/12', reason: 'private', label: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', reason: 'reserved', label: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', reason: 'documentation', label: 'documentation (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', reason: 'reserved', label: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', reason: 'private', label: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', reason: 'reserved', label: 'benchmarking' },
  { cidr: '198.51.100.0/24', reason: 'documentation', label: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', reason: 'documentation', label: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', reason: 'reserved', label: 'multicast' },
  { cidr: '240.0.0.0/4', reason: 'reserved', label: 'reserved for future use' },
  { cidr: '::/128', reason: 'reserved', label: 'unspecified' },
  { cidr: '::1/128', reason: 'reserved', label: 'loopback' },
  { cidr: '64:ff9b:1::/48', reason: 'private', label: 'local-use NAT64' },
  { cidr: '100::/64', reason: 'reserved', label: 'discard-only' },
  { cidr: '2001::/23', reason: 'reserved', label: 'IETF protocol assignments' },
  { cidr: '2001:db8::/32', reason: 'documentation', label: 'documentation' },
  { cidr: '3fff::/20', reason: 'documentation', label: 'documentation' },
  { cidr: 'fc00::/7', reason: 'private', label: 'unique local (private)' },
  { cidr: 'fe80::/10', reason: 'reserved', label: 'link-local' },
  { cidr: 'fec0::/10', reason: 'reserved', label: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', reason: 'reserved', label: 'multicast' },
] as const;

export type NeverBlockReason = (typeof NEVER_BLOCK)[number]['reason'];

/** IPv6 outside 2000::/3 (global unicast, RFC 4291 §2.4) is not routable on the internet: reserved. NAT64 is checked first. */
const GLOBAL_UNICAST_V6 = '2000::/3';
/** NAT64 well-known prefix (RFC 6052): the low 32 bits are the IPv4 address behind it, judged as IPv4. */
const NAT64_WELL_KNOWN = '64:ff9b::/96';
/** 6to4 (RFC 3056): bits 16–47 embed an IPv4 address, judged as IPv4 too. */
const SIX_TO_FOUR = '2002::/16';

interface CompiledRange {
  readonly cidr: string;
  readonly reason: NeverBlockReason;
  readonly label: string;
  readonly list: BlockList;
}

function listOf(cidr: string): BlockList {
  const parsed = parseCidr(cidr);
  if ('problem' in parsed) throw new Error(`never-block table: ${parsed.problem}`);
  const list = new BlockList();
  list.addSubnet(parsed.network, parsed.prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
  return list;
}

const COMPILED: readonly CompiledRange[] = NEVER_BLOCK.map((entry) => ({ ...entry, list: listOf(entry.cidr) }));
const GLOBAL_UNICAST = listOf(GLOBAL_UNICAST_V6);
const NAT64 = listOf(NAT64_WELL_KNOWN);
const SIX_TO_FOUR_LIST = listOf(SIX_TO_FOUR);

const familyName = (family: IpFamily) => (family === 4 ? 'ipv4' : 'ipv6') as 'ipv4' | 'ipv6';

/** The user's `respond.allow` list, compiled once per config. */
export interface AllowList {
  /** The allow entry that contains the address, or undefined. */
  entryFor(address: ParsedAddress): string | undefined;
}

/**
 * @example
 * const allow = createAllowList(['203.0.113.0/24', '2001:db8:1234::/48']);
 * allow.entryFor({ address: '203.0.113.9', family: 4 }); // '203.0.113.0/24'
 */
export function createAllowList(cidrs: readonly string[]): AllowList {
  const entries: Array<{ cidr: string; list: BlockList }> = [];
  for (const text of cidrs) {
    const parsed = parseCidr(text);
    // Config validation refuses bad entries first; here an unparseable one is skipped rather than allowing all.
    if ('problem' in parsed) continue;
    const list = new BlockList();
    list.addSubnet(parsed.network, parsed.prefix, familyName(parsed.family));
    entries.push({ cidr: parsed.cidr, list });
  }
  return {
    entryFor(address) {
      return entries.find((e) => e.list.check(address.address, familyName(address.family)))?.cidr;
    },
  };
}

export const EMPTY_ALLOW_LIST: AllowList = { entryFor: () => undefined };

export type AddressVerdict =
  | {
      readonly blockable: true;
      /** Canonical address to block; an IPv4-mapped IPv6 address becomes its IPv4 address (that is what a packet carries). */
      readonly address: ParsedAddress;
      /** `/32` or `/128`. */
      readonly cidr: string;
    }
  | {
      readonly blockable: false;
      readonly reason: NeverBlockReason | 'allow-list' | 'invalid';
      /** What the range is, for people: `loopback`, `private (RFC 1918)`, the allow entry… */
      readonly label?: string;
      /** The range that contains it (a never-block range or the allow entry). */
      readonly range?: string;
      /** Canonical address when it parsed. */
      readonly address?: ParsedAddress;
    };

function neverBlockRange(address: ParsedAddress): CompiledRange | undefined {
  return COMPILED.find((range) => range.list.check(address.address, familyName(address.family)));
}

/**
 * Whether one remote address may be blocked. Invalid text → `invalid`; a built-in never-block range → its reason
 * (`private`, `reserved`, `documentation`), also in IPv4-mapped (`::ffff:10.1.2.3`), NAT64 and 6to4 form; then the
 * allow-list → `allow-list`. Never throws: the text is whatever a finding carried.
 *
 * @example
 * classifyAddress('10.1.2.3');         // { blockable: false, reason: 'private', label: 'private (RFC 1918)', … }
 * classifyAddress('185.220.101.1');    // { blockable: true, cidr: '185.220.101.1/32', … }
 */
export function classifyAddress(text: unknown, allow: AllowList = EMPTY_ALLOW_LIST): AddressVerdict {
  const parsed = typeof text === 'string' ? parseIpAddress(text) : undefined;
  if (!parsed) return { blockable: false, reason: 'invalid', label: 'not an IP address' };
  const address = unmapIpv4(parsed) ?? parsed;

  const builtIn = neverBlockRange(address);
  if (builtIn) return { blockable: false, reason: builtIn.reason, label: builtIn.label, range: builtIn.cidr, address };

  if (address.family === 6) {
    const embedded = NAT64.check(address.address, 'ipv6')
      ? embeddedIpv4(address)
      : SIX_TO_FOUR_LIST.check(address.address, 'ipv6')
        ? sixToFourIpv4(address)
        : undefined;
    if (embedded !== undefined) {
      const inner = neverBlockRange({ address: embedded, family: 4 });
      if (inner) return { blockable: false, reason: inner.reason, label: `${inner.label}, embedded in IPv6`, range: inner.cidr, address };
    } else if (!GLOBAL_UNICAST.check(address.address, 'ipv6')) {
      return { blockable: false, reason: 'reserved', label: 'not global unicast', address };
    }
  }

  const allowed = allow.entryFor(address);
  if (allowed !== undefined) return { blockable: false, reason: 'allow-list', label: `allow-list entry ${allowed}`, range: allowed, address };

  return { blockable: true, address, cidr: hostCidr(address) };
}

/** 2002:AABB:CCDD::/48 carries IPv4 AA.BB.CC.DD. */
function sixToFourIpv4(address: ParsedAddress): string {
  const words = ipv6Words(address.address) ?? [];
  const high = words[1] ?? 0;
  const low = words[2] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
