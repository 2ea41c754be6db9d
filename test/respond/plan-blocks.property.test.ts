import { describe, expect, it } from 'vitest';
import { ipv6Words, parseCidr } from '../../src/core/ip-address.js';
import type { Finding, RemoteAddress } from '../../src/finding/finding.js';
import { NEVER_BLOCK } from '../../src/respond/ip-safety.js';
import { planBlocksForFindings } from '../../src/respond/plan-blocks.js';
import type { BlockRecord } from '../../src/respond/block-record.js';
import { makeFinding } from '../support/make-finding.js';
import { mayBlock } from './address-oracle.js';
import { seededRandom } from '../support/seeded-random.js';
import { HOUR, makeBlock, respondConfig } from './helpers.js';

/**
 * Properties of the planner over generated findings (seeded, so every run draws the same inputs; the address safety
 * properties against ipaddr.js and the IANA registries are in block-safety.property.test.ts):
 * no finding ever blocks an address of a never-block range or the allow list, in any textual form (IPv4-mapped,
 * hex-mapped, NAT64, 6to4, upper case), nor anything from a sample or archived finding, nor a resource's own address;
 * every row is one address (/32 or /128); the caps hold for a whole batch.
 */

const NOW = Date.parse('2024-05-01T13:00:00.000Z');
const ALLOW = ['185.220.100.0/24', '2a0b:f4c2:1::/48'];

type Drawn = { text: string; forbidden: boolean };

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** A random address inside `cidr` (v4 or v6). */
function inside(random: () => number, cidr: string): { text: string; family: 4 | 6 } {
  const parsed = parseCidr(cidr);
  if ('problem' in parsed) throw new Error(parsed.problem);
  if (parsed.family === 4) {
    const octets = parsed.network.split('.').map(Number);
    const out = octets.map((octet, i) => {
      const bits = Math.max(0, Math.min(8, parsed.prefix - i * 8));
      const mask = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
      return (octet & mask) | (Math.floor(random() * 256) & ~mask & 0xff);
    });
    return { text: out.join('.'), family: 4 };
  }
  const words = ipv6Words(parsed.network) ?? [];
  const out = words.map((word, i) => {
    const bits = Math.max(0, Math.min(16, parsed.prefix - i * 16));
    const mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
    return (word & mask) | (Math.floor(random() * 65_536) & ~mask & 0xffff);
  });
  return { text: out.map((w) => w.toString(16)).join(':'), family: 6 };
}

function hex4(text: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = text.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Every textual disguise of a forbidden IPv4 address that still means it. */
function disguise(random: () => number, v4: string): string {
  return pick(random, [v4, `::ffff:${v4}`, `::FFFF:${hex4(v4).toUpperCase()}`, `64:ff9b::${v4}`, `2002:${hex4(v4)}::1`]);
}

function drawAddress(random: () => number): Drawn {
  const roll = random();
  if (roll < 0.35) {
    const range = pick(random, NEVER_BLOCK);
    const { text, family } = inside(random, range.cidr);
    const shown = family === 4 ? disguise(random, text) : random() < 0.5 ? text.toUpperCase() : text;
    // A never-block row may hold a globally reachable one (192.0.0.9/32 in 192.0.0.0/24): the oracle says which.
    return { text: shown, forbidden: !mayBlock(shown, { allow: ALLOW, own: [] }) };
  }
  if (roll < 0.45) {
    const { text, family } = inside(random, pick(random, ALLOW));
    return { text: family === 4 && random() < 0.5 ? `::ffff:${text}` : text, forbidden: true };
  }
  if (roll < 0.55) return { text: pick(random, ['', 'localhost', '1.2.3', '010.0.0.1', '1.2.3.4/32', 'fe80::1%eth0', '<!channel>', '\u001b[31m']), forbidden: true };
  if (roll < 0.8) return { text: inside(random, pick(random, ['11.0.0.0/8', '45.0.0.0/8', '185.220.0.0/16', '91.0.0.0/8'])).text, forbidden: false };
  return { text: inside(random, pick(random, ['2a0b:f4c2::/32', '2001:67c::/32', '2606:4700::/32'])).text, forbidden: false };
}

function drawFinding(random: () => number, i: number): { finding: Finding; drawn: Drawn[]; localIp: string } {
  const drawn = Array.from({ length: 1 + Math.floor(random() * 4) }, () => drawAddress(random));
  const sample = random() < 0.15;
  const archived = random() < 0.1;
  const localIp = inside(random, '52.0.0.0/8').text; // a public address of our own instance: never in remoteAddresses
  const remoteAddresses: RemoteAddress[] = drawn.map((d, j) => ({ ip: d.text, from: `portProbeDetails[${j}]`, ...(random() < 0.5 ? { direction: 'inbound' as const } : {}) }));
  const finding = makeFinding({
    id: `f-${i}`,
    type: pick(random, ['UnauthorizedAccess:EC2/SSHBruteForce', 'Recon:EC2/PortProbeUnprotectedPort', 'Backdoor:EC2/C&CActivity.B', 'Policy:S3/BucketPublic']),
    severity: Math.round(random() * 100) / 10,
    sample,
    archived,
    lastSeen: new Date(NOW - Math.floor(random() * HOUR)).toISOString(),
    action: { type: 'PORT_PROBE', localIp, remoteAddresses },
  });
  return { finding, drawn, localIp };
}

describe.each([1, 2, 3, 42, 2024])('planner properties (seed %i)', (seed) => {
  const random = seededRandom(seed);
  const config = respondConfig({
    mode: random() < 0.5 ? 'dry-run' : 'enforce',
    allow: ALLOW,
    maxActive: 40,
    maxNewPerHour: 25,
    rules: [
      { name: 'recon', match: { types: ['Recon:*'] }, for: '1h', targets: ['edge'], direction: 'source' },
      { name: 'all', match: {}, for: '12h', targets: ['edge', 'alb6'] },
    ],
  });
  const generated = Array.from({ length: 400 }, (_, i) => drawFinding(random, i));
  const standing: BlockRecord[] = Array.from({ length: 10 }, (_, i) =>
    makeBlock({ ip: `11.1.1.${i}`, target: 'edge', until: NOW + HOUR, state: config.mode === 'enforce' ? 'active' : 'dry-run' }),
  );
  const recent = new Map([['edge', 5]]);
  const plan = planBlocksForFindings({ findings: generated.map((g) => g.finding), respondConfig: config, activeBlocks: standing, recentNewCount: recent, now: NOW });
  const rows = plan.intents.flatMap((i) => (i.kind === 'refuse' ? [] : [i.record]));

  it('blocks no never-block, allow-listed or invalid address, in any disguise', () => {
    const forbidden = new Set(generated.flatMap((g) => g.drawn.filter((d) => d.forbidden).map((d) => d.text)));
    for (const intent of plan.intents) {
      if (intent.kind === 'refuse') continue;
      expect(forbidden.has(intent.address.ip), `${intent.address.ip} was blocked`).toBe(false);
    }
    // And the safe ones the generator drew were all decided one way or the other.
    expect(plan.intents.length).toBeGreaterThan(0);
  });

  it('blocks nothing from a sample or archived finding, and never a resource’s own address', () => {
    for (const { finding, intents } of plan.perFinding) {
      const g = generated.find((x) => x.finding === finding);
      if (finding.sample || finding.archived) expect(intents.filter((i) => i.kind !== 'refuse')).toEqual([]);
      for (const intent of intents) if (intent.kind !== 'refuse') expect(intent.record.ip).not.toBe(g?.localIp);
    }
  });

  it('writes one address per row, canonical, in the mode it was planned in', () => {
    for (const row of rows) {
      expect(row.cidr).toBe(`${row.ip}/${row.family === 4 ? 32 : 128}`);
      expect(parseCidr(row.cidr)).toMatchObject({ cidr: row.cidr });
      expect(row.state).toBe(config.mode === 'enforce' ? 'active' : 'dry-run');
      expect(row.until).toBeGreaterThan(NOW);
      expect(row.until - row.since).toBeLessThanOrEqual(7 * 24 * HOUR);
    }
  });

  it('keeps maxActive and maxNewPerHour for the whole batch, per target', () => {
    for (const target of ['edge', 'alb6']) {
      const fresh = plan.intents.filter((i) => i.kind === 'block' && i.record.target === target).length;
      const held = standing.filter((b) => b.target === target).length + fresh;
      expect(fresh + (recent.get(target) ?? 0)).toBeLessThanOrEqual(config.maxNewPerHour);
      expect(held).toBeLessThanOrEqual(config.maxActive);
    }
  });
});
