import type { DestinationConfig } from '../config/schema.js';
import { createFileSink } from './file.js';
import { createPagerDutySink, PAGERDUTY_DEFAULT_RATE } from './pagerduty.js';
import { LOCAL_SINK_DEFAULT_RATE } from './json-lines.js';
import type { Sink } from './sink.js';
import { createSlackApiSink, SLACK_API_DEFAULT_RATE, type SlackApiClient } from './slack-api.js';
import { createSlackWebhookSink, SLACK_WEBHOOK_DEFAULT_RATE } from './slack-webhook.js';
import { createSnsSink, SNS_DEFAULT_RATE, type SnsPublishClient } from './sns.js';
import { createStdoutSink, type LineWriter } from './stdout.js';
import { createTeamsWorkflowSink, TEAMS_WORKFLOW_DEFAULT_RATE } from './teams-workflow.js';
import { redactWorkflowUrl } from './redact.js';

/** What a sink factory is given: the destination's config (secrets resolved), its pace, and the test seams. */
interface SinkFactoryInput<T extends DestinationConfig['type']> {
  config: Extract<DestinationConfig, { type: T }>;
  rate: { perSecond: number; burst: number };
  input: CreateSinkInput;
}

/** One row per destination type: its default pace and its sink factory (its payload format: payload-format.ts). */
export interface DestinationType<T extends DestinationConfig['type']> {
  readonly defaultRate: { readonly perSecond: number; readonly burst: number };
  createSink(input: SinkFactoryInput<T>): Sink;
}

type DestinationTypes = { readonly [T in DestinationConfig['type']]: DestinationType<T> };

/**
 * Every destination type. Default paces, used when the destination has no `rate` of its own:
 * - slack-webhook: 1/s, burst 3: "1 per second, short bursts >1 allowed" for incoming webhooks
 *   (https://docs.slack.dev/apis/web-api/rate-limits);
 * - teams-workflow: 1/s, burst 2: Microsoft documents no figure for Workflows webhooks (teams-workflow.ts);
 * - slack-api: 1/s per channel, burst 3: chat.postMessage "generally allows posting one message per second per channel";
 * - pagerduty: 2/s, burst 5: about 120 events a minute per routing key (Events API v2, see pagerduty.ts);
 * - sns: 10/s (far below Publish's quota; kind to SMS and e-mail subscribers);
 * - stdout/file: 1000/s (no service behind them).
 *
 * Adding a type: a row here, its format in payload-format.ts (and render/renderers.ts if it needs a new one), and the
 * config schema's entry.
 */
export const DESTINATION_TYPES: DestinationTypes = {
  'slack-webhook': {
    defaultRate: SLACK_WEBHOOK_DEFAULT_RATE,
    createSink: ({ config, rate, input }) =>
      createSlackWebhookSink({
        name: config.name,
        url: requireSecret(input.secret, config, 'url'),
        rate,
        ...(input.fetch === undefined ? {} : { fetch: input.fetch }),
      }),
  },
  'teams-workflow': {
    defaultRate: TEAMS_WORKFLOW_DEFAULT_RATE,
    createSink: ({ config, rate, input }) =>
      createTeamsWorkflowSink({
        name: config.name,
        url: requireWorkflowUrl(requireSecret(input.secret, config, 'url'), config),
        rate,
        ...(input.fetch === undefined ? {} : { fetch: input.fetch }),
      }),
  },
  'slack-api': {
    defaultRate: SLACK_API_DEFAULT_RATE,
    createSink: ({ config, rate, input }) =>
      createSlackApiSink({
        name: config.name,
        token: requireSecret(input.secret, config, 'token'),
        channel: config.channel,
        rate,
        ...(config.apiUrl === undefined ? {} : { apiUrl: config.apiUrl }),
        ...(input.slackClient === undefined ? {} : { client: input.slackClient }),
      }),
  },
  pagerduty: {
    defaultRate: PAGERDUTY_DEFAULT_RATE,
    createSink: ({ config, rate, input }) =>
      createPagerDutySink({
        name: config.name,
        routingKey: requireSecret(input.secret, config, 'routingKey'),
        rate,
        ...(config.apiUrl === undefined ? {} : { apiUrl: config.apiUrl }),
        ...(input.fetch === undefined ? {} : { fetch: input.fetch }),
      }),
  },
  sns: {
    defaultRate: SNS_DEFAULT_RATE,
    createSink: ({ config, rate, input }) =>
      createSnsSink({ name: config.name, topicArn: config.topicArn, rate, ...(input.snsClient === undefined ? {} : { client: input.snsClient }) }),
  },
  stdout: {
    defaultRate: LOCAL_SINK_DEFAULT_RATE,
    createSink: ({ config, rate, input }) => createStdoutSink({ name: config.name, rate, ...(input.stdout === undefined ? {} : { stream: input.stdout }) }),
  },
  file: {
    defaultRate: LOCAL_SINK_DEFAULT_RATE,
    createSink: ({ config, rate }) => createFileSink({ name: config.name, path: config.path, rate }),
  },
};

/** Default pace per destination type (DESTINATION_TYPES' `defaultRate`). */
export const DEFAULT_RATES = Object.fromEntries(
  Object.entries(DESTINATION_TYPES).map(([type, row]) => [type, row.defaultRate]),
) as { readonly [T in DestinationConfig['type']]: { readonly perSecond: number; readonly burst: number } };


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
  const row = DESTINATION_TYPES[config.type] as DestinationType<DestinationConfig['type']> | undefined;
  if (row === undefined) {
    throw new Error(`Unknown destination type in ${JSON.stringify((config as { name?: unknown }).name)}`);
  }
  const rate = { ...(config.rate ?? row.defaultRate) };
  return row.createSink({ config, rate, input });
}

function requireSecret(secret: string | undefined, config: DestinationConfig, key: string): string {
  if (secret === undefined || secret.trim() === '') {
    throw new Error(`Destination "${config.name}" (${config.type}) needs its ${key}; it resolved to nothing`);
  }
  return secret.trim();
}

/**
 * A Workflows URL must be https (http only on loopback, for the local stand-in); any host, since Microsoft has moved
 * it before (`*.logic.azure.com`, `*.environment.api.powerplatform.com`). Never echoes the URL (a secret).
 */
function requireWorkflowUrl(url: string, config: DestinationConfig): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`Destination "${config.name}" (teams-workflow): its url is not a URL; copy the HTTP POST URL from the workflow's trigger`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new Error(`Destination "${config.name}" (teams-workflow): its url (${redactWorkflowUrl(url)}) must be https`);
  }
  return url;
}

