import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import type { Finding, RemoteAddress } from '../../src/finding/finding.js';
import type { BlockIntent } from '../../src/respond/block-intent.js';
import { planBlocksForFindings } from '../../src/respond/plan-blocks.js';
import { planManualBlock } from '../../src/respond/plan-manual.js';
import { ownAddressListOf } from '../../src/respond/remote-addresses.js';
import { makeFinding } from '../support/make-finding.js';
import { seededRandom } from '../support/seeded-random.js';
import { IANA_ROWS, isGloballyReachable, mayBlock, oracleParse } from './address-oracle.js';
import { HOUR, respondConfig, T0 } from './helpers.js';

/**
 * Block safety against an independent oracle (ipaddr.js plus the IANA special-purpose registries' CSV files, see
 * address-oracle.ts), over generated addresses in every textual and embedded form: IPv4 dotted; IPv4-mapped (dotted,
 * hex, expanded); IPv4-compatible; NAT64 (64:ff9b::/96, 64:ff9b:1::/48, dotted and hex, zero-padded); 6to4; IPv6
 * compressed, expanded, zero-padded, upper case; and junk. For every gate that plans a block (the pipeline's
 * planBlocksForFindings, `block add` / the Slack menu's planManualBlock):
 *
 * - nothing the oracle calls not globally reachable is ever blocked;
 * - nothing in `allow` is, in any form, whatever form the allow entry itself was written in;
 * - the resource's own address never is, in any form;
 * - and what the registries call globally reachable (their "True" rows) is blocked like any other address.
 *
 * Seeded (the same inputs every run), bounded: 4 seeds × 300 findings × ≤ 4 addresses, plus 600 manual requests each.
 */

const SEEDS = [7, 18, 2026, 424242];
const FINDINGS_PER_SEED = 300;
const MANUAL_PER_SEED = 600;

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const int = (random: Random, below: number) => Math.floor(random() * below);

/** What the allow list means (the oracle's view) and how the config spells it (a random form per entry). */
const ALLOW_V4 = ['8.8.8.0/24', '45.9.148.0/22', '185.220.101.7/32'];
const ALLOW_V6 = ['2a0b:f4c2:1::/48'];

function hexPair(v4: ipaddr.IPv4): string {
  const [a = 0, b = 0, c = 0, d = 0] = v4.octets;
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** The same IPv4 block as an IPv4-mapped, NAT64 or 6to4 block. */
function spellAllowEntry(random: Random, cidr: string): string {
  const [network, bits] = ipaddr.parseCIDR(cidr) as [ipaddr.IPv4, number];
  const dotted = network.toString();
  return pick(random, [
    cidr,
    `::ffff:${dotted}/${96 + bits}`,
    `64:ff9b::${hexPair(network)}/${96 + bits}`,
    `2002:${hexPair(network)}::/${16 + bits}`,
  ]);
}

function randomIpv4(random: Random, within?: [ipaddr.IPv4, number]): ipaddr.IPv4 {
  const octets = Array.from({ length: 4 }, () => int(random, 256));
  if (!within) return new ipaddr.IPv4(octets);
  const [net, bits] = within;
  return new ipaddr.IPv4(
    net.octets.map((o, i) => {
      const keep = Math.max(0, Math.min(8, bits - i * 8));
      const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
      return (o & mask) | ((octets[i] ?? 0) & ~mask & 0xff);
    }),
  );
}

function randomIpv6(random: Random, within?: [ipaddr.IPv6, number]): ipaddr.IPv6 {
  const words = Array.from({ length: 8 }, () => int(random, 65_536));
  if (!within) return new ipaddr.IPv6(words);
  const [net, bits] = within;
  return new ipaddr.IPv6(
    net.parts.map((w, i) => {
      const keep = Math.max(0, Math.min(16, bits - i * 16));
      const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
      return (w & mask) | ((words[i] ?? 0) & ~mask & 0xffff);
    }),
  );
}

const V4_ROWS = IANA_ROWS.filter((r) => r.range[0].kind() === 'ipv4').map((r) => r.range as [ipaddr.IPv4, number]);
const V6_ROWS = IANA_ROWS.filter((r) => r.range[0].kind() === 'ipv6').map((r) => r.range as [ipaddr.IPv6, number]);
const MORE_V4: Array<[ipaddr.IPv4, number]> = [ipaddr.IPv4.parseCIDR('224.0.0.0/4'), ...ALLOW_V4.map((c) => ipaddr.IPv4.parseCIDR(c))];
const MORE_V6: Array<[ipaddr.IPv6, number]> = [
  ipaddr.IPv6.parseCIDR('ff00::/8'),
  ipaddr.IPv6.parseCIDR('fec0::/10'),
  ipaddr.IPv6.parseCIDR('2000::/3'),
  ipaddr.IPv6.parseCIDR('::ffff:0:0:0/96'),
  ...ALLOW_V6.map((c) => ipaddr.IPv6.parseCIDR(c)),
];

/** Every way to write an IPv4 address that a finding (or a person) might use. */
function spellIpv4(random: Random, v4: ipaddr.IPv4): string {
  const dotted = v4.toString();
  const hex = hexPair(v4);
  return pick(random, [
    dotted,
    dotted,
    `::ffff:${dotted}`,
    `::FFFF:${hex.toUpperCase()}`,
    `0:0:0:0:0:ffff:${dotted}`,
    `::${dotted}`,
    `64:ff9b::${dotted}`,
    `64:ff9b::${hex}`,
    `0064:FF9B:0000:0000:0000:0000:${hex}`,
    `64:ff9b:1::${hex}`,
    `2002:${hex}::1`,
    `2002:${hex}:${int(random, 65_536).toString(16)}::${int(random, 65_536).toString(16)}`,
  ]);
}

function spellIpv6(random: Random, v6: ipaddr.IPv6): string {
  return pick(random, [v6.toString(), v6.toString(), v6.toNormalizedString(), v6.parts.map((w) => w.toString(16).padStart(4, '0')).join(':'), v6.toString().toUpperCase()]);
}

const JUNK = ['', ' ', 'localhost', '1.2.3', '010.0.0.1', '0x7f.0.0.1', '1.2.3.4/32', 'fe80::1%eth0', '::ffff:999.1.1.1', '<!channel>', '\u001b[31m', '1::2::3'];

/** One address text: any base address (in a registry row, the allow list, the resource, anywhere) in any spelling. */
function drawAddress(random: Random, own: ipaddr.IPv4): string {
  const roll = random();
  if (roll < 0.05) return pick(random, JUNK);
  if (roll < 0.12) return spellIpv4(random, own);
  if (roll < 0.55) {
    const v4 = roll < 0.3 ? randomIpv4(random, pick(random, random() < 0.8 ? V4_ROWS : MORE_V4)) : randomIpv4(random);
    return spellIpv4(random, v4);
  }
  const v6 = roll < 0.85 ? randomIpv6(random, pick(random, random() < 0.7 ? V6_ROWS : MORE_V6)) : randomIpv6(random);
  return spellIpv6(random, v6);
}

function blockedTexts(intents: readonly BlockIntent[]): Array<{ text: string; recorded: string }> {
  return intents.flatMap((i) => (i.kind === 'refuse' ? [] : [{ text: i.address.ip, recorded: i.record.ip }]));
}

/** Same address for the oracle (ipaddr.js normalised text), or false when it does not parse. */
function sameAddress(a: string, b: string): boolean {
  const x = oracleParse(a.trim());
  const y = oracleParse(b.trim());
  return x !== undefined && y !== undefined && x.kind() === y.kind() && x.toNormalizedString() === y.toNormalizedString();
}

describe.each(SEEDS)('block safety against ipaddr.js and the IANA registries (seed %i)', (seed) => {
  const random = seededRandom(seed);
  const allowSpelled = [...ALLOW_V4.map((c) => spellAllowEntry(random, c)), ...ALLOW_V6];
  const config = respondConfig({
    mode: random() < 0.5 ? 'dry-run' : 'enforce',
    allow: allowSpelled,
    maxActive: 30_000,
    maxNewPerHour: 30_000,
    rules: [{ name: 'all', match: {}, for: '1h', targets: ['edge', 'alb6'] }],
  });

  const drawn = Array.from({ length: FINDINGS_PER_SEED }, (_, i) => {
    const own = randomIpv4(random, ipaddr.IPv4.parseCIDR('52.0.0.0/8'));
    const texts = Array.from({ length: 1 + int(random, 4) }, () => drawAddress(random, own));
    const remoteAddresses: RemoteAddress[] = texts.map((ip, j) => ({ ip, from: `portProbeDetails[${j}]`, direction: 'inbound' as const }));
    const finding: Finding = makeFinding({
      id: `f-${seed}-${i}`,
      lastSeen: new Date(T0 - int(random, HOUR)).toISOString(),
      action: { type: 'PORT_PROBE', remoteAddresses, ownAddresses: [spellIpv4(random, own).replace(/^2002:.*/, own.toString())] },
    });
    return { finding, own: `${own.toString()}/32` };
  });
  const ownOf = new Map(drawn.map((d) => [d.finding.id, d.own]));
  const plan = planBlocksForFindings({ findings: drawn.map((d) => d.finding), respondConfig: config, activeBlocks: [], recentNewCount: new Map(), now: T0 });

  const manual = Array.from({ length: MANUAL_PER_SEED }, () => {
    const d = pick(random, drawn);
    const text = drawAddress(random, ipaddr.IPv4.parse(d.own.replace('/32', '')));
    const intents = planManualBlock({
      ip: text,
      forMs: HOUR,
      reason: 'property',
      actor: 'prop',
      respond: config,
      standing: [],
      recentNewCount: new Map(),
      now: T0,
      own: ownAddressListOf(d.finding),
    });
    return { text, own: d.own, intents: Array.isArray(intents) ? intents : [] };
  });

  it('the pipeline blocks only what the oracle calls globally reachable, not allowed and not the resource’s own', () => {
    let blocked = 0;
    for (const { finding, intents } of plan.perFinding) {
      const own = ownOf.get(finding.id) ?? '';
      for (const { text, recorded } of blockedTexts(intents)) {
        blocked += 1;
        expect(mayBlock(text.trim(), { allow: [...ALLOW_V4, ...ALLOW_V6], own: [own] }), `${JSON.stringify(text)} was blocked`).toBe(true);
        expect(sameAddress(text, recorded), `${text} recorded as ${recorded}`).toBe(true);
      }
    }
    expect(blocked).toBeGreaterThan(50);
  });

  it('block add blocks only what the oracle calls globally reachable, not allowed and not the resource’s own', () => {
    let blocked = 0;
    for (const { text, own, intents } of manual) {
      for (const intent of intents) {
        if (intent.kind === 'refuse') continue;
        blocked += 1;
        expect(mayBlock(text.trim(), { allow: [...ALLOW_V4, ...ALLOW_V6], own: [own] }), `${JSON.stringify(text)} was blocked`).toBe(true);
        expect(sameAddress(text, intent.record.ip), `${text} recorded as ${intent.record.ip}`).toBe(true);
      }
    }
    expect(blocked).toBeGreaterThan(50);
  });

  it('blocks what the registries call globally reachable like any other address', () => {
    // Plainly written addresses in the registries' "True" rows, outside any more specific row that is not.
    const reachableRows = IANA_ROWS.filter((r) => r.reachable === 'True' && r.cidr !== '64:ff9b::/96');
    const texts = reachableRows.flatMap((row) =>
      Array.from({ length: 5 }, () => {
        const address = row.range[0].kind() === 'ipv4' ? randomIpv4(random, row.range as [ipaddr.IPv4, number]) : randomIpv6(random, row.range as [ipaddr.IPv6, number]);
        return address.toString();
      }),
    ).filter((text) => isGloballyReachable(oracleParse(text)!));
    expect(texts.length).toBeGreaterThan(reachableRows.length * 3);
    for (const text of texts) {
      const intents = planManualBlock({ ip: text, targets: ['edge'], forMs: HOUR, reason: 'x', actor: '', respond: config, standing: [], recentNewCount: new Map(), now: T0 });
      expect(intents, text).toMatchObject([{ kind: 'block' }]);
    }
  });
});

describe('allow: [8.8.8.0/24] in the pipeline and in block add', () => {
  const config = respondConfig({ allow: ['8.8.8.0/24'], rules: [{ name: 'all', match: {}, for: '1h', targets: ['edge', 'alb6'] }] });
  const embedded = ['64:ff9b::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'];

  it.each(embedded)('the pipeline refuses %s as allow-list', (ip) => {
    const finding = makeFinding({ id: 'f-allow', action: { type: 'PORT_PROBE', remoteAddresses: [{ ip, from: 'portProbeDetails[0]' }] } });
    const plan = planBlocksForFindings({ findings: [finding], respondConfig: config, activeBlocks: [], recentNewCount: new Map(), now: T0 });
    expect(plan.intents).toMatchObject([{ kind: 'refuse', reason: 'allow-list', detail: 'allow-list entry 8.8.8.0/24' }]);
  });

  it.each(embedded)('block add refuses %s as allow-list', (ip) => {
    const intents = planManualBlock({ ip, forMs: HOUR, reason: 'x', actor: 'alice', respond: config, standing: [], recentNewCount: new Map(), now: T0 });
    expect(intents).toMatchObject([{ kind: 'refuse', reason: 'allow-list' }]);
  });
});
