import { describe, expect, it } from 'vitest';
import { announceIntent, announceUnblock, humanDuration, oneMessagePerDestination } from '../../src/respond/announce.js';
import type { BlockIntent } from '../../src/respond/block-intent.js';
import { HOUR, makeBlock, T0 } from './helpers.js';

const address = { ip: '185.220.101.1', from: 'networkConnectionAction' };
const refusal = (reason: Extract<BlockIntent, { kind: 'refuse' }>['reason'], extra: Partial<Extract<BlockIntent, { kind: 'refuse' }>> = {}): BlockIntent => ({
  kind: 'refuse',
  reason,
  ip: '10.1.2.3',
  rule: 'attackers',
  findingId: 'f-1',
  dryRun: false,
  ...extra,
});

describe('block announcements', () => {
  it.each<[string, BlockIntent]>([
    ['Blocked 185.220.101.1 for 12 h in edge (source and destination)', { kind: 'block', record: makeBlock(), address, dryRun: false }],
    [
      'Would block 185.220.101.1 for 12 h in edge (source and destination) (dry-run)',
      { kind: 'block', record: makeBlock({ state: 'dry-run' }), address, dryRun: true },
    ],
    ['Blocked 185.220.101.1 for 1 d 12 h in public-alb (source)', { kind: 'block', record: makeBlock({ target: 'public-alb', direction: 'source', until: T0 + 36 * HOUR }), address, dryRun: false }],
    [
      'Extended the block of 185.220.101.1 in edge to 18 h in all, until 2024-05-02 06:00 UTC (source and destination)',
      { kind: 'extend', record: makeBlock({ until: T0 + 18 * HOUR }), previous: makeBlock(), address, dryRun: false },
    ],
    ['Not blocked: 10.1.2.3 is a private address (private (RFC 1918))', refusal('private', { detail: 'private (RFC 1918)' })],
    ['Not blocked: 10.1.2.3 is a private address', refusal('private')],
    ['Not blocked: 127.0.0.1 is a reserved address (loopback)', refusal('reserved', { ip: '127.0.0.1', detail: 'loopback' })],
    ['Not blocked: 192.0.2.1 is a documentation address', refusal('documentation', { ip: '192.0.2.1' })],
    ['Not blocked: 185.220.101.1 comes from a sample finding', refusal('sample', { ip: '185.220.101.1' })],
    ['Not blocked: 185.220.101.1 comes from an archived finding', refusal('archived', { ip: '185.220.101.1' })],
    ['Not blocked: "bogus" is not an IP address', refusal('invalid', { ip: 'bogus' })],
    [
      'Not blocked: 185.220.101.1: edge holds 500 blocks (respond.maxActive 500)',
      refusal('cap', { ip: '185.220.101.1', target: 'edge', detail: 'edge holds 500 blocks (respond.maxActive 500)' }),
    ],
    ['Already blocked: 185.220.101.1 in edge until 2024-05-02 00:00 UTC', refusal('already-blocked', { ip: '185.220.101.1', target: 'edge', existing: makeBlock() })],
  ])('says "%s"', (text, intent) => {
    expect(announceIntent(intent)).toBe(text);
  });

  it('announces an unblock: released at expiry, unblocked by whom', () => {
    expect(announceUnblock(makeBlock(), 'expired')).toBe('Released 185.220.101.1 in edge (expired after 12 h)');
    expect(announceUnblock(makeBlock(), 'removed')).toBe('Unblocked 185.220.101.1 in edge (removed by hand)');
    expect(announceUnblock(makeBlock(), 'removed', 'alice')).toBe('Unblocked 185.220.101.1 in edge by alice');
  });

  it('groups lines into one message a destination, in a finding\'s thread only when all are about it', () => {
    const f1 = { id: 'f-1', type: 'T' };
    const grouped = oneMessagePerDestination([
      { destination: 'sec', line: 'a', finding: f1, idParts: ['1'] },
      { destination: 'ops', line: 'b', finding: f1, idParts: ['2'] },
      { destination: 'sec', line: 'c', finding: { id: 'f-2', type: 'T' }, idParts: ['3'] },
      { destination: 'ops', line: 'd', finding: f1, idParts: ['4'] },
    ]);
    expect(grouped.map((g) => `${g.destination} ${g.finding?.id ?? '-'} ${g.lines.join('')}`)).toEqual(['sec - ac', 'ops f-1 bd']);
  });

  it.each([
    [90_000, '1 min 30 s'],
    [12 * HOUR, '12 h'],
    [7 * 24 * HOUR, '7 d'],
    [24 * HOUR + 30 * 60_000, '1 d'],
    [45_000, '45 s'],
    [500, '500 ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
