import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { createWafIpSetTarget, parseIpSetArn } from '../../src/respond/targets/waf-ip-set.js';
import { RespondTargetError } from '../../src/respond/errors.js';
import { applyOwnershipChange, type BlockOwnership, type OwnershipChange } from '../../src/respond/block-ownership.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../support/guardduty-standin.js';
import { HOUR, makeBlock, manyBlocks, noSleep, T0, wafClient } from './helpers.js';

let waf: Wafv2Standin;
let client: WAFV2Client;

beforeAll(async () => {
  waf = await startWafv2Standin();
  client = wafClient(waf.endpoint);
});
afterAll(async () => {
  client.destroy();
  await waf.close();
});
beforeEach(() => {
  waf.resetCalls();
  waf.clearFaults();
  waf.onRequest(undefined);
});

let seq = 0;
function sets(options: { v4?: string[]; v6?: string[] | false; description?: string } = {}) {
  seq += 1;
  const ipv4SetArn = waf.createIpSet({ name: `guardduty-v4-${seq}`, version: 'IPV4', addresses: options.v4 ?? [], ...(options.description ? { description: options.description } : {}) });
  const ipv6SetArn = options.v6 === false ? undefined : waf.createIpSet({ name: `guardduty-v6-${seq}`, version: 'IPV6', addresses: options.v6 ?? [] });
  return { ipv4SetArn, ...(ipv6SetArn ? { ipv6SetArn } : {}) };
}

function target(arns: { ipv4SetArn: string; ipv6SetArn?: string }, extra: { maxAddresses?: number; maxConflictRetries?: number } = {}) {
  return createWafIpSetTarget({ name: 'public-alb', ...arns, client, sleep: noSleep, now: () => T0 + HOUR, ...extra });
}

const row = (ip: string, extra: Parameters<typeof makeBlock>[0] = {}) => makeBlock({ ip, target: 'public-alb', direction: 'source', ...extra });

describe('WAF IP set target', () => {
  it('puts IPv4 and IPv6 rows in their own sets and leaves addresses we did not add', async () => {
    const arns = sets({ v4: ['198.51.100.0/24', '192.0.2.7/32'], v6: ['2001:DB8:1::/48'] });

    const result = await target(arns).reconcile({ blocks: [row('185.220.101.1'), row('2001:67c:2e8::1')] });

    expect(result).toMatchObject({ written: true, inForce: 2, refused: [] });
    expect(result.added).toEqual(['185.220.101.1/32', '2001:67c:2e8::1/128']);
    expect(waf.ipSet(arns.ipv4SetArn).addresses).toEqual(['198.51.100.0/24', '192.0.2.7/32', '185.220.101.1/32']);
    // The foreign entry keeps its exact text (upper case), ours is canonical.
    expect(waf.ipSet(arns.ipv6SetArn ?? '').addresses).toEqual(['2001:DB8:1::/48', '2001:67c:2e8::1/128']);
  });

  it('takes out what it added once its block ends, and never what was there before', async () => {
    const arns = sets({ v4: ['198.51.100.0/24', '185.220.101.9/32'], v6: false });
    const alb = target(arns);
    // .9 was in the set before us: found there, not ours.
    await alb.reconcile({ blocks: [row('185.220.101.1'), row('185.220.101.2'), row('185.220.101.9')] });
    expect(waf.ipSet(arns.ipv4SetArn).addresses).toEqual(['198.51.100.0/24', '185.220.101.9/32', '185.220.101.1/32', '185.220.101.2/32']);

    // .1 expired, .2 was removed by hand, .9's block ended too.
    const result = await alb.reconcile({
      blocks: [row('185.220.101.1', { until: T0 }), row('185.220.101.2', { state: 'removed' }), row('185.220.101.9', { state: 'removed' })],
    });

    expect(result.removed).toEqual(['185.220.101.1/32', '185.220.101.2/32']);
    expect(waf.ipSet(arns.ipv4SetArn).addresses).toEqual(['198.51.100.0/24', '185.220.101.9/32']);
  });

  it('records what it added before writing it, and confirms it with the new token after', async () => {
    const arns = sets({ v4: ['185.220.101.9/32'], v6: false });
    const records = new Map<string, BlockOwnership>();
    const seen: string[][] = [];
    const ownership = () => ({
      records: [...records.values()],
      change: async (changes: readonly OwnershipChange[]) => {
        seen.push(changes.map((c) => `${c.cidr} ${c.before?.state ?? '-'}→${c.after?.state ?? '-'}`));
        return changes.map((c) => applyOwnershipChange(records, c));
      },
    });
    const alb = target(arns);
    waf.onRequest((info) => {
      // When the write arrives, the claim is already stored.
      if (info.operation === 'UpdateIPSet') expect([...records.values()].map((r) => `${r.cidr} ${r.state}`)).toContain('185.220.101.1/32 pending');
    });
    await alb.reconcile(() => ({ blocks: [row('185.220.101.1'), row('185.220.101.9')], ownership: ownership() }));
    expect(seen).toEqual([['185.220.101.1/32 -→pending', '185.220.101.9/32 -→found'], ['185.220.101.1/32 pending→added']]);
    expect([...records.values()].find((r) => r.cidr === '185.220.101.1/32')).toMatchObject({ state: 'added', token: waf.ipSet(arns.ipv4SetArn).lockToken });
  });

  it('writes nothing when the sets already match, and never calls UpdateIPSet in dry-run', async () => {
    const arns = sets();
    const alb = target(arns);
    await alb.reconcile({ blocks: [row('185.220.101.1')] });
    waf.resetCalls();

    expect(await alb.reconcile({ blocks: [row('185.220.101.1')] })).toMatchObject({ changed: false, written: false });
    const dry = await alb.reconcile({ blocks: [row('185.220.101.1'), row('185.220.101.2')] }, { dryRun: true });
    expect(dry).toMatchObject({ changed: true, written: false, added: ['185.220.101.2/32'] });
    expect(waf.countCalls()).toEqual({ GetIPSet: 4 });
  });

  it('retries a stale LockToken by reading again, keeping the other writer’s address', async () => {
    const arns = sets({ v6: false });
    let edited = false;
    waf.onRequest((info) => {
      if (info.operation === 'UpdateIPSet' && !edited) {
        edited = true;
        waf.editIpSet(arns.ipv4SetArn, (list) => [...list, '203.0.113.0/24']);
      }
    });

    const result = await target(arns).reconcile({ blocks: [row('185.220.101.1')] });

    expect(result.calls).toEqual({ reads: 2, writes: 2, conflicts: 1 });
    expect(waf.ipSet(arns.ipv4SetArn).addresses.sort()).toEqual(['185.220.101.1/32', '203.0.113.0/24']);
    expect(waf.calls.filter((c) => c.errorType === 'WAFOptimisticLockException')).toHaveLength(1);
  });

  it('gives up after a bounded number of lock conflicts', async () => {
    const arns = sets({ v6: false });
    waf.onRequest((info) => {
      if (info.operation === 'UpdateIPSet') waf.editIpSet(arns.ipv4SetArn, (l) => l);
    });
    await expect(target(arns, { maxConflictRetries: 1 }).reconcile({ blocks: [row('185.220.101.1')] })).rejects.toMatchObject({
      failure: 'conflict',
      code: 'WAFOptimisticLockException',
    });
    expect(waf.countCalls()).toEqual({ GetIPSet: 2, UpdateIPSet: 2 });
  });

  it('fills a set up to its size, counting foreign addresses, and reports the rest as cap', async () => {
    const arns = sets({ v4: ['198.51.100.0/24'], v6: false });

    const result = await target(arns, { maxAddresses: 3 }).reconcile({ blocks: manyBlocks(4, { target: 'public-alb', direction: 'source' }) });

    expect(result.inForce).toBe(2);
    expect(result.refused.map((r) => [r.record.cidr, r.reason])).toEqual([
      ['11.0.0.2/32', 'cap'],
      ['11.0.0.3/32', 'cap'],
    ]);
    expect(result.room).toEqual({ v4: 0, v6: 0 });
  });

  it('holds 10,000 addresses per set and no more, as WAF does', async () => {
    const arns = sets({ v6: false });
    const result = await target(arns).reconcile({ blocks: manyBlocks(10_001, { target: 'public-alb', direction: 'source' }) });
    expect(result.inForce).toBe(10_000);
    expect(result.refused).toHaveLength(1);
    expect(waf.ipSet(arns.ipv4SetArn).addresses).toHaveLength(10_000);
  });

  it('reports IPv6 rows as unsupported when there is no IPv6 set', async () => {
    const arns = sets({ v6: false });
    const result = await target(arns).reconcile({ blocks: [row('185.220.101.1'), row('2001:67c:2e8::1')] });
    expect(result.refused.map((r) => [r.record.cidr, r.reason])).toEqual([['2001:67c:2e8::1/128', 'unsupported']]);
    expect(result.room.v6).toBe(0);
  });

  it('keeps the IP set description', async () => {
    const arns = sets({ v6: false, description: 'GuardDuty blocks' });
    await target(arns).reconcile({ blocks: [row('185.220.101.1')] });
    expect(waf.ipSet(arns.ipv4SetArn).description).toBe('GuardDuty blocks');
  });

  it('survives throttling through the SDK retries and reports a missing set as not-found', async () => {
    const arns = sets({ v6: false });
    waf.injectFault({ kind: 'throttling', operation: 'UpdateIPSet', times: 2 });
    expect((await target(arns).reconcile({ blocks: [row('185.220.101.1')] })).written).toBe(true);

    const missing = { ipv4SetArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/nope/0b0c0d0e-0000-4000-8000-000000000000' };
    const error = await target(missing).reconcile({ blocks: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RespondTargetError);
    expect(error).toMatchObject({ failure: 'not-found', code: 'WAFNonexistentItemException', retryable: false });
  });

  it('refuses a set of the wrong IP version', async () => {
    const arns = sets();
    const swapped = { ipv4SetArn: arns.ipv6SetArn ?? '' };
    await expect(target(swapped).reconcile({ blocks: [] })).rejects.toMatchObject({ failure: 'wrong-kind' });
  });

  it('reads name, id and scope from the ARN (global sets are CLOUDFRONT, in us-east-1)', () => {
    expect(parseIpSetArn('arn:aws:wafv2:us-east-1:123456789012:global/ipset/edge-v4/1a2b3c4d-0000-4000-8000-000000000000', 4)).toMatchObject({
      name: 'edge-v4',
      id: '1a2b3c4d-0000-4000-8000-000000000000',
      scope: 'CLOUDFRONT',
      region: 'us-east-1',
    });
  });

  it('honours AWS_ENDPOINT_URL_WAFV2 when it builds its own client', async () => {
    const arns = sets({ v6: false });
    const alb = createWafIpSetTarget({
      name: 'public-alb',
      ...arns,
      env: { AWS_ENDPOINT_URL_WAFV2: waf.endpoint },
      credentials: DUMMY_CREDENTIALS,
      retryStrategy: fastAdaptiveRetry(2),
      now: () => T0,
    });
    expect((await alb.reconcile({ blocks: [row('185.220.101.1')] })).written).toBe(true);
  });
});
