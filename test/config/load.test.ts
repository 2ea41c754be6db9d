import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { configFromEnvironment } from '../../src/config/environment.js';
import { ConfigError } from '../../src/config/errors.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'notifier.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

describe('config loading', () => {
  it('accepts the documented example and fills in defaults', () => {
    const config = parseConfigText(
      `
accounts: { "123456789012": prod-payments }
state: { sqlite: ./gdn.db }
destinations:
  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }
routes:
  - { match: { minSeverity: 7, types: ["UnauthorizedAccess:*"] }, to: [sec], repeatAfter: 12h }
poll: { regions: [us-east-1], interval: 60s }
`,
      'notifier.yaml',
    );
    expect(config.accounts['123456789012']).toBe('prod-payments');
    expect(config.routes[0]?.repeatAfter).toBe(12 * 3_600_000);
    expect(config.routes[0]?.continue).toBe(false);
    expect(config.digest.threshold).toBe(5);
    expect(config.poll?.interval).toBe(60_000);
    expect(config.poll?.overlap).toBe(600_000);
  });

  it('names the file, the path and the known destinations for an unknown destination', () => {
    expect(
      problemsOf(`
destinations:
  - { name: sec, type: slack-webhook, url: x }
  - { name: ops, type: stdout }
routes:
  - { to: [sec] }
  - { to: [secops] }
`),
    ).toEqual(['notifier.yaml: routes[1].to[0]: unknown destination "secops" (known: sec, ops)']);
  });

  it('lists every problem at once, each with its path', () => {
    const problems = problemsOf(`
destinations:
  - { name: sec, type: slack-webhok, url: x }
  - { name: sns, type: sns, topicArn: not-an-arn }
routes:
  - { match: { minSeverity: 12, accounts: ["123"] }, to: [sec], repeatAfter: soon }
colour: blue
`);
    expect(problems.some((p) => p.startsWith('notifier.yaml: destinations[0].type:'))).toBe(true);
    expect(problems).toContain('notifier.yaml: destinations[1].topicArn: expected an SNS topic ARN');
    expect(problems.some((p) => p.startsWith('notifier.yaml: routes[0].match.minSeverity:'))).toBe(true);
    expect(problems).toContain('notifier.yaml: routes[0].match.accounts[0]: expected a 12-digit AWS account id');
    expect(problems).toContain('notifier.yaml: routes[0].repeatAfter: expected a duration like 90s, 10m, 12h or 7d, got "soon"');
    expect(problems).toContain('notifier.yaml: (top level): unknown key "colour"');
  });

  it('reports YAML syntax errors with line and column', () => {
    const [problem] = problemsOf('destinations:\n  - { name: sec, type: stdout\n');
    expect(problem).toMatch(/^notifier\.yaml: line \d+, column \d+: /);
  });

  it.each([
    ['a webhook URL', 'https://hooks.slack.com/services/T0AAAA/B0BBBB/s3cr3tW3bh00k'],
    ['a bot token', 'xoxb-1111-2222-s3cr3tT0k3n'],
    ['a name with a space', 'SLACK WEBHOOK'],
    ['a name starting with a digit', '1SLACK'],
  ])('refuses %s as an environment variable name, without repeating it', (_name, value) => {
    const problems = problemsOf(`destinations:\n  - { name: sec, type: slack-webhook, url: { env: "${value}" } }\n`);
    expect(problems).toEqual([
      'notifier.yaml: destinations[0].url.env: not an environment variable name (letters, digits and _, not starting with a digit); put the secret itself in the environment and its name here',
    ]);
    for (const problem of problems) expect(problem).not.toContain(value);
  });

  it('accepts environment variable names of letters, digits and _', () => {
    expect(() => parseConfigText('destinations:\n  - { name: sec, type: slack-api, channel: C1, token: { env: _Slack_Bot_TOKEN_2 } }\n', 'notifier.yaml')).not.toThrow();
  });

  it('rejects duplicate destination names', () => {
    expect(problemsOf('destinations: [{ name: a, type: stdout }, { name: a, type: stdout }]')).toEqual([
      'notifier.yaml: destinations[1].name: duplicate destination name "a"',
    ]);
  });
});

describe('Lambda configuration from the environment', () => {
  it('builds a one-webhook config from SLACK_WEBHOOK_SECRET_ARN and MIN_SEVERITY', async () => {
    const config = await configFromEnvironment({
      SLACK_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf',
      MIN_SEVERITY: '7',
      STATE_TABLE: 'gdn-state',
    });
    expect(config.minSeverity).toBe(7);
    expect(config.destinations[0]).toMatchObject({ type: 'slack-webhook', url: { secretArn: expect.stringContaining('secret:slack') } });
    expect(config.state).toEqual({ dynamodb: 'gdn-state' });
  });

  it('defaults the minimum severity to 4 (Medium)', async () => {
    expect((await configFromEnvironment({ SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' })).minSeverity).toBe(4);
  });

  it('prefers GDN_CONFIG (JSON or YAML) and says what to set when nothing is', async () => {
    expect((await configFromEnvironment({ GDN_CONFIG: '{"destinations":[{"name":"o","type":"stdout"}]}' })).destinations[0]?.name).toBe('o');
    expect((await configFromEnvironment({ GDN_CONFIG: 'destinations:\n  - { name: y, type: stdout }\n' })).destinations[0]?.name).toBe('y');
    await expect(configFromEnvironment({})).rejects.toThrow(/set GDN_CONFIG .*SLACK_WEBHOOK_URL/);
  });

  it('names GDN_CONFIG as the source of an invalid inline config', async () => {
    await expect(configFromEnvironment({ GDN_CONFIG: 'destinations: []' })).rejects.toThrow('GDN_CONFIG: destinations: at least one destination is needed');
  });

  it('reads STATE_TTL through the schema: a duration, refused at start when it is not one or has no table', async () => {
    const webhook = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', STATE_TABLE: 'gdn-state' };
    expect((await configFromEnvironment({ ...webhook, STATE_TTL: '30d' })).state).toEqual({ dynamodb: 'gdn-state', ttl: 30 * 86_400_000 });
    await expect(configFromEnvironment({ ...webhook, STATE_TTL: 'a month' })).rejects.toThrow(
      'environment (STATE_TABLE, STATE_TTL): STATE_TTL: expected a duration like 90s, 10m, 12h or 7d, got "a month"',
    );
    await expect(configFromEnvironment({ ...webhook, STATE_TTL: '0s' })).rejects.toThrow('STATE_TTL: must be more than 0');
    await expect(configFromEnvironment({ SLACK_WEBHOOK_URL: webhook.SLACK_WEBHOOK_URL, STATE_TTL: '30d' })).rejects.toThrow('STATE_TTL: is the DynamoDB ledger');
  });
});
