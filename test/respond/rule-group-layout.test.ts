import { describe, expect, it } from 'vitest';
import type { StatelessRule } from '@aws-sdk/client-network-firewall';
import { ADDRESSES_PER_RULE, layoutRuleGroup, statelessRuleCost } from '../../src/respond/targets/rule-group-layout.js';
import { makeBlock, manyBlocks } from './helpers.js';

const foreign: StatelessRule = { Priority: 1, RuleDefinition: { MatchAttributes: {}, Actions: ['aws:forward_to_sfe'] } };

describe('rule group layout', () => {
  it.each<[string, StatelessRule, number]>([
    ['no criteria', { Priority: 1, RuleDefinition: { MatchAttributes: {}, Actions: ['aws:drop'] } }, 1],
    [
      '3 sources × 2 protocols',
      {
        Priority: 1,
        RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '1.0.0.0/8' }, { AddressDefinition: '2.0.0.0/8' }, { AddressDefinition: '3.0.0.0/8' }], Protocols: [6, 17] }, Actions: ['aws:drop'] },
      },
      6,
    ],
    [
      '2 sources × 2 destinations × 2 destination ports',
      {
        Priority: 1,
        RuleDefinition: {
          MatchAttributes: {
            Sources: [{ AddressDefinition: '1.0.0.0/8' }, { AddressDefinition: '2.0.0.0/8' }],
            Destinations: [{ AddressDefinition: '3.0.0.0/8' }, { AddressDefinition: '4.0.0.0/8' }],
            DestinationPorts: [{ FromPort: 22, ToPort: 22 }, { FromPort: 443, ToPort: 443 }],
          },
          Actions: ['aws:drop'],
        },
      },
      8,
    ],
  ])('costs a rule with %s as %i capacity units', (_, rule, cost) => {
    expect(statelessRuleCost(rule)).toBe(cost);
  });

  it('spreads many addresses over rules of at most 1,000, sources from priority, destinations from priority + 50', () => {
    const layout = layoutRuleGroup({ current: { StatelessRules: [foreign] }, capacity: 30_000, priority: 30_000, target: 'edge', blocks: manyBlocks(2_500) });
    const priorities = (layout.next.StatelessRules ?? []).map((r) => r.Priority);
    expect(priorities).toEqual([1, 30_000, 30_001, 30_002, 30_050, 30_051, 30_052]);
    const sizes = (layout.next.StatelessRules ?? []).slice(1).map((r) => (r.RuleDefinition?.MatchAttributes?.Sources ?? r.RuleDefinition?.MatchAttributes?.Destinations ?? []).length);
    expect(sizes).toEqual([ADDRESSES_PER_RULE, ADDRESSES_PER_RULE, 500, ADDRESSES_PER_RULE, ADDRESSES_PER_RULE, 500]);
    expect(layout.capacity).toEqual({ total: 30_000, foreign: 1, ours: 5_000, left: 24_999 });
  });

  it('sees no difference in what the service prints differently (IPv6 case, empty lists, address order)', () => {
    const blocks = [makeBlock({ ip: '2001:67c:2e8::1', direction: 'source' }), makeBlock({ ip: '185.220.101.1', direction: 'source' })];
    const first = layoutRuleGroup({ current: { StatelessRules: [foreign] }, capacity: 100, priority: 30_000, target: 'edge', blocks });
    const echoed = structuredClone(first.next);
    const ours = echoed.StatelessRules?.find((r) => r.Priority === 30_000);
    const m = ours?.RuleDefinition?.MatchAttributes;
    if (m) {
      m.Sources = [{ AddressDefinition: '2001:67C:02E8:0:0:0:0:1/128' }, { AddressDefinition: '185.220.101.1/32' }];
      m.Destinations = [];
      m.Protocols = [];
    }
    expect(layoutRuleGroup({ current: echoed, capacity: 100, priority: 30_000, target: 'edge', blocks }).changed).toBe(false);
  });

  it('puts a placeholder only in an otherwise empty group, and keeps foreign custom actions', () => {
    const team = { ActionName: 'Team', ActionDefinition: { PublishMetricAction: { Dimensions: [{ Value: 'team' }] } } };
    const empty = layoutRuleGroup({ current: { StatelessRules: [], CustomActions: [team] }, capacity: 10, priority: 200, target: 'edge', blocks: [] });
    expect(empty.next.StatelessRules).toHaveLength(1);
    expect(empty.next.CustomActions).toEqual([team]);
    expect(empty.capacity.ours).toBe(1);
    const withForeign = layoutRuleGroup({ current: { StatelessRules: [foreign], CustomActions: [team] }, capacity: 10, priority: 200, target: 'edge', blocks: [] });
    expect(withForeign.next.StatelessRules).toEqual([foreign]);
  });

  it('leaves out the newest rows when capacity runs short, and fits a one-direction row in the last unit', () => {
    const blocks = [makeBlock({ ip: '11.0.0.1', since: 1 }), makeBlock({ ip: '11.0.0.2', since: 2 }), makeBlock({ ip: '11.0.0.3', since: 3, direction: 'destination' })];
    const layout = layoutRuleGroup({ current: { StatelessRules: [foreign] }, capacity: 4, priority: 30_000, target: 'edge', blocks });
    expect(layout.written.map((r) => r.ip)).toEqual(['11.0.0.1', '11.0.0.3']);
    expect(layout.overCapacity.map((r) => r.ip)).toEqual(['11.0.0.2']);
    expect(layout.capacity.left).toBe(0);
  });
});
