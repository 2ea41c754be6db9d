import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeRuleGroupCommand, InvalidRequestException, InvalidTokenException, UpdateRuleGroupCommand, type NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { GetIPSetCommand, UpdateIPSetCommand, WAFInvalidParameterException, WAFLimitsExceededException, WAFOptimisticLockException, type WAFV2Client } from '@aws-sdk/client-wafv2';
import { startNetworkFirewallStandin, type NetworkFirewallStandin, type WireStatelessRule } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { networkFirewallClient, wafClient } from './helpers.js';

/** The stand-ins answer the real SDK clients the way the services document, faults included. */

let nfw: NetworkFirewallStandin;
let waf: Wafv2Standin;
let nf: NetworkFirewallClient;
let wf: WAFV2Client;
beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
  waf = await startWafv2Standin();
  nf = networkFirewallClient(nfw.endpoint);
  wf = wafClient(waf.endpoint);
});
afterAll(async () => {
  nf.destroy();
  wf.destroy();
  await nfw.close();
  await waf.close();
});

const drop = (priority: number, sources: string[] = []): WireStatelessRule => ({
  Priority: priority,
  RuleDefinition: { MatchAttributes: sources.length ? { Sources: sources.map((AddressDefinition) => ({ AddressDefinition })) } : {}, Actions: ['aws:drop'] },
});

describe('Network Firewall stand-in', () => {
  async function update(rules: WireStatelessRule[], capacity = 10) {
    const arn = nfw.createRuleGroup({ name: `s-${Math.random().toString(36).slice(2)}`, capacity, rules: [drop(1)] });
    const { UpdateToken } = await nf.send(new DescribeRuleGroupCommand({ RuleGroupArn: arn, Type: 'STATELESS' }));
    return nf.send(
      new UpdateRuleGroupCommand({ UpdateToken, RuleGroupArn: arn, Type: 'STATELESS', RuleGroup: { RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: rules as never } } } }),
    );
  }

  it.each([
    ['no rule at all', [], /at least one rule/],
    ['two rules with one priority', [drop(5), drop(5)], /priorities must be unique/],
    ['a priority out of range', [drop(70_000)], /1-65535/],
    ['more capacity than the group has', [drop(1, ['1.0.0.0/8', '2.0.0.0/8', '3.0.0.0/8'])], /exceeds the rule group capacity of 2/],
    ['an undefined custom action', [{ Priority: 1, RuleDefinition: { MatchAttributes: {}, Actions: ['aws:drop', 'Nope'] } }], /undefined custom action/],
    ['an address that is not a CIDR block', [drop(1, ['185.220.101.1'])], /not a CIDR block/],
  ] as Array<[string, WireStatelessRule[], RegExp]>)('refuses %s with InvalidRequestException', async (_, rules, message) => {
    const error = await update(rules, 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a stale UpdateToken with InvalidTokenException', async () => {
    const arn = nfw.createRuleGroup({ name: 'stale', capacity: 10, rules: [drop(1)] });
    const { UpdateToken } = await nf.send(new DescribeRuleGroupCommand({ RuleGroupArn: arn, Type: 'STATELESS' }));
    nfw.editRuleGroup(arn, () => {});
    const send = nf.send(new UpdateRuleGroupCommand({ UpdateToken, RuleGroupArn: arn, Type: 'STATELESS', RuleGroup: { RulesSource: { StatelessRulesAndCustomActions: { StatelessRules: [drop(2)] as never } } } }));
    await expect(send).rejects.toBeInstanceOf(InvalidTokenException);
    expect(nfw.ruleGroup(arn).rules.map((r) => r.Priority)).toEqual([1]);
  });
});

describe('WAF stand-in', () => {
  async function update(addresses: string[], version: 'IPV4' | 'IPV6' = 'IPV4') {
    const arn = waf.createIpSet({ name: `s-${Math.random().toString(36).slice(2)}`, version });
    const set = waf.ipSet(arn);
    const got = await wf.send(new GetIPSetCommand({ Name: set.name, Scope: 'REGIONAL', Id: set.id }));
    return wf.send(new UpdateIPSetCommand({ Name: set.name, Scope: 'REGIONAL', Id: set.id, Addresses: addresses, LockToken: got.LockToken }));
  }

  it.each([
    ['an address that is not a CIDR block', ['185.220.101.1'], '185.220.101.1'],
    ['/0', ['0.0.0.0/0'], '0.0.0.0/0'],
    ['an IPv6 address in an IPv4 set', ['2001:67c::1/128'], '2001:67c::1/128'],
  ])('refuses %s with WAFInvalidParameterException naming the field and parameter', async (_, addresses, parameter) => {
    const error = (await update(addresses).catch((e: unknown) => e)) as WAFInvalidParameterException;
    expect(error).toBeInstanceOf(WAFInvalidParameterException);
    expect(error).toMatchObject({ Field: 'IP_ADDRESS', Parameter: parameter });
  });

  it('refuses more than 10,000 addresses with WAFLimitsExceededException', async () => {
    const addresses = Array.from({ length: 10_001 }, (_, i) => `11.${i >> 16}.${(i >> 8) & 0xff}.${i & 0xff}/32`);
    await expect(update(addresses)).rejects.toBeInstanceOf(WAFLimitsExceededException);
  });

  it('refuses a stale LockToken with WAFOptimisticLockException', async () => {
    const arn = waf.createIpSet({ name: 'stale', version: 'IPV4' });
    const set = waf.ipSet(arn);
    const got = await wf.send(new GetIPSetCommand({ Name: set.name, Scope: 'REGIONAL', Id: set.id }));
    waf.editIpSet(arn, (l) => [...l, '185.220.101.1/32']);
    await expect(wf.send(new UpdateIPSetCommand({ Name: set.name, Scope: 'REGIONAL', Id: set.id, Addresses: [], LockToken: got.LockToken }))).rejects.toBeInstanceOf(
      WAFOptimisticLockException,
    );
    expect(waf.ipSet(arn).addresses).toEqual(['185.220.101.1/32']);
  });
});
