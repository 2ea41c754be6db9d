import { BlockList } from 'node:net';
import { parseCidr, type ParsedAddress } from '../core/ip-address.js';

/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries, row by row, with their "Globally Reachable" column — the
 * table that decides which addresses respond never blocks. Transcribed from the registries' CSV files as published on
 * 2026-07-18 (the IPv4 registry's newest row: 192.0.0.10/32, RFC 8155; the IPv6 registry's: 100:0:0:1::/64, RFC 9780,
 * 2025-04):
 * - https://www.iana.org/assignments/iana-ipv4-special-registry/iana-ipv4-special-registry-1.csv
 * - https://www.iana.org/assignments/iana-ipv6-special-registry/iana-ipv6-special-registry-1.csv
 * (RFC 6890 made the registries; RFC 8190 renamed "Global" to "Globally Reachable".) Three rows come from elsewhere and
 * say so: multicast (IPv4 224.0.0.0/4, RFC 5771; IPv6 ff00::/8, RFC 4291 — separate registries) and the deprecated
 * site-local fec0::/10 (RFC 3879). To update: compare both CSVs with the rows below, row for row, and change the date.
 *
 * The most specific row containing an address decides (192.0.0.9/32 is globally reachable inside 192.0.0.0/24, which is
 * not; 2001:3::/32 inside 2001::/23 likewise):
 * - `reachable: true` — an ordinary internet address: the normal rules apply (allow list, caps…);
 * - `reachable: false`, or `'n/a'` (Teredo 2001::/32: the registry does not say), or a deprecated row (blank in the
 *   registry) — never blocked;
 * - `reachable: 'embedded'` — an IPv6 prefix carrying an IPv4 address (NAT64 64:ff9b::/96, registry: true; 6to4
 *   2002::/16, registry: N/A, because it depends on the IPv4 address inside): judged by that IPv4 address.
 * IPv6 outside 2000::/3 with no row here is not global unicast (RFC 4291 §2.4; the IPv6 Address Space registry
 * reserves it to the IETF): never blocked either.
 */

export type NeverBlockReason = 'private' | 'reserved' | 'documentation';

export interface SpecialPurposeRow {
  readonly cidr: string;
  /** The registry's "Globally Reachable" (see above for `'n/a'`, `'deprecated'` and `'embedded'`). */
  readonly reachable: true | false | 'n/a' | 'deprecated' | 'embedded';
  /** Our refusal reason when it is not reachable. */
  readonly reason: NeverBlockReason;
  /** What it is, for people. */
  readonly label: string;
  readonly source: string;
}

const row = (cidr: string, reachable: SpecialPurposeRow['reachable'], reason: NeverBlockReason, label: string, source: string): SpecialPurposeRow => ({
  cidr,
  reachable,
  reason,
  label,
  source,
});

export const SPECIAL_PURPOSE_ADDRESSES: readonly SpecialPurposeRow[] = [
  // IPv4 Special-Purpose Address Registry
  row('0.0.0.0/8', false, 'reserved', 'unspecified / "this network"', 'RFC 791'),
  row('0.0.0.0/32', false, 'reserved', '"this host on this network"', 'RFC 1122'),
  row('10.0.0.0/8', false, 'private', 'private (RFC 1918)', 'RFC 1918'),
  row('100.64.0.0/10', false, 'private', 'shared address space (carrier-grade NAT)', 'RFC 6598'),
  row('127.0.0.0/8', false, 'reserved', 'loopback', 'RFC 1122'),
  row('169.254.0.0/16', false, 'reserved', 'link-local', 'RFC 3927'),
  row('172.16.0.0/12', false, 'private', 'private (RFC 1918)', 'RFC 1918'),
  row('192.0.0.0/24', false, 'reserved', 'IETF protocol assignments', 'RFC 6890'),
  row('192.0.0.0/29', false, 'reserved', 'IPv4 service continuity prefix (DS-Lite)', 'RFC 7335'),
  row('192.0.0.8/32', false, 'reserved', 'IPv4 dummy address', 'RFC 7600'),
  row('192.0.0.9/32', true, 'reserved', 'Port Control Protocol anycast', 'RFC 7723'),
  row('192.0.0.10/32', true, 'reserved', 'Traversal Using Relays around NAT anycast', 'RFC 8155'),
  row('192.0.0.170/32', false, 'reserved', 'NAT64/DNS64 discovery', 'RFC 8880'),
  row('192.0.0.171/32', false, 'reserved', 'NAT64/DNS64 discovery', 'RFC 8880'),
  row('192.0.2.0/24', false, 'documentation', 'documentation (TEST-NET-1)', 'RFC 5737'),
  row('192.31.196.0/24', true, 'reserved', 'AS112-v4', 'RFC 7535'),
  row('192.52.193.0/24', true, 'reserved', 'AMT', 'RFC 7450'),
  row('192.88.99.0/24', 'deprecated', 'reserved', '6to4 relay anycast (deprecated)', 'RFC 7526'),
  row('192.88.99.2/32', false, 'reserved', '6a44-relay anycast', 'RFC 6751'),
  row('192.168.0.0/16', false, 'private', 'private (RFC 1918)', 'RFC 1918'),
  row('192.175.48.0/24', true, 'reserved', 'Direct Delegation AS112 Service', 'RFC 7534'),
  row('198.18.0.0/15', false, 'reserved', 'benchmarking', 'RFC 2544'),
  row('198.51.100.0/24', false, 'documentation', 'documentation (TEST-NET-2)', 'RFC 5737'),
  row('203.0.113.0/24', false, 'documentation', 'documentation (TEST-NET-3)', 'RFC 5737'),
  row('240.0.0.0/4', false, 'reserved', 'reserved for future use', 'RFC 1112'),
  row('255.255.255.255/32', false, 'reserved', 'broadcast', 'RFC 919'),
  // IPv4 Multicast Address Space registry
  row('224.0.0.0/4', false, 'reserved', 'multicast', 'RFC 5771'),

  // IPv6 Special-Purpose Address Registry
  row('::1/128', false, 'reserved', 'loopback', 'RFC 4291'),
  row('::/128', false, 'reserved', 'unspecified', 'RFC 4291'),
  // Never reached in practice: an IPv4-mapped address is judged as the IPv4 address it is (core/ip-address.ts).
  row('::ffff:0.0.0.0/96', false, 'reserved', 'IPv4-mapped', 'RFC 4291'),
  row('64:ff9b::/96', 'embedded', 'reserved', 'NAT64', 'RFC 6052'),
  row('64:ff9b:1::/48', false, 'private', 'local-use NAT64', 'RFC 8215'),
  row('100::/64', false, 'reserved', 'discard-only', 'RFC 6666'),
  row('100:0:0:1::/64', false, 'reserved', 'dummy IPv6 prefix', 'RFC 9780'),
  row('2001::/23', false, 'reserved', 'IETF protocol assignments', 'RFC 2928'),
  row('2001::/32', 'n/a', 'reserved', 'Teredo', 'RFC 4380'),
  row('2001:1::1/128', true, 'reserved', 'Port Control Protocol anycast', 'RFC 7723'),
  row('2001:1::2/128', true, 'reserved', 'Traversal Using Relays around NAT anycast', 'RFC 8155'),
  row('2001:1::3/128', true, 'reserved', 'DNS-SD Service Registration Protocol anycast', 'RFC 9665'),
  row('2001:2::/48', false, 'reserved', 'benchmarking', 'RFC 5180'),
  row('2001:3::/32', true, 'reserved', 'AMT', 'RFC 7450'),
  row('2001:4:112::/48', true, 'reserved', 'AS112-v6', 'RFC 7535'),
  row('2001:10::/28', 'deprecated', 'reserved', 'ORCHID (deprecated)', 'RFC 4843'),
  row('2001:20::/28', true, 'reserved', 'ORCHIDv2', 'RFC 7343'),
  row('2001:30::/28', true, 'reserved', 'Drone Remote ID Protocol Entity Tags', 'RFC 9374'),
  row('2001:db8::/32', false, 'documentation', 'documentation', 'RFC 3849'),
  row('2002::/16', 'embedded', 'reserved', '6to4', 'RFC 3056'),
  row('2620:4f:8000::/48', true, 'reserved', 'Direct Delegation AS112 Service', 'RFC 7534'),
  row('3fff::/20', false, 'documentation', 'documentation', 'RFC 9637'),
  row('5f00::/16', false, 'reserved', 'Segment Routing (SRv6) SIDs', 'RFC 9602'),
  row('fc00::/7', false, 'private', 'unique local (private)', 'RFC 4193'),
  row('fe80::/10', false, 'reserved', 'link-local', 'RFC 4291'),
  // Not in the special-purpose registry: RFC 3879 deprecated site-local; multicast has its own registry.
  row('fec0::/10', 'deprecated', 'reserved', 'site-local (deprecated)', 'RFC 3879'),
  row('ff00::/8', false, 'reserved', 'multicast', 'RFC 4291'),
];

/** The rows that are never blocked (not globally reachable, N/A, deprecated). */
export const NEVER_BLOCK: readonly SpecialPurposeRow[] = SPECIAL_PURPOSE_ADDRESSES.filter((r) => r.reachable !== true && r.reachable !== 'embedded');

/** RFC 4291 §2.4 global unicast: IPv6 outside it (and outside every row above) is reserved. */
export const GLOBAL_UNICAST_V6 = '2000::/3';

interface CompiledRow {
  readonly row: SpecialPurposeRow;
  readonly prefix: number;
  readonly family: 4 | 6;
  readonly list: BlockList;
}

function compile(cidr: string): { list: BlockList; prefix: number; family: 4 | 6 } {
  const parsed = parseCidr(cidr);
  if ('problem' in parsed) throw new Error(`special-purpose table: ${parsed.problem}`);
  const list = new BlockList();
  list.addSubnet(parsed.network, parsed.prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
  return { list, prefix: parsed.prefix, family: parsed.family };
}

/** Longest prefix first: the first row that contains an address is the most specific one. */
const COMPILED: readonly CompiledRow[] = SPECIAL_PURPOSE_ADDRESSES.map((r) => ({ row: r, ...compile(r.cidr) })).sort((a, b) => b.prefix - a.prefix);
const GLOBAL_UNICAST = compile(GLOBAL_UNICAST_V6).list;

/** The most specific registry row containing `address`, or undefined (an ordinary address). */
export function specialPurposeRow(address: ParsedAddress): SpecialPurposeRow | undefined {
  const family = address.family === 4 ? 'ipv4' : 'ipv6';
  return COMPILED.find((c) => c.family === address.family && c.list.check(address.address, family))?.row;
}

export function isGlobalUnicastV6(address: ParsedAddress): boolean {
  return address.family === 6 && GLOBAL_UNICAST.check(address.address, 'ipv6');
}
