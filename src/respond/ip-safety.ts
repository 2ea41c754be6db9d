import { BlockList } from 'node:net';
import { cidrForms, hostCidr, normaliseAddress, parseCidr, parseIpAddress, type IpFamily, type NormalisedAddress, type ParsedAddress } from '../core/ip-address.js';
import { isGlobalUnicastV6, specialPurposeRow, type NeverBlockReason, type SpecialPurposeRow } from './special-purpose-addresses.js';

/**
 * Whether an address may be blocked, whatever a finding says. Built in and not configurable away: the addresses the
 * IANA special-purpose registries call not globally reachable (special-purpose-addresses.ts) — blocking one drops our
 * own traffic (private, CGNAT, loopback), matches nothing real (documentation, reserved) or matches everyone
 * (multicast, broadcast, unspecified); then the user's `respond.allow` list, then (when the caller knows them) the
 * resource's own addresses.
 *
 * Every list is checked on the same normalised forms of the address (core/ip-address.ts `normaliseAddress`): the
 * address itself (an IPv4-mapped one as its IPv4 address) and the IPv4 address an IPv6 one carries (NAT64, 6to4,
 * IPv4-compatible). So `allow: [8.8.8.0/24]` also covers 64:ff9b::808:808 and 2002:808:808::1.
 */

export { NEVER_BLOCK, type NeverBlockReason } from './special-purpose-addresses.js';

const familyName = (family: IpFamily) => (family === 4 ? 'ipv4' : 'ipv6') as 'ipv4' | 'ipv6';

/** A list of CIDR blocks compared on normalised forms: `respond.allow`, the resource's own addresses. */
export interface AddressList {
  /** The entry (as configured, canonical) that contains any form of the address, or undefined. */
  entryFor(address: NormalisedAddress | ParsedAddress): string | undefined;
}

/** The user's `respond.allow` list, compiled once per config. */
export type AllowList = AddressList;

/**
 * @example
 * const allow = createAllowList(['8.8.8.0/24', '2001:db8:1234::/48']);
 * allow.entryFor(normaliseAddress({ address: '64:ff9b::808:808', family: 6 })); // '8.8.8.0/24'
 */
export function createAddressList(cidrs: readonly string[]): AddressList {
  const entries: Array<{ cidr: string; list: BlockList }> = [];
  for (const text of cidrs) {
    const parsed = parseCidr(typeof text === 'string' ? text.trim() : text);
    // Config validation refuses bad entries first; here an unparseable one is skipped rather than allowing all.
    if ('problem' in parsed) continue;
    const list = new BlockList();
    for (const form of cidrForms(parsed)) list.addSubnet(form.network, form.prefix, familyName(form.family));
    entries.push({ cidr: parsed.cidr, list });
  }
  return {
    entryFor(address) {
      const forms = 'forms' in address ? address.forms : normaliseAddress(address).forms;
      return entries.find((e) => forms.some((f) => e.list.check(f.address, familyName(f.family))))?.cidr;
    },
  };
}

export const createAllowList = createAddressList;

export const EMPTY_ALLOW_LIST: AddressList = { entryFor: () => undefined };

/**
 * The resource's own addresses (instance private and public IPs, `localIpDetails`…) as a list, from the texts a
 * finding gave: unparseable ones are ignored (they cannot match a parsed address).
 */
export function createOwnAddressList(texts: readonly string[]): AddressList {
  return createAddressList(texts.filter((t) => typeof t === 'string' && parseIpAddress(t.trim()) !== undefined).map((t) => t.trim()));
}

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
      readonly reason: NeverBlockReason | 'allow-list' | 'own-address' | 'invalid';
      /** What the range is, for people: `loopback`, `private (RFC 1918)`, the allow entry… */
      readonly label?: string;
      /** The range that contains it (a registry row, the allow entry, the own address). */
      readonly range?: string;
      /** Canonical address when it parsed. */
      readonly address?: ParsedAddress;
    };

type Refusal = Extract<AddressVerdict, { blockable: false }>;

function neverBlockVerdict(address: ParsedAddress, suffix: string): Refusal | undefined {
  const row: SpecialPurposeRow | undefined = specialPurposeRow(address);
  if (row !== undefined) {
    if (row.reachable === true || row.reachable === 'embedded') return undefined;
    return { blockable: false, reason: row.reason, label: `${row.label}${suffix}`, range: row.cidr };
  }
  if (address.family === 6 && !isGlobalUnicastV6(address)) return { blockable: false, reason: 'reserved', label: `not global unicast${suffix}` };
  return undefined;
}

const EMBEDDING_TEXT = { 'ipv4-mapped': 'IPv4-mapped', 'ipv4-compatible': 'IPv4-compatible', nat64: 'NAT64', 'nat64-local': 'local-use NAT64', '6to4': '6to4' } as const;

/**
 * Whether one remote address may be blocked. Invalid text → `invalid`; not globally reachable per the IANA registries
 * → its reason (`private`, `reserved`, `documentation`), on the address and on the IPv4 address it carries; then the
 * allow list → `allow-list`; then the resource's own addresses → `own-address`. Never throws: the text is whatever a
 * finding carried.
 *
 * @example
 * classifyAddress('10.1.2.3');         // { blockable: false, reason: 'private', label: 'private (RFC 1918)', … }
 * classifyAddress('185.220.101.1');    // { blockable: true, cidr: '185.220.101.1/32', … }
 */
export function classifyAddress(text: unknown, allow: AddressList = EMPTY_ALLOW_LIST, own: AddressList = EMPTY_ALLOW_LIST): AddressVerdict {
  const parsed = typeof text === 'string' ? parseIpAddress(text) : undefined;
  if (!parsed) return { blockable: false, reason: 'invalid', label: 'not an IP address' };
  const normalised = normaliseAddress(parsed);
  const { address, embedded } = normalised;

  const builtIn = neverBlockVerdict(address, '');
  if (builtIn) return { ...builtIn, address };
  if (embedded) {
    const inner = neverBlockVerdict(embedded.ipv4, `, embedded in IPv6 (${EMBEDDING_TEXT[embedded.via]})`);
    if (inner) return { ...inner, address };
  }

  const allowed = allow.entryFor(normalised);
  if (allowed !== undefined) return { blockable: false, reason: 'allow-list', label: `allow-list entry ${allowed}`, range: allowed, address };

  const mine = own.entryFor(normalised);
  if (mine !== undefined) return { blockable: false, reason: 'own-address', label: `the resource's own address ${mine.replace(/\/(32|128)$/, '')}`, range: mine, address };

  return { blockable: true, address, cidr: hostCidr(address) };
}
