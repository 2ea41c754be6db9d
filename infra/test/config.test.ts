import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfigText } from '../../src/config/load.js';
import { parseInfraConfig, parseInfraConfigText, toAppConfig } from '../lib/config.js';
import { exampleConfig } from './support/synth.js';

const minimal = {
  regions: { home: 'eu-west-1' },
  destinations: [{ name: 'security', type: 'slack-webhook', secret: 'guardduty-notifier/slack' }],
};

function problemsOf(document: unknown): string[] {
  try {
    parseInfraConfig(document, 'config.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('deployment config', () => {
  it('accepts infra/config.example.yaml', () => {
    const config = exampleConfig();
    expect(config.regions.home).toBe('eu-west-1');
    expect(config.regions.forward).toEqual(['us-east-1', 'eu-central-1']);
    expect(config.destinations.map((d) => d.name)).toEqual(['security', 'oncall']);
    expect(config.state.ttl).toBe(90 * 86_400_000);
    expect(config.alarms.email).toBe('secops@example.com');
  });

  it('fills in production defaults', () => {
    const config = parseInfraConfig(minimal, 'config.yaml');
    expect(config).toMatchObject({
      stackName: 'GuardDutyNotifier',
      sources: { guardDuty: true, securityHub: false },
      minSeverity: 4,
      filterInPattern: true,
      state: { deletionProtection: true, ttl: 90 * 86_400_000 },
      lambda: { timeout: 60_000, concurrency: 2, batchWindow: 10_000, logRetentionDays: 30 },
      alarms: { maxMessageAge: 900_000, encryptTopic: false },
    });
  });

  it('lists every problem, each with its path', () => {
    const problems = problemsOf({
      regions: { home: 'europe' },
      destinations: [{ name: 'security', type: 'slack-webhook', secret: 'has spaces' }],
      lambda: { concurrency: 1 },
      colour: 'blue',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^regions\.home: expected an AWS region/),
        expect.stringMatching(/^destinations\[0\]\.secret: expected a Secrets Manager secret name/),
        expect.stringMatching(/^lambda\.concurrency: .*at least 2/),
        expect.stringMatching(/^\(top level\): unknown key "colour"/),
      ]),
    );
  });

  it('refuses a webhook URL or token written into the file', () => {
    const problems = problemsOf({
      ...minimal,
      routes: [{ to: ['security'], runbooks: { '*': 'https://hooks.slack.com/services/T000/B000/XXXX' } }],
    });
    expect(problems).toEqual([expect.stringMatching(/contains a Slack webhook URL or token: put it in Secrets Manager/)]);
    expect(problemsOf({ ...minimal, accounts: { '111122223333': 'xoxb-1234-abcd' } })).toHaveLength(1);
  });

  it('refuses a destination with the URL instead of a secret', () => {
    const problems = problemsOf({ ...minimal, destinations: [{ name: 's', type: 'slack-webhook', url: 'https://example.com' }] });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^destinations\[0\]/)]));
  });

  it('gives each region exactly one stack', () => {
    expect(problemsOf({ ...minimal, regions: { home: 'eu-west-1', forward: ['us-east-1', 'eu-west-1'], independent: ['us-east-1'] } })).toEqual([
      'regions.forward[1]: eu-west-1 is already in regions.home: each region gets exactly one stack',
      'regions.independent[0]: us-east-1 is already in regions.forward[0]: each region gets exactly one stack',
    ]);
  });

  it('runs the notifier\'s own checks on the routes', () => {
    expect(problemsOf({ ...minimal, routes: [{ to: ['secops'] }] })).toEqual(['routes[0].to[0]: unknown destination "secops" (known: security)']);
  });

  it('needs a name, not an ARN, to create a secret', () => {
    expect(
      problemsOf({
        ...minimal,
        destinations: [{ name: 's', type: 'slack-webhook', secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf', createSecret: true }],
      }),
    ).toEqual(['destinations[0].secret: createSecret needs a secret name, not an ARN']);
  });

  it('names YAML syntax errors by line', () => {
    expect(() => parseInfraConfigText('regions:\n  home: [eu-west-1\n', 'config.yaml')).toThrow(/config\.yaml: line \d+, column \d+/);
  });
});

describe('the notifier config the function gets (GDN_CONFIG)', () => {
  it('references secrets by name or ARN, in the schema the function parses', () => {
    const app = toAppConfig(exampleConfig());
    const parsed = parseConfigText(JSON.stringify(app), 'GDN_CONFIG');
    expect(parsed.destinations).toEqual([
      expect.objectContaining({ name: 'security', type: 'slack-webhook', url: { secretArn: 'guardduty-notifier/slack-security' } }),
      expect.objectContaining({ name: 'oncall', type: 'slack-api', channel: 'C0123456789', token: { secretArn: 'guardduty-notifier/slack-bot-token' }, minSeverity: 7 }),
    ]);
    expect(parsed.minSeverity).toBe(4);
    expect(parsed.routes[0]?.repeatAfter).toBe(12 * 3_600_000);
    expect(parsed.defaultRoute?.to).toEqual(['security']);
    // The function sets the state from STATE_TABLE; the config does not name it.
    expect(app).not.toHaveProperty('state');
  });

  it('keeps a JSON secret key and leaves infra-only keys out', () => {
    const app = toAppConfig(
      parseInfraConfig(
        {
          ...minimal,
          destinations: [{ name: 's', type: 'slack-webhook', secret: 'gd/s', secretKey: 'url', createSecret: true }],
          organizations: { enabled: true, managementAccountId: '999988887777', organizationId: 'o-a1b2c3d4e5' },
        },
        'config.yaml',
      ),
    );
    expect(app.destinations[0]).toEqual({ name: 's', type: 'slack-webhook', url: { secretArn: 'gd/s', key: 'url' } });
    expect(app.organizations).toEqual({ enabled: true });
  });
});
