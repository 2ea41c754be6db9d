import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';

/**
 * An independent judge of which addresses may be blocked, built from ipaddr.js and the IANA special-purpose
 * registries' CSV files (test/fixtures/iana) — none of respond's own code: the block-safety property tests compare every
 * planner's output with it.
 *
 * An address may be blocked only when it is globally reachable:
 * - the most specific registry row containing it decides ("Globally Reachable" True → reachable; False, N/A or blank →
 *   not), except the two prefixes that carry an IPv4 address whose reachability is that address's (NAT64 64:ff9b::/96,
 *   6to4 2002::/16): judged by the embedded IPv4 address;
 * - with no registry row, ipaddr.js's `range()` decides: only `unicast` (and the anycast services it names) is
 *   reachable; multicast, site-local, IPv4-translated… are not;
 * - an IPv4-mapped address is its IPv4 address.
 * And it must not be in an allow list or be the resource's own address, in any form: the tests give the oracle those
 * lists as the IPv4 / IPv6 blocks they mean, whatever text the config or the finding spelled them in.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

interface RegistryRow {
  readonly cidr: string;
  readonly range: [Address, number];
  readonly reachable: 'True' | 'False' | 'N/A' | '';
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines (the RFC column does). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function readRegistry(file: string): RegistryRow[] {
  const [header, ...rows] = parseCsv(readFileSync(new URL(`../fixtures/iana/${file}`, import.meta.url), 'utf8'));
  const block = header?.indexOf('Address Block') ?? -1;
  const global = header?.indexOf('Globally Reachable') ?? -1;
  if (block < 0 || global < 0) throw new Error(`${file}: no "Address Block" / "Globally Reachable" column`);
  return rows.flatMap((r) => {
    // "192.0.0.170/32, 192.0.0.171/32" is one row of two blocks; "[2]" marks a footnote.
    const reachable = (r[global] ?? '').replace(/\s*\[\d+\]$/, '').trim() as RegistryRow['reachable'];
    return (r[block] ?? '')
      .split(',')
      .map((c) => c.replace(/\s*\[\d+\]$/, '').trim())
      .filter((c) => c !== '')
      .map((cidr) => ({ cidr, range: ipaddr.parseCIDR(cidr) as [Address, number], reachable }));
  });
}

export const IANA_ROWS: readonly RegistryRow[] = [...readRegistry('iana-ipv4-special-registry-1.csv'), ...readRegistry('iana-ipv6-special-registry-1.csv')];

function registryRow(address: Address): RegistryRow | undefined {
  let best: RegistryRow | undefined;
  for (const row of IANA_ROWS) {
    if (row.range[0].kind() !== address.kind()) continue;
    if (!address.match(row.range)) continue;
    if (best === undefined || row.range[1] > best.range[1]) best = row;
  }
  return best;
}

/** ipaddr.js ranges an address may be blocked in (when no registry row says otherwise). */
const REACHABLE_RANGES = new Set(['unicast', 'as112', 'amt', 'as112v6', 'orchid2', 'droneRemoteIdProtocolEntityTags']);

/** The text as ipaddr.js reads it, or undefined: only plain four-part decimal IPv4 and IPv6 without a zone. */
export function oracleParse(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return undefined;
}

function ipv4FromWords(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 addresses an IPv6 address carries, by the prefixes that define one (RFC 6052, RFC 8215, RFC 3056, RFC 4291). */
export function embeddedIpv4(address: Address): ipaddr.IPv4[] {
  if (address.kind() !== 'ipv6') return [];
  const w = (address as ipaddr.IPv6).parts;
  const out: ipaddr.IPv4[] = [];
  if (w[0] === 0x64 && w[1] === 0xff9b) out.push(ipv4FromWords(w[6] ?? 0, w[7] ?? 0));
  if (w[0] === 0x2002) out.push(ipv4FromWords(w[1] ?? 0, w[2] ?? 0));
  if (w.slice(0, 6).every((x) => x === 0) && !(w[6] === 0 && (w[7] ?? 0) <= 1)) out.push(ipv4FromWords(w[6] ?? 0, w[7] ?? 0));
  return out;
}

/** Globally reachable, per the registries and ipaddr.js. */
export function isGloballyReachable(address: Address): boolean {
  const row = registryRow(address);
  const range = address.range();
  if (range === 'rfc6052' || range === '6to4') {
    // Reachable as far as the IPv4 address inside is — unless a registry row says the prefix is not (64:ff9b:1::/48).
    if (row !== undefined && row.cidr !== '64:ff9b::/96' && row.cidr !== '2002::/16' && row.reachable !== 'True') return false;
    return embeddedIpv4(address).every(isGloballyReachable);
  }
  if (row !== undefined) return row.reachable === 'True';
  return REACHABLE_RANGES.has(range);
}

export interface OracleLists {
  /** The IPv4 / IPv6 blocks the allow list means (`8.8.8.0/24`), whatever form the config wrote them in. */
  readonly allow: readonly string[];
  /** The resource's own addresses, as the blocks they mean. */
  readonly own: readonly string[];
}

/** Every form an address is compared in: itself and the IPv4 addresses it carries. */
function forms(address: Address): Address[] {
  return [address, ...embeddedIpv4(address)];
}

function inAny(address: Address, cidrs: readonly string[]): boolean {
  return cidrs.some((c) => {
    const range = ipaddr.parseCIDR(c);
    return forms(address).some((f) => f.kind() === range[0].kind() && f.match(range));
  });
}

/**
 * @example
 * mayBlock('64:ff9b::808:808', { allow: ['8.8.8.0/24'], own: [] }); // false
 */
export function mayBlock(text: string, lists: OracleLists): boolean {
  const address = oracleParse(text);
  if (address === undefined) return false;
  return isGloballyReachable(address) && !inAny(address, lists.allow) && !inAny(address, lists.own);
}

/** The canonical text the planners write for an address the oracle parsed (IPv4 dotted, IPv6 RFC 5952). */
export function oracleCanonical(text: string): string | undefined {
  const address = oracleParse(text);
  return address?.toString();
}
