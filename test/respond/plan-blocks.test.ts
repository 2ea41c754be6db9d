import { describe, expect, it } from 'vitest';
import type { Finding, RemoteAddress } from '../../src/finding/finding.js';
import type { BlockIntent } from '../../src/respond/block-intent.js';
import type { BlockRecord } from '../../src/respond/block-record.js';
import { planBlocks, planBlocksForFindings, type BlockPlanInput } from '../../src/respond/plan-blocks.js';
import { makeFinding } from '../support/make-finding.js';
import { HOUR, makeBlock, respondConfig } from './helpers.js';

const NOW = Date.parse('2024-05-01T13:00:00.000Z');
const DAY = 24 * HOUR;
function attack(addresses: Array<string | RemoteAddress>, overrides: Partial<Finding> = {}): Finding {
  return makeFinding({
    id: 'f-attack',
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 8,
    lastSeen: '2024-05-01T12:59:00.000Z',
    updatedAt: '2024-05-01T12:59:30.000Z',
    action: {
      type: 'NETWORK_CONNECTION',
      remoteAddresses: addresses.map((a) => (typeof a === 'string' ? { ip: a, from: 'networkConnectionAction', direction: 'inbound' as const } : a)),
    },
    ...overrides,
  });
}

function plan(finding: Finding, extra: Partial<BlockPlanInput> = {}): BlockIntent[] {
  return planBlocks({ finding, respondConfig: respondConfig(), activeBlocks: [], recentNewCount: new Map(), now: NOW, ...extra });
}

const summary = (intents: readonly BlockIntent[]) =>
  intents.map((i) => (i.kind === 'refuse' ? `refuse ${i.ip}${i.target ? ` ${i.target}` : ''}: ${i.reason}` : `${i.kind} ${i.record.cidr} ${i.record.target}`));

describe('planning blocks', () => {
  it('blocks each remote address in every target of the first matching rule', () => {
    const intents = plan(attack(['185.220.101.1', '45.9.148.3']));
    expect(summary(intents)).toEqual([
      'block 185.220.101.1/32 edge',
      'block 185.220.101.1/32 alb',
      'block 45.9.148.3/32 edge',
      'block 45.9.148.3/32 alb',
    ]);
    const [edge, alb] = intents;
    expect(edge).toMatchObject({
      kind: 'block',
      dryRun: false,
      record: {
        ip: '185.220.101.1',
        family: 4,
        target: 'edge',
        since: NOW,
        until: NOW + 12 * HOUR,
        findingId: 'f-attack',
        rule: 'attackers',
        direction: 'both',
        state: 'active',
        reason: 'UnauthorizedAccess:EC2/SSHBruteForce',
        seenAt: Date.parse('2024-05-01T12:59:30.000Z'),
        extensions: 0,
      },
    });
    // A WAF IP set only matches sources.
    expect(alb).toMatchObject({ record: { target: 'alb', direction: 'source' } });
  });

  it('plans nothing for a finding no rule matches, and uses the first rule that matches', () => {
    expect(plan(attack(['185.220.101.1'], { severity: 3, type: 'Policy:S3/BucketPublic' }))).toEqual([]);
    const recon = plan(attack(['185.220.101.1'], { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 9 }));
    expect(summary(recon)).toEqual(['block 185.220.101.1/32 edge']);
    expect(recon[0]).toMatchObject({ record: { rule: 'recon', direction: 'source', until: NOW + HOUR } });
  });

  it.each([
    ['10.1.2.3', 'private'],
    ['100.64.7.7', 'private'],
    ['::ffff:192.168.0.9', 'private'],
    ['127.0.0.1', 'reserved'],
    ['169.254.169.254', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['0.0.0.0', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['2001:db8::5', 'documentation'],
    ['185.220.100.9', 'allow-list'],
    ['not-an-ip', 'invalid'],
    ['1.2.3.4/24', 'invalid'],
  ] as const)('refuses %s once for the finding with reason %s', (ip, reason) => {
    const intents = plan(attack([ip]));
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ kind: 'refuse', reason, rule: 'attackers', findingId: 'f-attack' });
    expect(intents[0]).not.toHaveProperty('target');
  });

  it.each([
    ['sample', { sample: true }],
    ['archived', { archived: true }],
  ] as const)('never blocks anything from a %s finding', (reason, overrides) => {
    const intents = plan(attack(['185.220.101.1', '10.0.0.1', 'garbage'], overrides));
    expect(intents.map((i) => i.kind === 'refuse' && i.reason)).toEqual([reason, reason, reason]);
  });

  it('records dry-run decisions as dry-run rows, announced as would-be blocks', () => {
    const intents = plan(attack(['185.220.101.1']), { respondConfig: respondConfig({ mode: 'dry-run' }) });
    expect(intents.every((i) => i.dryRun)).toBe(true);
    expect(intents.map((i) => i.kind !== 'refuse' && i.record.state)).toEqual(['dry-run', 'dry-run']);
  });

  it('falls back to action.remoteIp (with its connection direction) when there is no address list', () => {
    const finding = makeFinding({ type: 'Backdoor:EC2/C&CActivity.B', severity: 8, action: { remoteIp: '185.220.101.1', direction: 'OUTBOUND' } });
    const intents = plan(finding);
    expect(summary(intents)).toEqual(['block 185.220.101.1/32 edge', 'block 185.220.101.1/32 alb']);
    expect(intents[0]).toMatchObject({ address: { ip: '185.220.101.1', direction: 'outbound', from: 'remoteIp' } });
  });

  it('plans an address named twice (also in IPv4-mapped form) once', () => {
    expect(summary(plan(attack(['185.220.101.1', '::ffff:185.220.101.1', '185.220.101.1'])))).toEqual([
      'block 185.220.101.1/32 edge',
      'block 185.220.101.1/32 alb',
    ]);
  });

  it('keeps at most 64 characters of an unparseable address', () => {
    const [intent] = plan(attack(['x'.repeat(10_000)]));
    expect(intent).toMatchObject({ kind: 'refuse', reason: 'invalid' });
    expect(intent?.kind === 'refuse' && intent.ip.length).toBe(64);
  });

  it('refuses IPv6 for a WAF target without an IPv6 set, and blocks it where there is one', () => {
    const config = respondConfig({ rules: [{ name: 'r', match: {}, for: '1h', targets: ['alb', 'alb6'] }] });
    expect(summary(plan(attack(['2a0b:f4c2::1']), { respondConfig: config }))).toEqual([
      'refuse 2a0b:f4c2::1 alb: unsupported',
      'block 2a0b:f4c2::1/128 alb6',
    ]);
  });
});

describe('blocks already standing', () => {
  const standing = (overrides: Partial<BlockRecord> = {}) =>
    makeBlock({ target: 'edge', findingId: 'f-attack', since: NOW - 6 * HOUR, until: NOW + 6 * HOUR, seenAt: Date.parse('2024-05-01T07:00:00.000Z'), ...overrides });
  const edgeOnly = respondConfig({ rules: [{ name: 'attackers', match: {}, for: '12h', targets: ['edge'] }] });
  const run = (finding: Finding, blocks: BlockRecord[], config = edgeOnly) => plan(finding, { respondConfig: config, activeBlocks: blocks });

  it('extends a block when the activity recurs, to now + for', () => {
    const [intent] = run(attack(['185.220.101.1']), [standing()]);
    expect(intent).toMatchObject({ kind: 'extend', previous: { until: NOW + 6 * HOUR }, record: { since: NOW - 6 * HOUR, until: NOW + 12 * HOUR, extensions: 1, updatedAt: NOW } });
  });

  it('does not extend for a re-publication of the same activity', () => {
    const [intent] = run(attack(['185.220.101.1']), [standing({ seenAt: Date.parse('2024-05-01T12:59:30.000Z') })]);
    expect(intent).toMatchObject({ kind: 'refuse', reason: 'already-blocked', target: 'edge' });
  });

  it('extends no further than maxFor from the start, then says already blocked', () => {
    const old = standing({ since: NOW - 7 * DAY + 2 * HOUR, until: NOW + HOUR });
    const [first] = run(attack(['185.220.101.1']), [old]);
    expect(first).toMatchObject({ kind: 'extend', record: { until: NOW + 2 * HOUR } });
    const [second] = run(attack(['185.220.101.1'], { id: 'f-other' }), [first?.kind === 'extend' ? first.record : old]);
    expect(second).toMatchObject({ kind: 'refuse', reason: 'already-blocked' });
  });

  it('widens the direction when a rule asks for more', () => {
    const [intent] = run(attack(['185.220.101.1']), [standing({ direction: 'source', until: NOW + 24 * HOUR, since: NOW })]);
    expect(intent).toMatchObject({ kind: 'extend', record: { direction: 'both', until: NOW + 24 * HOUR } });
  });

  it('ignores rows whose time has passed: a new block', () => {
    const [intent] = run(attack(['185.220.101.1']), [standing({ until: NOW })]);
    expect(intent).toMatchObject({ kind: 'block', record: { since: NOW } });
  });

  it('in enforce, turns a dry-run row into a real block; in dry-run, leaves a real block alone', () => {
    const [enforced] = run(attack(['185.220.101.1']), [standing({ state: 'dry-run' })]);
    expect(enforced).toMatchObject({ kind: 'block', record: { state: 'active' } });
    const dry = respondConfig({ mode: 'dry-run', rules: [{ name: 'attackers', match: {}, for: '12h', targets: ['edge'] }] });
    const [left] = run(attack(['185.220.101.1']), [standing()], dry);
    expect(left).toMatchObject({ kind: 'refuse', reason: 'already-blocked', dryRun: true });
  });
});

describe('caps', () => {
  const edgeOnly = respondConfig({ maxActive: 2, maxNewPerHour: 10, rules: [{ name: 'attackers', match: {}, for: '12h', targets: ['edge'] }] });

  it.each([
    ['maxActive', { activeBlocks: [makeBlock({ ip: '11.0.0.1', until: NOW + HOUR }), makeBlock({ ip: '11.0.0.2', until: NOW + HOUR })] }, 'cap'],
    ['maxNewPerHour', { recentNewCount: new Map([['edge', 10]]) }, 'rate'],
    ['the reported room', { room: new Map([['edge', { units: 1 }]]) }, 'cap'],
  ] as const)('refuses a new block at %s', (_, extra, reason) => {
    const [intent] = plan(attack(['185.220.101.1']), { respondConfig: edgeOnly, ...extra });
    expect(intent).toMatchObject({ kind: 'refuse', reason, target: 'edge' });
  });

  it('counts dry-run rows against the caps in dry-run, so the simulation is faithful', () => {
    const dry = respondConfig({ mode: 'dry-run', maxActive: 1, rules: [{ name: 'attackers', match: {}, for: '12h', targets: ['edge'] }] });
    const [intent] = plan(attack(['185.220.101.1']), { respondConfig: dry, activeBlocks: [makeBlock({ ip: '11.0.0.1', state: 'dry-run', until: NOW + HOUR })] });
    expect(intent).toMatchObject({ kind: 'refuse', reason: 'cap' });
  });

  it('counts the blocks a batch plans, so a burst cannot pass a cap a finding at a time would respect', () => {
    const findings = ['185.220.101.1', '185.220.101.2', '185.220.101.3', '185.220.101.1'].map((ip, i) => attack([ip], { id: `f-${i}` }));
    const { intents } = planBlocksForFindings({ findings, respondConfig: edgeOnly, activeBlocks: [], recentNewCount: new Map(), now: NOW });
    expect(summary(intents)).toEqual([
      'block 185.220.101.1/32 edge',
      'block 185.220.101.2/32 edge',
      'refuse 185.220.101.3 edge: cap',
      'refuse 185.220.101.1 edge: already-blocked',
    ]);
  });

  it('is pure: the same input plans the same intents and nothing given is changed', () => {
    const activeBlocks = Object.freeze([makeBlock({ ip: '11.0.0.1' })]);
    const recentNewCount = new Map([['edge', 1]]);
    const input = { finding: attack(['185.220.101.1']), respondConfig: respondConfig(), activeBlocks, recentNewCount, now: NOW };
    expect(planBlocks(input)).toEqual(planBlocks(input));
    expect(recentNewCount.get('edge')).toBe(1);
  });
});
