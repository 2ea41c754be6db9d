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

/**
 * How an IPv6 address carries an IPv4 one, by the prefix it sits in:
 * - `ipv4-mapped` `::ffff:0:0/96` (RFC 4291 §2.5.5.2): an IPv4 address as dual-stack sockets show it — it *is* that IPv4
 *   address, and is blocked as one;
 * - `ipv4-compatible` `::/96` (RFC 4291 §2.5.5.1, deprecated), except `::` and `::1`;
 * - `nat64` `64:ff9b::/96` (RFC 6052 well-known prefix) and `nat64-local` `64:ff9b:1::/48` (RFC 8215, the /96 layout
 *   within it that deployments use): the low 32 bits;
 * - `6to4` `2002::/16` (RFC 3056): bits 16–47.
 */
export type Ipv4Embedding = 'ipv4-mapped' | 'ipv4-compatible' | 'nat64' | 'nat64-local' | '6to4';

/** Where each embedding sits: the words of its prefix, the prefix length, and the bit offset of the IPv4 address. */
const EMBEDDINGS: ReadonlyArray<{ readonly via: Ipv4Embedding; readonly words: readonly number[]; readonly prefix: number; readonly offset: number }> = [
  { via: 'ipv4-mapped', words: [0, 0, 0, 0, 0, 0xffff], prefix: 96, offset: 96 },
  { via: 'ipv4-compatible', words: [0, 0, 0, 0, 0, 0], prefix: 96, offset: 96 },
  { via: 'nat64', words: [0x64, 0xff9b, 0, 0, 0, 0], prefix: 96, offset: 96 },
  { via: 'nat64-local', words: [0x64, 0xff9b, 0x1], prefix: 48, offset: 96 },
  { via: '6to4', words: [0x2002], prefix: 16, offset: 16 },
];

export interface NormalisedAddress {
  /** The address to act on: an IPv4-mapped address is its IPv4 address (that is what the packet carries), the rest as parsed. */
  readonly address: ParsedAddress;
  /** The IPv4 address an IPv6 address carries inside (NAT64, 6to4, IPv4-compatible), judged and compared as well. */
  readonly embedded?: { readonly ipv4: ParsedAddress; readonly via: Ipv4Embedding };
  /** Every form to compare against a list: `address`, then the embedded IPv4 address if any. */
  readonly forms: readonly ParsedAddress[];
}

function embeddingOf(words: readonly number[]): (typeof EMBEDDINGS)[number] | undefined {
  return EMBEDDINGS.find((e) => {
    const whole = Math.floor(e.prefix / 16);
    for (let i = 0; i < whole; i++) if (words[i] !== e.words[i]) return false;
    return true;
  });
}

function ipv4At(words: readonly number[], offset: number): ParsedAddress {
  const word = offset / 16;
  return { address: wordsToIpv4(words[word] ?? 0, words[word + 1] ?? 0), family: 4 };
}

/**
 * The one normalisation every list check uses (the built-in never-block table, `respond.allow`, the resource's own
 * addresses): an address is in a list when any of its `forms` is.
 *
 * @example
 * normaliseAddress({ address: '64:ff9b::808:808', family: 6 }).forms; // 64:ff9b::808:808 and 8.8.8.8
 * normaliseAddress({ address: '::ffff:8.8.8.8', family: 6 }).address; // { address: '8.8.8.8', family: 4 }
 */
export function normaliseAddress(parsed: ParsedAddress): NormalisedAddress {
  if (parsed.family === 4) return { address: parsed, forms: [parsed] };
  const words = ipv6Words(parsed.address);
  const embedding = words === undefined ? undefined : embeddingOf(words);
  if (!words || !embedding) return { address: parsed, forms: [parsed] };
  const ipv4 = ipv4At(words, embedding.offset);
  if (embedding.via === 'ipv4-mapped') return { address: ipv4, forms: [ipv4] };
  // `::` and `::1` are the unspecified and loopback addresses, not IPv4-compatible ones (RFC 4291 §2.5.2, §2.5.3).
  if (embedding.via === 'ipv4-compatible' && words[6] === 0 && (words[7] ?? 0) <= 1) return { address: parsed, forms: [parsed] };
  return { address: parsed, embedded: { ipv4, via: embedding.via }, forms: [parsed, ipv4] };
}

/** {@link parseIpAddress}, then {@link normaliseAddress}. */
export function parseNormalisedAddress(text: string): NormalisedAddress | undefined {
  const parsed = parseIpAddress(text);
  return parsed === undefined ? undefined : normaliseAddress(parsed);
}

/**
 * The forms of a CIDR block, for lists of blocks (`respond.allow`): the block itself, plus the IPv4 block it fixes when
 * it lies inside an embedding prefix and fixes at least one bit of the IPv4 address (`::ffff:8.8.8.0/120` →
 * `8.8.8.0/24`, `2002:808:800::/40` → `8.8.0.0/24`, `64:ff9b::808:808/128` → `8.8.8.8/32`). An IPv4-mapped block is
 * only its IPv4 block. A block that fixes no IPv4 bit (`64:ff9b::/96`) stays IPv6 only: it does not mean "all of IPv4".
 */
export function cidrForms(cidr: ParsedCidr): ParsedCidr[] {
  if (cidr.family === 4) return [cidr];
  const words = ipv6Words(cidr.network);
  const embedding = words === undefined ? undefined : embeddingOf(words);
  if (!words || !embedding || cidr.prefix < embedding.prefix || cidr.prefix <= embedding.offset) return [cidr];
  if (embedding.via === 'ipv4-compatible' && cidr.prefix === 128 && words[6] === 0 && (words[7] ?? 0) <= 1) return [cidr];
  const v4Prefix = Math.min(32, cidr.prefix - embedding.offset);
  const v4Network = maskAddress(ipv4At(words, embedding.offset), v4Prefix);
  const v4: ParsedCidr = { network: v4Network, prefix: v4Prefix, family: 4, cidr: `${v4Network}/${v4Prefix}` };
  return embedding.via === 'ipv4-mapped' ? [v4] : [cidr, v4];
}
