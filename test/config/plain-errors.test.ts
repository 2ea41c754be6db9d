import { describe, expect, it } from 'vitest';
import { partition } from '@aws-sdk/core/client';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { checkConfig } from '../../src/config/check.js';
import { knownAwsRegions } from '../../src/config/aws-regions.js';
import { nearest } from '../../src/config/plain-issues.js';

/** Config errors a person can act on: what is missing and what it is for, the valid choices, the line to fix. */

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'notifier.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const ARN = 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/blocks';

describe('a missing key', () => {
  it.each([
    ['a webhook URL', 'destinations: [{ name: sec, type: slack-webhook }]', 'destinations[0].url', 'Slack incoming webhook URL'],
    ['a bot token', 'destinations: [{ name: ops, type: slack-api, channel: C0123 }]', 'destinations[0].token', 'Slack bot token'],
    ['a channel', 'destinations: [{ name: ops, type: slack-api, token: { env: T } }]', 'destinations[0].channel', 'channel id'],
    ['a topic', 'destinations: [{ name: p, type: sns }]', 'destinations[0].topicArn', 'SNS topic ARN'],
    ['a file path', 'destinations: [{ name: f, type: file }]', 'destinations[0].path', 'file to append'],
    ['a destination name', 'destinations: [{ type: stdout }]', 'destinations[0].name', 'routes refer to'],
    ['a route target', 'destinations: [{ name: o, type: stdout }]\nroutes: [{ match: {} }]', 'routes[0].to', 'destinations this route sends to'],
    ['a mute reason', 'destinations: [{ name: o, type: stdout }]\nmutes: [{ match: {} }]', 'mutes[0].reason', 'why these findings are muted'],
    [
      'a rule group priority',
      `destinations: [{ name: o, type: stdout }]\nrespond: { targets: [{ name: edge, type: network-firewall, ruleGroupArn: "${ARN}" }] }`,
      'respond.targets[0].priority',
      'rule priorities this target owns',
    ],
    [
      "a rule's duration",
      `destinations: [{ name: o, type: stdout }]\nrespond: { targets: [{ name: edge, type: network-firewall, ruleGroupArn: "${ARN}", priority: 100 }], rules: [{ name: r, targets: [edge] }] }`,
      'respond.rules[0].for',
      'how long a block lasts',
    ],
    ['the signing secret', 'destinations: [{ name: o, type: stdout }]\ninteract: { allow: {} }', 'interact.signingSecret', 'signing secret'],
  ])('says required and what it is: %s', (_name, text, path, what) => {
    const problems = problemsOf(text);
    const line = problems.find((p) => p.startsWith(`notifier.yaml: ${path}: `));
    expect(line, problems.join('\n')).toMatch(/: required: /);
    expect(line).toContain(what);
    for (const p of problems) expect(p).not.toMatch(/Invalid input|received undefined/);
  });

  it('says what a present value of the wrong kind should have been', () => {
    expect(problemsOf('destinations: [{ name: sec, type: slack-webhook, url: 42 }]')).toEqual([
      'notifier.yaml: destinations[0].url: expected { env: NAME }, { secretArn: ARN } or the value itself as a string, got 42',
    ]);
    expect(problemsOf('destinations: [{ name: o, type: stdout }]\nminSeverity: high')).toEqual(['notifier.yaml: minSeverity: expected a number, got "high"']);
    expect(problemsOf('destinations: [{ name: o, type: stdout }]\ndigest: { threshold: 0 }')).toEqual(['notifier.yaml: digest.threshold: must be at least 1, got 0']);
  });
});

describe('an unknown or missing type', () => {
  it('names the valid types (and the nearest), never "Invalid discriminator value"', () => {
    const problems = problemsOf('destinations:\n  - { name: a, type: slack-webhok, url: x }\n  - { name: b }');
    expect(problems[0]).toMatch(/^notifier\.yaml: destinations\[0\]\.type: unknown type "slack-webhok": expected one of slack-webhook, slack-api, /);
    expect(problems[0]).toMatch(/\(did you mean slack-webhook\?\)$/);
    expect(problems[0]).toMatch(/expected one of slack-webhook, slack-api, .*stdout, file/);
    expect(problems[1]).toMatch(/^notifier\.yaml: destinations\[1\]\.type: required: what kind of destination this is, one of slack-webhook, /);
    for (const p of problems) expect(p).not.toMatch(/discriminator/i);
  });

  it('does the same for a respond target', () => {
    const [problem] = problemsOf('destinations: [{ name: o, type: stdout }]\nrespond: { targets: [{ name: edge, type: firewall }] }');
    expect(problem).toBe('notifier.yaml: respond.targets[0].type: unknown type "firewall": expected one of network-firewall, waf-ip-set');
  });
});

describe('a YAML syntax error', () => {
  it.each([
    ['an unclosed {', 'destinations:\n  - { name: sec, type: stdout\n', 'line 2, column 5: this "{" is not closed: a "}" is missing'],
    ['an unclosed [', 'accounts: {}\ndestinations: [{ name: sec, type: stdout }\nroutes: []\n', 'line 2, column 15: this "[" is not closed: a "]" is missing'],
    ['an unclosed "', 'destinations:\n  - name: "sec\n    type: stdout\nroutes: []\n', 'line 2, column 11: this " quote is not closed'],
    ['a duplicate key', 'minSeverity: 4\nminSeverity: 5\n', 'line 2, column 1: Map keys must be unique'],
    ['a tab', 'destinations:\n\t- { name: a, type: stdout }\n', 'line 2, column 1: Tabs are not allowed as indentation'],
  ])('points at the line of the mistake: %s', (_name, text, expected) => {
    expect(problemsOf(text)[0]).toBe(`notifier.yaml: ${expected}`);
  });
});

describe('regions and resource types check-config does not know', () => {
  const env = {};
  const check = (text: string) => checkConfig(parseConfigText(text, 'n.yaml'), { file: 'n.yaml', env });

  it("takes the region list from the AWS SDK's own partition data", () => {
    const regions = knownAwsRegions();
    expect(regions).toBeDefined();
    expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1']));
    // Every one is a region the SDK's exported lookup knows by name (it answers a description only for those).
    for (const region of regions ?? []) expect(partition(region), region).toHaveProperty('description');
  });

  it('warns about an unknown region with the nearest real ones, and still accepts the config', () => {
    const { summary, warnings } = check(
      'destinations: [{ name: o, type: stdout }]\nroutes: [{ match: { regions: [us-east-9, eu-west-1] }, to: [o] }]\npoll: { regions: [eu-wset-1] }',
    );
    expect(summary[0]).toBe('n.yaml: OK');
    expect(warnings).toEqual([
      expect.stringMatching(/^n\.yaml: routes\[0\]\.match\.regions\[0\]: "us-east-9" is not a region this AWS SDK knows \(nearest: us-east-1, us-east-2/),
      expect.stringMatching(/^n\.yaml: poll\.regions\[0\]: "eu-wset-1" is not a region this AWS SDK knows \(nearest: eu-west-1/),
    ]);
  });

  it('warns about an unknown resource type, listing the known ones', () => {
    const { warnings } = check(
      'destinations: [{ name: o, type: stdout }]\nroutes: [{ match: { resourceTypes: [EKSClustr, instance, AwsEc2Instance] }, to: [o] }]',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('routes[0].match.resourceTypes[0]: "EKSClustr" is not a resource type GuardDuty findings have (did you mean EKSCluster?)');
    expect(warnings[0]).toContain('known: Instance, AccessKey, S3Bucket, S3Object, EKSCluster, ECSCluster, Container, Lambda, RDSDBInstance');
  });

  it('finds near words and nothing for unrelated ones', () => {
    expect(nearest('us-east-9', ['us-east-1', 'us-east-2', 'eu-west-1'], 2)).toEqual(['us-east-1', 'us-east-2']);
    expect(nearest('zzzz', ['us-east-1'])).toEqual([]);
  });
});
