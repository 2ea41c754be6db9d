import { configSchema, type Config } from '../config/schema.js';
import { DEMO_RESPOND } from './respond-demo.js';

/** The demo's one destination: the in-memory inbox the page draws. */
export const DEMO_DESTINATION = 'demo';

export const DEMO_ACCOUNTS: Record<string, string> = {
  '123456789012': 'prod-payments',
  '111122223333': 'security-audit',
  '444455556666': 'dev-sandbox',
};

/** The demo's config: one destination (the inbox), every finding routed to it, digests above 5 per batch. */
export function demoConfig(): Config {
  return configSchema.parse({
    accounts: DEMO_ACCOUNTS,
    state: { sqlite: ':memory:' },
    // The inbox replaces this destination's sink: nothing is ever posted. A Slack type, so that its messages carry the
    // buttons (`interact:` below) as a Slack destination's do.
    destinations: [{ name: DEMO_DESTINATION, type: 'slack-webhook', url: 'https://hooks.slack.com/services/T0DEMO/B0DEMO/not-a-real-webhook' }],
    digest: { threshold: 5, top: 10 },
    // respond in dry-run: every block is decided, recorded and announced in its message; no target is touched.
    respond: DEMO_RESPOND,
    // The buttons work against the demo's own store (src/demo/actions.ts): nothing is signed, so the secret is unused.
    interact: { signingSecret: 'demo-no-slack', allow: { acknowledge: ['*'], archive: ['*'], mute: ['*'], block: ['*'] } },
  });
}
