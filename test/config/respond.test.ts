import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

const EDGE = 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/guardduty-blocks';
const V4 = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v4/a1b2c3d4-5678-90ab-cdef-000000000001';
const V6 = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/guardduty-v6/a1b2c3d4-5678-90ab-cdef-000000000002';

const ISSUE_EXAMPLE = `
destinations:
  - { name: sec, type: stdout }
respond:
  mode: dry-run
  allow: [203.0.113.0/24, "2001:db8:1234::/48"]
  maxActive: 500
  maxNewPerHour: 50
  targets:
    - name: edge
      type: network-firewall
      ruleGroupArn: ${EDGE}
      priority: 30000
    - name: public-alb
      type: waf-ip-set
      ipv4SetArn: ${V4}
      ipv6SetArn: ${V6}
  rules:
    - name: attackers
      match: { minSeverity: 7, types: ["UnauthorizedAccess:EC2/*", "Recon:EC2/PortProbe*", "Backdoor:*", "CryptoCurrency:*"] }
      for: 12h
      direction: both
      targets: [edge]
`;

function problemsOf(respond: string): string[] {
  try {
    parseConfigText(`destinations: [{ name: sec, type: stdout }]\nrespond:\n${respond}`, 'notifier.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const targets = `  targets:
    - { name: edge, type: network-firewall, ruleGroupArn: ${EDGE}, priority: 30000 }
    - { name: public-alb, type: waf-ip-set, ipv4SetArn: ${V4} }
`;

describe('respond config', () => {
  it('accepts the documented example and fills in the defaults', () => {
    const { respond } = parseConfigText(ISSUE_EXAMPLE, 'notifier.yaml');
    expect(respond).toMatchObject({ mode: 'dry-run', maxActive: 500, maxNewPerHour: 50, syncInterval: 300_000 });
    expect(respond?.allow).toEqual(['203.0.113.0/24', '2001:db8:1234::/48']);
    expect(respond?.rules[0]).toMatchObject({ name: 'attackers', for: 12 * 3_600_000, maxFor: 7 * 86_400_000, direction: 'both', targets: ['edge'] });
    expect(respond?.targets[1]).toMatchObject({ type: 'waf-ip-set', ipv6SetArn: V6 });
  });

  it('is off when absent, and defaults mode to dry-run, direction to both', () => {
    expect(parseConfigText('destinations: [{ name: sec, type: stdout }]', 'x').respond).toBeUndefined();
    const { respond } = parseConfigText(
      `destinations: [{ name: sec, type: stdout }]\nrespond:\n${targets}  rules: [{ name: r, for: 90s, targets: [edge] }]\n`,
      'x',
    );
    expect(respond).toMatchObject({ mode: 'dry-run', maxActive: 500, maxNewPerHour: 50, allow: [] });
    expect(respond?.rules[0]).toMatchObject({ for: 90_000, direction: 'both', match: {} });
  });

  it.each([
    [
      'an invalid rule group ARN',
      `  targets: [{ name: edge, type: network-firewall, ruleGroupArn: "arn:aws:network-firewall:eu-west-1:123:stateful-rulegroup/x", priority: 30000 }]\n`,
      'notifier.yaml: respond.targets[0].ruleGroupArn: expected a stateless rule group ARN: arn:aws:network-firewall:REGION:ACCOUNT:stateless-rulegroup/NAME',
    ],
    [
      'an invalid IP set ARN',
      `  targets: [{ name: alb, type: waf-ip-set, ipv4SetArn: "arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/x/…" }]\n`,
      'notifier.yaml: respond.targets[0].ipv4SetArn: expected a WAF IP set ARN: arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID',
    ],
    ['a CIDR with host bits', `  allow: [203.0.113.0/24, 10.0.0.1/8]\n${targets}`, 'notifier.yaml: respond.allow[1]: "10.0.0.1/8" has host bits set; did you mean 10.0.0.0/8?'],
    [
      'a CIDR that is not one',
      `  allow: [nope]\n${targets}`,
      'notifier.yaml: respond.allow[0]: expected a CIDR block like 203.0.113.0/24 or 2001:db8::/32, got "nope"',
    ],
    [
      'an invalid duration',
      `${targets}  rules: [{ name: r, for: soon, targets: [edge] }]\n`,
      'notifier.yaml: respond.rules[0].for: expected a duration like 90s, 10m, 12h or 7d, got "soon"',
    ],
    [
      'an unknown target name',
      `${targets}  rules: [{ name: r, for: 1h, targets: [edge, edgee] }]\n`,
      'notifier.yaml: respond.rules[0].targets[1]: unknown target "edgee" (known: edge, public-alb)',
    ],
    [
      'a destination block on a WAF',
      `${targets}  rules: [{ name: r, for: 1h, direction: destination, targets: [public-alb] }]\n`,
      'notifier.yaml: respond.rules[0].direction: "public-alb" is a WAF IP set, which matches request sources only: use source or both',
    ],
    ['for longer than maxFor', `${targets}  rules: [{ name: r, for: 8d, targets: [edge] }]\n`, 'notifier.yaml: respond.rules[0].for: 8d is longer than maxFor (7d, the default)'],
    ['a zero duration', `${targets}  rules: [{ name: r, for: 0s, targets: [edge] }]\n`, 'notifier.yaml: respond.rules[0].for: a block must last longer than 0'],
    [
      'a priority range past 65535',
      `  targets: [{ name: edge, type: network-firewall, ruleGroupArn: ${EDGE}, priority: 65500 }]\n`,
      'notifier.yaml: respond.targets[0].priority: expected 1 to 65436: we own priority to priority + 99, and stateless rule priorities end at 65535',
    ],
    [
      'overlapping priority ranges in one group',
      `  targets:\n    - { name: a, type: network-firewall, ruleGroupArn: ${EDGE}, priority: 30000 }\n    - { name: b, type: network-firewall, ruleGroupArn: ${EDGE}, priority: 30050 }\n`,
      'notifier.yaml: respond.targets[1].priority: overlaps the priorities of target "a" (30000–30099) in the same rule group',
    ],
    [
      'duplicate target names',
      `  targets:\n    - { name: a, type: waf-ip-set, ipv4SetArn: ${V4} }\n    - { name: a, type: waf-ip-set, ipv4SetArn: ${V4} }\n`,
      'notifier.yaml: respond.targets[1].name: duplicate target name "a"',
    ],
    [
      'a CloudFront set outside us-east-1',
      `  targets: [{ name: cf, type: waf-ip-set, ipv4SetArn: "arn:aws:wafv2:eu-west-1:123456789012:global/ipset/cf/a1b2c3d4-5678-90ab-cdef-000000000001" }]\n`,
      'notifier.yaml: respond.targets[0].ipv4SetArn: a global (CloudFront) IP set lives in us-east-1',
    ],
    ['a sync interval under 30s', `${targets}  syncInterval: 5s\n`, 'notifier.yaml: respond.syncInterval: must be at least 30s'],
    ['an unknown key', `${targets}  force: true\n`, 'notifier.yaml: respond: unknown key "force"'],
    ['no targets', '  targets: []\n', 'notifier.yaml: respond.targets: respond needs at least one target'],
  ])('reports %s with its path', (_, respond, problem) => {
    expect(problemsOf(respond)).toContain(problem);
  });

  it('lists every respond problem at once', () => {
    const problems = problemsOf(`  mode: block\n  allow: [10.0.0.1/8]\n${targets}  rules: [{ name: r, for: soon, targets: [nope] }]\n`);
    expect(problems.map((p) => p.split(':')[1]?.trim())).toEqual(
      expect.arrayContaining(['respond.mode', 'respond.allow[0]', 'respond.rules[0].for', 'respond.rules[0].targets[0]']),
    );
  });
});
