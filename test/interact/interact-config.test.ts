import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
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

const WEBHOOK = 'destinations:\n  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }\n';

describe('interact: config', () => {
  it("accepts the issue's example", () => {
    const config = parseConfigText(
      `${WEBHOOK}
interact:
  signingSecret: { secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guardduty-notifier/slack-signing" }
  token: { env: SLACK_BOT_TOKEN }
  allow:
    acknowledge: ["*"]
    mute: [S0SECOPS]
    archive: [S0SECOPS]
    block: [U012ONCALL, S0SECOPS]
`,
      'notifier.yaml',
    );
    expect(config.interact).toEqual({
      signingSecret: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:guardduty-notifier/slack-signing' },
      token: { env: 'SLACK_BOT_TOKEN' },
      allow: { acknowledge: ['*'], mute: ['S0SECOPS'], archive: ['S0SECOPS'], block: ['U012ONCALL', 'S0SECOPS'] },
    });
  });

  it('is off when absent, and allows nothing by default when present', () => {
    expect(parseConfigText(WEBHOOK, 'notifier.yaml').interact).toBeUndefined();
    expect(parseConfigText(`${WEBHOOK}interact: { signingSecret: { env: SLACK_SIGNING_SECRET } }\n`, 'notifier.yaml').interact?.allow).toEqual({});
  });

  it('lists every problem with its path', () => {
    expect(
      problemsOf(`${WEBHOOK}
interact:
  allow:
    archive: ["<!channel>", U012DANA]
    deploy: ["*"]
  listen: "0.0.0.0"
`),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^notifier\.yaml: interact\.signingSecret: /),
        'notifier.yaml: interact.allow.archive[0]: expected a Slack user id (U…/W…), a user-group id (S…) or "*"',
        'notifier.yaml: interact.allow: unknown key "deploy"',
        'notifier.yaml: interact.listen: expected host:port, e.g. 127.0.0.1:3000',
      ]),
    );
  });

  it('asks for a bot token when a user group must be checked', () => {
    expect(problemsOf(`${WEBHOOK}interact: { signingSecret: x, allow: { mute: [U012DANA, S0SECOPS] } }\n`)).toEqual([
      'notifier.yaml: interact.allow.mute[1]: user group S0SECOPS can only be checked with a bot token: set interact.token (scope usergroups:read) or add a slack-api destination',
    ]);
  });

  it("takes a slack-api destination's token for user groups", () => {
    const text = `destinations:
  - { name: sec, type: slack-api, token: { env: SLACK_BOT_TOKEN }, channel: C0SECOPS }
interact: { signingSecret: x, allow: { mute: [S0SECOPS] } }
`;
    expect(problemsOf(text)).toEqual([]);
  });

  it('refuses a port that is not one', () => {
    expect(problemsOf(`${WEBHOOK}interact: { signingSecret: x, listen: "127.0.0.1:70000" }\n`)).toEqual([
      'notifier.yaml: interact.listen: port 70000 is not between 1 and 65535',
    ]);
  });
});
