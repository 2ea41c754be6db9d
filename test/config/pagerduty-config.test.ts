import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { ConfigError } from '../../src/config/errors.js';

const base = {
  destinations: [
    { name: 'sec', type: 'slack-webhook', url: { env: 'SLACK_WEBHOOK_URL' } },
    { name: 'pager', type: 'pagerduty', routingKey: { env: 'PAGERDUTY_ROUTING_KEY' }, webhookSecret: { env: 'PAGERDUTY_WEBHOOK_SECRET' } },
  ],
};

function problems(document: unknown): string[] {
  try {
    parseConfig(document, 'test.yaml');
    return [];
  } catch (error) {
    return (error as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('pagerduty destinations and route escalation in the config', () => {
  it('accepts the documented shape', () => {
    const config = parseConfig(
      {
        ...base,
        routes: [
          {
            name: 'high',
            match: { minSeverity: 7 },
            to: ['sec'],
            escalate: {
              after: '15m',
              to: ['pager'],
              mention: ['<!subteam^S0123ABCD>', '<!here>', '<@U012DANA>'],
              repeat: '30m',
              times: 3,
              mentionByTag: { tag: 'owner', map: { payments: '<!subteam^S0PAY>' } },
            },
          },
        ],
      },
      'test.yaml',
    );
    expect(config.routes[0]!.escalate).toMatchObject({ after: 900_000, repeat: 1_800_000, times: 3, to: ['pager'] });
    expect(config.destinations[1]).toMatchObject({ type: 'pagerduty' });
  });

  it.each(['@here', '<!everyone>', '<https://evil.example|click>', '<!subteam^S0123ABCD> extra', '<#C0123>'])('refuses the mention %s', (mention) => {
    const found = problems({ ...base, routes: [{ to: ['sec'], escalate: { after: '15m', mention: [mention] } }] });
    expect(found.join('\n')).toMatch(/routes\[0\]\.escalate\.mention\[0\]: expected a Slack mention/);
  });

  it('refuses a mapped tag mention that is not a mention, and an escalation to an unknown destination', () => {
    const found = problems({
      ...base,
      routes: [{ to: ['sec'], escalate: { after: '15m', to: ['pagr'], mentionByTag: { tag: 'owner', map: { x: 'hello' } } } }],
    });
    expect(found.join('\n')).toContain('routes[0].escalate.mentionByTag.map.x: expected a Slack mention');
    expect(found.join('\n')).toContain('routes[0].escalate.to[0]: unknown destination "pagr"');
  });

  it('refuses a severity PagerDuty does not know', () => {
    const found = problems({ destinations: [{ name: 'p', type: 'pagerduty', routingKey: 'k', severities: { high: 'urgent' } }] });
    expect(found.join('\n')).toMatch(/destinations\[0\]\.severities\.high/);
  });
});
