import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { findMute, mutesFromConfig, mutesFromStore } from '../../src/policy/mute.js';
import type { MuteRule } from '../../src/policy/mute.js';
import { makeTestFinding } from './make-test-finding.js';

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const HOUR = 3_600_000;

function storeRule(rule: Partial<MuteRule>): MuteRule {
  return { id: 'm-1', reason: 'noisy scanner', createdAt: T0, expiresAt: T0 + HOUR, ...rule };
}

describe('mutesFromConfig', () => {
  it('numbers config mutes in file order and turns until into expiresAt', () => {
    const config = configSchema.parse({
      destinations: [{ name: 'sec', type: 'stdout' }],
      mutes: [
        { match: { types: ['Recon:*'] }, reason: 'scanners' },
        { match: { accounts: ['111122223333'] }, reason: 'sandbox', until: '2024-05-01T13:00:00Z' },
      ],
    });
    expect(mutesFromConfig(config)).toEqual([
      { id: 'config:0', match: { types: ['Recon:*'] }, reason: 'scanners' },
      { id: 'config:1', match: { accounts: ['111122223333'] }, reason: 'sandbox', expiresAt: T0 + HOUR },
    ]);
  });
});

describe('mutesFromStore', () => {
  it('maps each rule field onto the matching key', () => {
    const [mute] = mutesFromStore([
      storeRule({ type: 'Recon:*', account: '111122223333', resourceType: 'Instance', findingId: 'f-9' }),
    ]);
    expect(mute).toEqual({
      id: 'm-1',
      reason: 'noisy scanner',
      expiresAt: T0 + HOUR,
      match: { types: ['Recon:*'], accounts: ['111122223333'], resourceTypes: ['Instance'], findingIds: ['f-9'] },
    });
  });

  it('leaves out a rule with no criteria instead of muting every finding', () => {
    expect(mutesFromStore([storeRule({})])).toEqual([]);
  });
});

describe('findMute', () => {
  const recon = makeTestFinding({ type: 'Recon:EC2/Portscan', accountId: '111122223333' });
  const mutes = mutesFromStore([storeRule({ type: 'Recon:*' })]);

  it.each([
    ['well before expiry', T0, true],
    ['one millisecond before expiry', T0 + HOUR - 1, true],
    ['at expiry', T0 + HOUR, false],
    ['after expiry', T0 + 2 * HOUR, false],
  ])('a store mute with an expiry applies %s → %s', (_when, now, muted) => {
    expect(findMute(recon, mutes, now)?.id).toBe(muted ? 'm-1' : undefined);
  });

  it('applies a config mute without until forever', () => {
    const config = mutesFromConfig({ mutes: [{ match: { types: ['Recon:*'] }, reason: 'scanners' }] });
    expect(findMute(recon, config, T0 + 365 * 24 * HOUR)?.id).toBe('config:0');
  });

  it('honours a config mute until its until and not after', () => {
    const config = mutesFromConfig({ mutes: [{ match: { types: ['Recon:*'] }, reason: 'x', until: '2024-05-01T13:00:00Z' }] });
    expect(findMute(recon, config, T0)?.id).toBe('config:0');
    expect(findMute(recon, config, T0 + HOUR)).toBeUndefined();
  });

  it('checks config mutes and store mutes alike, first match first', () => {
    const all = [
      ...mutesFromConfig({ mutes: [{ match: { accounts: ['999999999999'] }, reason: 'other account' }] }),
      ...mutesFromStore([storeRule({ id: 'from-slack', account: '111122223333' })]),
    ];
    expect(findMute(recon, all, T0)?.id).toBe('from-slack');
    expect(findMute(makeTestFinding({ accountId: '999999999999' }), all, T0)?.id).toBe('config:0');
  });

  it('mutes one finding id and not its siblings of the same type', () => {
    const one = mutesFromStore([storeRule({ findingId: 'f-42' })]);
    expect(findMute(makeTestFinding({ id: 'f-42' }), one, T0)?.id).toBe('m-1');
    expect(findMute(makeTestFinding({ id: 'f-43' }), one, T0)).toBeUndefined();
  });

  it('does not mute a finding that fails one of the rule\'s criteria', () => {
    const rule = mutesFromStore([storeRule({ type: 'Recon:*', account: '999999999999' })]);
    expect(findMute(recon, rule, T0)).toBeUndefined();
  });
});
