import { isIP, SocketAddress } from 'node:net';

/**
 * IP addresses and CIDR blocks, parsed with node:net (isIP, SocketAddress), never with a regular expression: the
 * text comes from findings (attacker-controlled) and from config, and the cases a regex gets wrong (leading zeros,
 * `::` twice, zone ids, IPv4-mapped IPv6, upper case hex) are exactly the ones that decide what gets blocked.
 *
 * Canonical forms are what every comparison uses: dotted quad for IPv4, RFC 5952 text (lower case, longest zero run
 * compressed) for IPv6 as node:net prints it.
 */

export type IpFamily = 4 | 6;

export interface ParsedAddress {
  /** Canonical text: `185.220.101.1`, `2001:db8::1`, `::ffff:10.1.2.3` (mapped forms stay IPv6 here). */
  readonly address: string;
  readonly family: IpFamily;
}

/**
 * The canonical form of a single address, or undefined when `text` is not exactly one IPv4 or IPv6 address. Rejects
 * surrounding spaces, prefixes (`1.2.3.4/32`), leading zeros in IPv4 (`010.1.1.1`: octal in some parsers) and
 * zone ids (`fe80::1%eth0`: scoped to one host's interface, meaningless on a firewall).
 */
export function parseIpAddress(text: string): ParsedAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64 || text.includes('%')) return undefined;
  const family = isIP(text);
  if (family === 4) return { address: text, family: 4 };
  if (family === 6) return { address: new SocketAddress({ address: text, family: 'ipv6' }).address, family: 6 };
  return undefined;
}

/** `::ffff:1.2.3.4` → `1.2.3.4` (an IPv4 address as IPv6 sockets show it); anything else → undefined. */
export function unmapIpv4(address: ParsedAddress): ParsedAddress | undefined {
  if (address.family !== 6) return undefined;
  const words = ipv6Words(address.address);
  if (!words) return undefined;
  if (words.slice(0, 5).some((w) => w !== 0) || words[5] !== 0xffff) return undefined;
  return { address: wordsToIpv4(words[6] ?? 0, words[7] ?? 0), family: 4 };
}

/** The IPv4 address in the low 32 bits of an IPv6 address (NAT64 `64:ff9b::/96` embeds one there). */
export function embeddedIpv4(address: ParsedAddress): string {
  const words = ipv6Words(address.address) ?? [];
  return wordsToIpv4(words[6] ?? 0, words[7] ?? 0);
}

function wordsToIpv4(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The eight 16-bit words of a valid IPv6 address (as accepted by isIP), or undefined. Splits on `::`, `:` and a
 * trailing dotted quad; validity itself was already decided by node:net.
 */
export function ipv6Words(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  const toWords = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const octets = piece.split('.').map(Number);
        out.push(((octets[0] ?? 0) << 8) | (octets[1] ?? 0), ((octets[2] ?? 0) << 8) | (octets[3] ?? 0));
      } else {
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const halves = address.split('::');
  if (halves.length === 2) {
    const head = toWords(halves[0] ?? '');
    const tail = toWords(halves[1] ?? '');
    return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const words = toWords(address);
  return words.length === 8 ? words : undefined;
}

export interface ParsedCidr {
  /** Canonical network address (host bits zero). */
  readonly network: string;
  readonly prefix: number;
  readonly family: IpFamily;
  /** `network/prefix`, canonical. */
  readonly cidr: string;
}

/**
 * A CIDR block (`203.0.113.0/24`, `2001:db8:1234::/48`) or a single address (taken as /32 or /128). Host bits must be
 * zero: `10.0.0.1/8` is refused with the block it probably meant, because a typo in an allow-list should not pass
 * silently. Returns a problem text instead of throwing, for config errors.
 */
export function parseCidr(text: string): ParsedCidr | { problem: string } {
  if (typeof text !== 'string') return { problem: 'expected a CIDR block like 203.0.113.0/24 or 2001:db8::/32' };
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const parsed = parseIpAddress(addressText);
  if (!parsed) return { problem: `expected a CIDR block like 203.0.113.0/24 or 2001:db8::/32, got "${text.slice(0, 80)}"` };
  const bits = parsed.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    const n = Number(prefixText);
    if (prefixText === '' || !Number.isInteger(n) || String(n) !== prefixText || n < 0 || n > bits) {
      return { problem: `the prefix length of "${text.slice(0, 80)}" must be a whole number from 0 to ${bits}` };
    }
    prefix = n;
  }
  const network = maskAddress(parsed, prefix);
  if (network !== parsed.address) {
    return { problem: `"${text}" has host bits set; did you mean ${network}/${prefix}?` };
  }
  return { network, prefix, family: parsed.family, cidr: `${network}/${prefix}` };
}

/** The address with every bit after `prefix` cleared, canonical. */
export function maskAddress(address: ParsedAddress, prefix: number): string {
  if (address.family === 4) {
    const octets = address.address.split('.').map(Number);
    return octets.map((octet, i) => octet & byteMask(prefix - i * 8)).join('.');
  }
  const words = ipv6Words(address.address) ?? [];
  const masked = words.map((word, i) => word & wordMask(prefix - i * 16));
  return new SocketAddress({ address: masked.map((w) => w.toString(16)).join(':'), family: 'ipv6' }).address;
}

function byteMask(bitsLeft: number): number {
  if (bitsLeft >= 8) return 0xff;
  if (bitsLeft <= 0) return 0;
  return (0xff << (8 - bitsLeft)) & 0xff;
}

function wordMask(bitsLeft: number): number {
  if (bitsLeft >= 16) return 0xffff;
  if (bitsLeft <= 0) return 0;
  return (0xffff << (16 - bitsLeft)) & 0xffff;
}

/** One address as a block of one: `1.2.3.4/32`, `2001:db8::1/128`. */
export function hostCidr(address: ParsedAddress): string {
  return `${address.address}/${address.family === 4 ? 32 : 128}`;
}

/**
 * The canonical form of a CIDR text as a target gave it back (AWS may print IPv6 differently than we wrote it), or
 * undefined when it is not one. Unlike {@link parseCidr} it accepts host bits, because foreign entries are not ours to judge.
 */
export function canonicalCidr(text: string): string | undefined {
  const slash = text.indexOf('/');
  const parsed = parseIpAddress(slash === -1 ? text : text.slice(0, slash));
  if (!parsed) return undefined;
  const bits = parsed.family === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(bits) : text.slice(slash + 1);
  const n = Number(prefixText);
  if (prefixText === '' || !Number.isInteger(n) || n < 0 || n > bits) return undefined;
  return `${parsed.address}/${n}`;
}
