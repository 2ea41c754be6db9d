import { describe, expect, it } from 'vitest';
import { PENDING_GRACE_MS, planIpSet, type BlockOwnership, type IpSetPlanInput } from '../../src/respond/block-ownership.js';
import { makeBlock, T0 } from './helpers.js';

/** The pure part of the WAF reconcile: which addresses are ours to write and take out, and what to record. */

const row = (ip: string) => makeBlock({ ip, target: 'alb', direction: 'source', until: T0 + 3_600_000 });
const record = (cidr: string, state: BlockOwnership['state'], extra: Partial<BlockOwnership> = {}): BlockOwnership => ({ target: 'alb', cidr, state, at: T0, ...extra });
const plan = (input: Partial<IpSetPlanInput>) =>
  planIpSet({ target: 'alb', current: [], token: 'k2', inForce: [], records: [], maxAddresses: 10_000, now: T0 + 60_000, ...input });
const summary = (p: ReturnType<typeof plan>) => p.before.map((c) => `${c.cidr} ${c.before?.state ?? '-'}→${c.after?.state ?? '-'}`);

describe('planIpSet', () => {
  it('claims what it adds as pending at the token it read, and a foreign address it also blocks as found', () => {
    const p = plan({ current: ['198.51.100.0/24', '185.220.101.9/32'], inForce: [row('185.220.101.1'), row('185.220.101.9')] });
    expect(p).toMatchObject({ changed: true, added: ['185.220.101.1/32'], removed: [], held: 2, addresses: ['198.51.100.0/24', '185.220.101.9/32', '185.220.101.1/32'] });
    expect(summary(p)).toEqual(['185.220.101.1/32 -→pending', '185.220.101.9/32 -→found']);
    expect(p.before[0]?.after).toMatchObject({ token: 'k2' });
    expect(p.afterWrite('k3').map((c) => `${c.cidr} ${c.before?.state}→${c.after?.state} ${c.after?.token}`)).toEqual(['185.220.101.1/32 pending→added k3']);
  });

  it('takes out an added address whose block ended and forgets a found one, which stays', () => {
    const p = plan({ current: ['185.220.101.1/32', '185.220.101.9/32'], records: [record('185.220.101.1/32', 'added'), record('185.220.101.9/32', 'found')] });
    expect(p).toMatchObject({ removed: ['185.220.101.1/32'], addresses: ['185.220.101.9/32'] });
    expect(summary(p)).toEqual(['185.220.101.9/32 found→-']);
    expect(p.afterWrite('k3').map((c) => `${c.cidr} ${c.before?.state}→${c.after?.state ?? '-'}`)).toEqual(['185.220.101.1/32 added→-']);
  });

  it('forgets a pending claim whose write failed (the token moved on, the address is not there)', () => {
    const p = plan({ records: [record('185.220.101.1/32', 'pending', { token: 'k1' })] });
    expect(summary(p)).toEqual(['185.220.101.1/32 pending→-']);
    expect(p.changed).toBe(false);
  });

  it('claims again at the new token when a failed write’s address is still wanted', () => {
    const p = plan({ inForce: [row('185.220.101.1')], records: [record('185.220.101.1/32', 'pending', { token: 'k1' })] });
    expect(summary(p)).toEqual(['185.220.101.1/32 pending→pending']);
    expect(p.before[0]?.after).toMatchObject({ token: 'k2' });
  });

  it('leaves a written, not yet confirmed claim alone; once the grace is over it is read as found and never taken out', () => {
    const current = ['185.220.101.1/32'];
    const records = [record('185.220.101.1/32', 'pending', { token: 'k1' })];
    const recent = plan({ current, records });
    expect(recent).toMatchObject({ changed: false, removed: [] });
    expect(recent.before).toEqual([]);
    const late = plan({ current, records, inForce: [row('185.220.101.1')], now: T0 + PENDING_GRACE_MS });
    expect(summary(late)).toEqual(['185.220.101.1/32 pending→found']);
    expect(late).toMatchObject({ changed: false, held: 1 });
    const ended = plan({ current, records, now: T0 + PENDING_GRACE_MS });
    expect(summary(ended)).toEqual(['185.220.101.1/32 pending→-']);
    expect(ended.removed).toEqual([]);
  });

  it('writes for another reconciler’s claim at the same token without claiming it twice, and confirms it', () => {
    const claim = record('185.220.101.1/32', 'pending', { token: 'k2' });
    const p = plan({ inForce: [row('185.220.101.1')], records: [claim] });
    expect(p).toMatchObject({ changed: true, added: ['185.220.101.1/32'] });
    expect(p.before).toEqual([]);
    expect(p.afterWrite('k3')).toMatchObject([{ before: claim, after: { state: 'added', token: 'k3' } }]);
  });

  it('writes back one of ours that a hand edit took out while its block stands', () => {
    const p = plan({ inForce: [row('185.220.101.1')], records: [record('185.220.101.1/32', 'added')] });
    expect(p).toMatchObject({ changed: true, added: ['185.220.101.1/32'] });
    expect(summary(p)).toEqual(['185.220.101.1/32 added→pending']);
  });

  it('counts foreign and found addresses against the set size, and leaves the newest rows out at the cap', () => {
    const p = plan({ current: ['198.51.100.0/24', '185.220.101.9/32'], inForce: [row('185.220.101.9'), row('185.220.101.1'), row('185.220.101.2')], maxAddresses: 3 });
    expect(p).toMatchObject({ added: ['185.220.101.1/32'], held: 2, left: 0 });
    expect(p.over.map((r) => r.cidr)).toEqual(['185.220.101.2/32']);
  });
});
