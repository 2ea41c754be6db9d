import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import { RespondTargetError } from '../../src/respond/errors.js';
import { customActionNames, metricDimensionValues, PLACEHOLDER_DESTINATION } from '../../src/respond/targets/rule-group-layout.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin, type WireStatelessRule } from '../support/network-firewall-standin.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../support/guardduty-standin.js';
import { HOUR, makeBlock, manyBlocks, networkFirewallClient, noSleep, T0 } from './helpers.js';

const FOREIGN_ALLOW_SSH: WireStatelessRule = {
  Priority: 10,
  RuleDefinition: {
    MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }], DestinationPorts: [{ FromPort: 22, ToPort: 22 } as never], Protocols: [6] },
    Actions: ['aws:pass'],
  },
};
const FOREIGN_FORWARD: WireStatelessRule = { Priority: 65_000, RuleDefinition: { MatchAttributes: {}, Actions: ['aws:forward_to_sfe', 'TeamMetric'] } };
const TEAM_ACTION = { ActionName: 'TeamMetric', ActionDefinition: { PublishMetricAction: { Dimensions: [{ Value: 'team' }] } } };

let nfw: NetworkFirewallStandin;
let client: NetworkFirewallClient;

beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
  client = networkFirewallClient(nfw.endpoint);
});
afterAll(async () => {
  client.destroy();
  await nfw.close();
});
beforeEach(() => {
  nfw.resetCalls();
  nfw.clearFaults();
  nfw.onRequest(undefined);
});

let groupSeq = 0;
function newGroup(options: { capacity?: number; rules?: WireStatelessRule[]; withTeamAction?: boolean; description?: string } = {}): string {
  groupSeq += 1;
  return nfw.createRuleGroup({
    name: `guardduty-blocks-${groupSeq}`,
    capacity: options.capacity ?? 1_000,
    rules: options.rules ?? [FOREIGN_ALLOW_SSH, FOREIGN_FORWARD],
    customActions: options.withTeamAction === false ? [] : [TEAM_ACTION],
    ...(options.description !== undefined ? { description: options.description } : {}),
  });
}

function target(ruleGroupArn: string, extra: { now?: () => number; maxConflictRetries?: number } = {}) {
  return createNetworkFirewallTarget({ name: 'edge', ruleGroupArn, priority: 30_000, client, sleep: noSleep, now: () => T0 + HOUR, ...extra });
}

const addressesAt = (rules: WireStatelessRule[], priority: number, side: 'Sources' | 'Destinations') =>
  (rules.find((r) => r.Priority === priority)?.RuleDefinition?.MatchAttributes?.[side] ?? []).map((a) => a.AddressDefinition);

describe('Network Firewall target', () => {
  it('drops every blocked address as source and destination, with a metric per rule, and leaves foreign rules as they were', async () => {
    const arn = newGroup();
    const before = nfw.ruleGroup(arn);
    const blocks = [makeBlock(), makeBlock({ ip: '2001:67c:2e8::1', direction: 'source' }), makeBlock({ ip: '45.9.148.3', direction: 'destination' })];

    const result = await target(arn).reconcile({ blocks });

    expect(result).toMatchObject({ changed: true, written: true, inForce: 3, refused: [] });
    expect(result.added).toEqual(['185.220.101.1/32', '2001:67c:2e8::1/128', '45.9.148.3/32']);
    const after = nfw.ruleGroup(arn);
    expect(addressesAt(after.rules, 30_000, 'Sources')).toEqual(['185.220.101.1/32', '2001:67c:2e8::1/128']);
    expect(addressesAt(after.rules, 30_050, 'Destinations')).toEqual(['185.220.101.1/32', '45.9.148.3/32']);
    const names = customActionNames(30_000);
    expect(after.rules.find((r) => r.Priority === 30_000)?.RuleDefinition?.Actions).toEqual(['aws:drop', names.source]);
    expect(after.rules.find((r) => r.Priority === 30_050)?.RuleDefinition?.Actions).toEqual(['aws:drop', names.destination]);
    expect(after.customActions).toContainEqual({
      ActionName: names.source,
      ActionDefinition: { PublishMetricAction: { Dimensions: [{ Value: metricDimensionValues('edge').source }] } },
    });
    // Foreign rules and the foreign custom action are byte for byte what they were.
    for (const foreign of before.rules) expect(after.rules).toContainEqual(foreign);
    expect(after.customActions).toContainEqual(TEAM_ACTION);
  });

  it('writes nothing when the group already holds our rows', async () => {
    const arn = newGroup();
    const edge = target(arn);
    await edge.reconcile({ blocks: [makeBlock()] });
    nfw.resetCalls();

    const again = await edge.reconcile({ blocks: [makeBlock()] });

    expect(again).toMatchObject({ changed: false, written: false, calls: { reads: 1, writes: 0, conflicts: 0 } });
    expect(nfw.countCalls()).toEqual({ DescribeRuleGroup: 1 });
  });

  it('keeps the 127.0.0.1 placeholder only when the group would otherwise be empty', async () => {
    const lonely = newGroup({ rules: [{ Priority: 30_000, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '185.220.101.1/32' }] }, Actions: ['aws:drop'] } }], withTeamAction: false });
    await target(lonely).reconcile({ blocks: [] });
    expect(nfw.ruleGroup(lonely).rules).toEqual([
      { Priority: 30_000, RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: PLACEHOLDER_DESTINATION }] }, Actions: ['aws:drop'] } },
    ]);

    const shared = newGroup();
    await target(shared).reconcile({ blocks: [makeBlock()] });
    await target(shared).reconcile({ blocks: [] });
    expect(nfw.ruleGroup(shared).rules.map((r) => r.Priority)).toEqual([10, 65_000]);
  });

  it('re-reads and retries when the group changed between its read and our write, keeping the other change', async () => {
    const arn = newGroup();
    let edited = false;
    nfw.onRequest((info) => {
      if (info.operation === 'UpdateRuleGroup' && !edited) {
        edited = true;
        nfw.editRuleGroup(arn, (g) => g.rules.push({ Priority: 20, RuleDefinition: { MatchAttributes: {}, Actions: ['aws:drop'] } }));
      }
    });

    const result = await target(arn).reconcile({ blocks: [makeBlock()] });

    expect(result.calls).toEqual({ reads: 2, writes: 2, conflicts: 1 });
    const rules = nfw.ruleGroup(arn).rules;
    expect(rules.map((r) => r.Priority)).toEqual([10, 20, 30_000, 30_050, 65_000]);
    expect(nfw.calls.filter((c) => c.errorType === 'InvalidTokenException')).toHaveLength(1);
  });

  it('gives up after a bounded number of token conflicts, with a retryable error', async () => {
    const arn = newGroup();
    nfw.onRequest((info) => {
      if (info.operation === 'UpdateRuleGroup') nfw.editRuleGroup(arn, () => {});
    });

    const error = await target(arn, { maxConflictRetries: 2 }).reconcile({ blocks: [makeBlock()] }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RespondTargetError);
    expect(error).toMatchObject({ failure: 'conflict', retryable: true, code: 'InvalidTokenException' });
    expect(nfw.countCalls()).toEqual({ DescribeRuleGroup: 3, UpdateRuleGroup: 3 });
  });

  it('at the group capacity writes what fits, oldest first, and reports the rest as cap instead of failing', async () => {
    // Foreign rules cost 1 (10/8 × port 22 × TCP) + 1 = 2; capacity 8 leaves 6 units: three blocks in both directions.
    const arn = newGroup({ capacity: 8 });
    const blocks = manyBlocks(4);

    const result = await target(arn).reconcile({ blocks });

    expect(result.written).toBe(true);
    expect(result.inForce).toBe(3);
    expect(result.refused.map((r) => [r.record.cidr, r.reason])).toEqual([['11.0.0.3/32', 'cap']]);
    expect(result.room).toEqual({ units: 0 });
    expect(nfw.consumedCapacity(arn)).toBe(8);
  });

  it('never calls UpdateRuleGroup in dry-run, and says what it would change', async () => {
    const arn = newGroup();

    const result = await target(arn).reconcile({ blocks: manyBlocks(3) }, { dryRun: true });

    expect(result).toMatchObject({ changed: true, written: false });
    expect(result.added).toHaveLength(3);
    expect(nfw.countCalls()).toEqual({ DescribeRuleGroup: 1 });
  });

  it('writes only rows in force: expired, removed and dry-run rows are taken out', async () => {
    const arn = newGroup();
    await target(arn).reconcile({ blocks: manyBlocks(3) });

    const rows = [
      makeBlock({ ip: '11.0.0.0', until: T0 + HOUR }), // expired at the reconcile's now
      makeBlock({ ip: '11.0.0.1', state: 'removed' }),
      makeBlock({ ip: '11.0.0.2', state: 'dry-run' }),
      makeBlock({ ip: '185.220.101.1' }),
      makeBlock({ ip: '185.220.101.2', target: 'other' }),
    ];
    const result = await target(arn).reconcile({ blocks: rows });

    expect(result.removed).toEqual(['11.0.0.0/32', '11.0.0.1/32', '11.0.0.2/32']);
    expect(result.added).toEqual(['185.220.101.1/32']);
    expect(addressesAt(nfw.ruleGroup(arn).rules, 30_000, 'Sources')).toEqual(['185.220.101.1/32']);
  });

  it('heals a hand edit inside our priority range on the next reconcile', async () => {
    const arn = newGroup();
    await target(arn).reconcile({ blocks: [makeBlock()] });
    nfw.editRuleGroup(arn, (g) => {
      g.rules = g.rules.filter((r) => r.Priority !== 30_050);
    });

    const result = await target(arn).reconcile({ blocks: [makeBlock()] });

    expect(result.written).toBe(true);
    expect(addressesAt(nfw.ruleGroup(arn).rules, 30_050, 'Destinations')).toEqual(['185.220.101.1/32']);
  });

  it('survives throttling through the SDK retries', async () => {
    const arn = newGroup();
    nfw.injectFault({ kind: 'throttling', operation: 'DescribeRuleGroup', times: 2 });

    const result = await target(arn).reconcile({ blocks: [makeBlock()] });

    expect(result.written).toBe(true);
    expect(nfw.countCalls({ status: 400 })).toEqual({ DescribeRuleGroup: 2 });
  });

  it('reports access denied as a permanent failure with what to do, without crashing', async () => {
    const arn = newGroup();
    nfw.injectFault({ kind: 'access-denied', operation: 'UpdateRuleGroup' });

    const error = (await target(arn).reconcile({ blocks: [makeBlock()] }).catch((e: unknown) => e)) as RespondTargetError;

    expect(error).toBeInstanceOf(RespondTargetError);
    expect(error).toMatchObject({ failure: 'access-denied', retryable: false, target: 'edge', code: 'AccessDeniedException' });
    expect(error.message).toContain('network-firewall:DescribeRuleGroup/UpdateRuleGroup');
  });

  it('refuses a rule group that is not stateless, and an unknown one', async () => {
    const stateful = nfw.createRuleGroup({ name: 'stateful-one', capacity: 100, rules: [], type: 'STATEFUL' });
    await expect(target(stateful).reconcile({ blocks: [] })).rejects.toMatchObject({ failure: 'invalid', code: 'InvalidRequestException' });
    await expect(target('arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/missing').reconcile({ blocks: [] })).rejects.toMatchObject({
      failure: 'not-found',
    });
  });

  it('keeps the group description, which UpdateRuleGroup would otherwise clear', async () => {
    const arn = newGroup({ description: 'Blocks from GuardDuty findings' });
    await target(arn).reconcile({ blocks: [makeBlock()] });
    expect(nfw.ruleGroup(arn).description).toBe('Blocks from GuardDuty findings');
  });

  it('loads the rows after reading the group, on every attempt', async () => {
    const arn = newGroup();
    const order: string[] = [];
    nfw.onRequest((info) => void order.push(info.operation));
    await target(arn).reconcile(() => {
      order.push('load');
      return { blocks: [makeBlock()] };
    });
    expect(order).toEqual(['DescribeRuleGroup', 'load', 'UpdateRuleGroup']);
  });

  it('honours AWS_ENDPOINT_URL_NETWORK_FIREWALL when it builds its own client', async () => {
    const arn = newGroup();
    const edge = createNetworkFirewallTarget({
      name: 'edge',
      ruleGroupArn: arn,
      priority: 30_000,
      env: { AWS_ENDPOINT_URL_NETWORK_FIREWALL: nfw.endpoint },
      credentials: DUMMY_CREDENTIALS,
      retryStrategy: fastAdaptiveRetry(2),
      now: () => T0,
    });
    expect((await edge.reconcile({ blocks: [makeBlock()] })).written).toBe(true);
    expect(nfw.calls.every((c) => c.region === 'eu-west-1')).toBe(true);
  });
});
