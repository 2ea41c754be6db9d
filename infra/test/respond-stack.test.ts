import { describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { toAppConfig } from '../lib/config.js';
import { synth, testConfig } from './support/synth.js';

/** `respond:` in the stack: the rule group it may create, the least privilege it grants, the alarm, GDN_CONFIG. */

const EXISTING_GROUP = 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/team-blocks';
const V4 = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v4/1a2b3c4d-0000-4000-8000-000000000001';
const V6 = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v6/1a2b3c4d-0000-4000-8000-000000000002';

function respondConfig(targets: unknown[], extra: Record<string, unknown> = {}) {
  return testConfig({
    respond: {
      mode: 'enforce',
      maxActive: 800,
      targets,
      rules: [{ name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: (targets as Array<{ name: string }>).map((t) => t.name) }],
      ...extra,
    },
  } as never);
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = (t: Template, type: string) => Object.values(t.findResources(type) as Resources);

function functionStatements(t: Template): Array<{ Sid?: string; Action: string | string[]; Resource: unknown }> {
  return resources(t, 'AWS::IAM::Policy')
    .filter((p) => JSON.stringify(p.Properties.Roles).includes('FunctionRole'))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Sid?: string; Action: string | string[]; Resource: unknown }> }).Statement);
}

describe('respond in the notifier stack', () => {
  it('creates the stateless rule group sized from maxActive, with the placeholder rule in our priority range', () => {
    const { home } = synth(respondConfig([{ name: 'edge', type: 'network-firewall', create: true, priority: 30000 }]));
    const [group] = resources(home, 'AWS::NetworkFirewall::RuleGroup');
    expect(group?.Properties).toMatchObject({
      Type: 'STATELESS',
      // 800 blocks × 2 directions (the rule blocks both ways, the default).
      Capacity: 1_600,
      RuleGroupName: 'GuardDutyNotifier-edge',
      RuleGroup: {
        RulesSource: {
          StatelessRulesAndCustomActions: {
            StatelessRules: [{ Priority: 30000, RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: '127.0.0.1/32' }] }, Actions: ['aws:drop'] } }],
          },
        },
      },
    });
    const retained = Object.values(home.findResources('AWS::NetworkFirewall::RuleGroup') as Record<string, { DeletionPolicy?: string }>)[0];
    expect(retained?.DeletionPolicy).toBe('Retain');
    // Never a firewall policy: attaching the group is the user's step.
    expect(resources(home, 'AWS::NetworkFirewall::FirewallPolicy')).toEqual([]);
    expect(resources(home, 'AWS::NetworkFirewall::Firewall')).toEqual([]);
  });

  it('hands the created group to the function by its ARN in GDN_CONFIG, and the rest of respond unchanged', () => {
    const { home } = synth(respondConfig([{ name: 'edge', type: 'network-firewall', create: { name: 'guardduty-blocks' }, priority: 30000 }]));
    const fn = resources(home, 'AWS::Lambda::Function').find((f) => JSON.stringify(f.Properties).includes('GDN_CONFIG'));
    const gdnConfig = JSON.stringify((fn?.Properties.Environment as { Variables: { GDN_CONFIG: unknown } }).Variables.GDN_CONFIG);
    expect(gdnConfig).toContain('RuleGroupArn'); // Fn::GetAtt of the created group, joined into the JSON
    expect(gdnConfig).toContain('\\"mode\\":\\"enforce\\"');
    expect(gdnConfig).not.toContain('create');
  });

  it('grants only DescribeRuleGroup/UpdateRuleGroup on the rule groups and GetIPSet/UpdateIPSet on the IP sets', () => {
    const { home } = synth(
      respondConfig([
        { name: 'edge', type: 'network-firewall', ruleGroupArn: EXISTING_GROUP, priority: 30000 },
        { name: 'made', type: 'network-firewall', create: true, priority: 20000 },
        { name: 'alb', type: 'waf-ip-set', ipv4SetArn: V4, ipv6SetArn: V6 },
      ]),
    );
    const statements = functionStatements(home);
    const groups = statements.find((s) => s.Sid === 'RespondRuleGroups');
    expect(groups?.Action).toEqual(['network-firewall:DescribeRuleGroup', 'network-firewall:UpdateRuleGroup']);
    expect(JSON.stringify(groups?.Resource)).toContain(EXISTING_GROUP);
    expect(JSON.stringify(groups?.Resource)).toContain('RuleGroupArn');
    const sets = statements.find((s) => s.Sid === 'RespondIpSets');
    expect(sets).toMatchObject({ Action: ['wafv2:GetIPSet', 'wafv2:UpdateIPSet'], Resource: [V4, V6] });
    const respondActions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => /^(network-firewall|wafv2):/.test(a));
    expect(respondActions.sort()).toEqual(['network-firewall:DescribeRuleGroup', 'network-firewall:UpdateRuleGroup', 'wafv2:GetIPSet', 'wafv2:UpdateIPSet']);
  });

  it('alarms on failed writes, on the metric the function emits', () => {
    const { home } = synth(respondConfig([{ name: 'alb', type: 'waf-ip-set', ipv4SetArn: V4 }]));
    const alarm = resources(home, 'AWS::CloudWatch::Alarm').find((a) => a.Properties.MetricName === 'BlockWriteFailures');
    expect(alarm?.Properties).toMatchObject({ Namespace: 'GuardDutyNotifier', Statistic: 'Sum', Threshold: 1, Dimensions: [{ Name: 'service', Value: 'guardduty-notifier' }] });
  });

  it('adds nothing for respond when the config has none', () => {
    const { home } = synth(testConfig());
    expect(resources(home, 'AWS::NetworkFirewall::RuleGroup')).toEqual([]);
    expect(functionStatements(home).some((s) => /Respond/.test(s.Sid ?? ''))).toBe(false);
    expect(resources(home, 'AWS::CloudWatch::Alarm').some((a) => a.Properties.MetricName === 'BlockWriteFailures')).toBe(false);
  });

  it('refuses create with ruleGroupArn, neither, or more capacity than a rule group may have, each with its path', () => {
    const attempt = (targets: unknown[], extra?: Record<string, unknown>) => {
      try {
        respondConfig(targets, extra);
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
        throw error;
      }
    };
    expect(attempt([{ name: 'edge', type: 'network-firewall', create: true, ruleGroupArn: EXISTING_GROUP, priority: 30000 }])).toEqual([
      'respond.targets[0]: give ruleGroupArn (a group you have) or create (the stack makes one), not both',
    ]);
    expect(attempt([{ name: 'edge', type: 'network-firewall', priority: 30000 }])[0]).toMatch(/^respond\.targets\[0\]\.ruleGroupArn: missing/);
    expect(attempt([{ name: 'edge', type: 'network-firewall', create: true, priority: 30000 }], { maxActive: 20000 })[0]).toMatch(/^respond\.maxActive: 20000 blocks in both directions need 40000/);
    // The notifier's own checks run too (here: an unknown target in a rule).
    expect(
      attempt([{ name: 'edge', type: 'network-firewall', create: true, priority: 30000 }], {
        rules: [{ name: 'r', for: '1h', targets: ['nowhere'] }],
      }).join('\n'),
    ).toContain('unknown target "nowhere"');
  });

  it('gives the function a config the notifier accepts', () => {
    const config = respondConfig([{ name: 'edge', type: 'network-firewall', create: true, priority: 30000 }]);
    const app = parseConfig(toAppConfig(config), 'GDN_CONFIG');
    expect(app.respond?.targets).toEqual([
      { name: 'edge', type: 'network-firewall', priority: 30000, ruleGroupArn: 'arn:aws:network-firewall:eu-west-1:000000000000:stateless-rulegroup/GuardDutyNotifier-edge' },
    ]);
    expect(app.respond?.maxActive).toBe(800);
  });
});
