import type { DestinationConfig } from '../config/schema.js';
import { createFileSink } from './file.js';
import { createPagerDutySink, PAGERDUTY_DEFAULT_RATE } from './pagerduty.js';
import { LOCAL_SINK_DEFAULT_RATE } from './json-lines.js';
import type { Sink } from './sink.js';
import { createSlackApiSink, SLACK_API_DEFAULT_RATE, type SlackApiClient } from './slack-api.js';
import { createSlackWebhookSink, SLACK_WEBHOOK_DEFAULT_RATE } from './slack-webhook.js';
import { createSnsSink, SNS_DEFAULT_RATE, type SnsPublishClient } from './sns.js';
import { createStdoutSink, type LineWriter } from './stdout.js';

/**
 * Default pace per destination type, used when the destination has no `rate` of its own:
 * - slack-webhook: 1/s, burst 3: "1 per second, short bursts >1 allowed" for incoming webhooks
 *   (https://docs.slack.dev/apis/web-api/rate-limits);
 * - slack-api: 1/s per channel, burst 3: chat.postMessage "generally allows posting one message per second per channel";
 * - pagerduty: 2/s, burst 5: about 120 events a minute per routing key (Events API v2, see pagerduty.ts);
 * - sns: 10/s (far below Publish's quota; kind to SMS and e-mail subscribers);
 * - stdout/file: 1000/s (no service behind them).
 */
export const DEFAULT_RATES = {
  'slack-webhook': SLACK_WEBHOOK_DEFAULT_RATE,
  'slack-api': SLACK_API_DEFAULT_RATE,
  pagerduty: PAGERDUTY_DEFAULT_RATE,
  sns: SNS_DEFAULT_RATE,
  stdout: LOCAL_SINK_DEFAULT_RATE,
  file: LOCAL_SINK_DEFAULT_RATE,
} as const satisfies Record<DestinationConfig['type'], { perSecond: number; burst: number }>;

export interface CreateSinkInput {
  config: DestinationConfig;
  /** The resolved secret: the webhook URL (slack-webhook), the bot token (slack-api) or the routing key (pagerduty). */
  secret?: string | undefined;
  /** For sns (tests: a client pointed at the stand-in). */
  snsClient?: SnsPublishClient;
  /** For slack-webhook and pagerduty (tests). */
  fetch?: typeof globalThis.fetch;
  /** For slack-api (tests). */
  slackClient?: SlackApiClient;
  /** For stdout (tests). */
  stdout?: LineWriter;
}

/**
 * One destination config (secrets already resolved) → its Sink.
 *
 * @example
 * const sink = createSink({ config: { name: 'sec', type: 'slack-webhook', url: { env: 'URL' } }, secret: process.env.URL });
 */
export function createSink(input: CreateSinkInput): Sink {
  const { config } = input;
  const rate = { ...(config.rate ?? DEFAULT_RATES[config.type]) };
  switch (config.type) {
    case 'slack-webhook':
      return createSlackWebhookSink({
        name: config.name,
        url: requireSecret(input.secret, config, 'url'),
        rate,
        ...(input.fetch === undefined ? {} : { fetch: input.fetch }),
      });
    case 'slack-api':
      return createSlackApiSink({
        name: config.name,
        token: requireSecret(input.secret, config, 'token'),
        channel: config.channel,
        rate,
        ...(config.apiUrl === undefined ? {} : { apiUrl: config.apiUrl }),
        ...(input.slackClient === undefined ? {} : { client: input.slackClient }),
      });
    case 'pagerduty':
      return createPagerDutySink({
        name: config.name,
        routingKey: requireSecret(input.secret, config, 'routingKey'),
        rate,
        ...(config.apiUrl === undefined ? {} : { apiUrl: config.apiUrl }),
        ...(input.fetch === undefined ? {} : { fetch: input.fetch }),
      });
    case 'sns':
      return createSnsSink({
        name: config.name,
        topicArn: config.topicArn,
        rate,
        ...(input.snsClient === undefined ? {} : { client: input.snsClient }),
      });
    case 'stdout':
      return createStdoutSink({ name: config.name, rate, ...(input.stdout === undefined ? {} : { stream: input.stdout }) });
    case 'file':
      return createFileSink({ name: config.name, path: config.path, rate });
    default: {
      const unknown: never = config;
      throw new Error(`Unknown destination type in ${JSON.stringify((unknown as { name?: unknown }).name)}`);
    }
  }
}

function requireSecret(secret: string | undefined, config: DestinationConfig, key: string): string {
  if (secret === undefined || secret.trim() === '') {
    throw new Error(`Destination "${config.name}" (${config.type}) needs its ${key}; it resolved to nothing`);
  }
  return secret.trim();
}
