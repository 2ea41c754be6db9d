import { describe, expect, it } from 'vitest';
import { addMute, checkMuteRequest, describeMuteScope, listMutes, removeMute } from '../../src/actions/mutes.js';
import { MuteNotFoundError, MuteRuleError } from '../../src/actions/errors.js';
import { NotifierError } from '../../src/core/errors.js';
import { createMemoryStore } from '../support/memory-store.js';

const T0 = Date.parse('2025-01-15T12:00:00Z');
const HOUR = 3_600_000;

describe('mute actions (the body of `mute add|list|remove` and of a Slack button)', () => {
  it('stores a rule that expires after the duration, with who added it and a minted id', async () => {
    const store = createMemoryStore();
    const rule = await addMute(store, { type: 'Recon:*', forMs: 12 * HOUR, reason: 'scanner' }, { now: T0, createdBy: 'alice' });
    expect(rule).toMatchObject({ type: 'Recon:*', reason: 'scanner', createdBy: 'alice', createdAt: T0, expiresAt: T0 + 12 * HOUR });
    expect(rule.id).toMatch(/^m-[0-9a-f]{8}$/);
    expect(await listMutes(store, T0)).toEqual([JSON.parse(JSON.stringify(rule))]);
    expect(await listMutes(store, T0 + 12 * HOUR)).toEqual([]);
  });

  it('uses the id the caller mints', async () => {
    const store = createMemoryStore();
    const rule = await addMute(store, { findingId: 'abc', forMs: HOUR, reason: 'known' }, { now: T0, newId: () => 'm-fixed' });
    expect(rule.id).toBe('m-fixed');
  });

  it.each([
    ['no condition at all', {}, 'mute_unbounded'],
    ['an account that is not 12 digits', { account: '12345' }, 'mute_invalid_account'],
  ])('refuses %s with a typed error and stores nothing', async (_name, request, code) => {
    const store = createMemoryStore();
    const attempt = addMute(store, { ...request, forMs: HOUR, reason: 'x' }, { now: T0 });
    await expect(attempt).rejects.toBeInstanceOf(MuteRuleError);
    await expect(attempt).rejects.toBeInstanceOf(NotifierError);
    await expect(attempt).rejects.toMatchObject({ code });
    expect(() => checkMuteRequest(request)).toThrow(MuteRuleError);
    expect(await store.listMutes(T0)).toEqual([]);
  });

  it('removes a rule by id, and says so when there is none', async () => {
    const store = createMemoryStore();
    await addMute(store, { account: '123456789012', forMs: HOUR, reason: 'sandbox' }, { now: T0, newId: () => 'm-1' });
    await removeMute(store, 'm-1');
    await expect(removeMute(store, 'm-1')).rejects.toBeInstanceOf(MuteNotFoundError);
    await expect(removeMute(store, 'config:0')).rejects.toMatchObject({ code: 'mute_not_found', muteId: 'config:0' });
  });

  it('describes what a rule matches', () => {
    expect(describeMuteScope({ id: 'm', type: 'Recon:*', account: '123456789012', reason: 'r', createdAt: 0, expiresAt: 1 })).toBe(
      'type Recon:*, account 123456789012',
    );
    expect(describeMuteScope({ id: 'm', resourceType: 'Instance', findingId: 'f1', reason: 'r', createdAt: 0, expiresAt: 1 })).toBe(
      'resource Instance, finding f1',
    );
  });
});
