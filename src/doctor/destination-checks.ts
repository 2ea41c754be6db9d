import type { DestinationConfig } from '../config/schema.js';
import { SLACK_WEBHOOK_ERRORS, networkCode } from '../deliver/slack-webhook.js';
import { redactWebhookUrl, redactWorkflowUrl, scrubText, webhookUrlSecrets } from '../deliver/redact.js';
import { ownEntry } from '../core/own-entry.js';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { awsErrorText, isAccessDenied, isCredentialsProblem } from './check-result.js';

/**
 * How `doctor` checks each kind of destination without sending anything: one entry per destination `type`, each
 * naming the keys that hold its secrets (resolved before, never printed) and a probe. A new destination type adds one
 * entry here (the type below makes that a compile error until it does).
 */

export type DestinationType = DestinationConfig['type'];
export type DestinationOf<T extends DestinationType> = Extract<DestinationConfig, { type: T }>;

export interface DestinationCheckContext {
  /** The destination's secrets by key, resolved (`url`, `token`, …): never printed. */
  secrets: Readonly<Record<string, string>>;
  env: NodeJS.ProcessEnv;
  fetch: typeof globalThis.fetch;
  /** Per request. */
  timeoutMs: number;
}

/** What a probe saw: ok, and a sentence (✘: what is wrong, then what to do). */
export interface ProbeOutcome {
  ok: boolean;
  detail: string;
}

export interface DestinationCheck<T extends DestinationType> {
  /** Keys of the destination that hold secrets; the probe runs only when all of them resolved. */
  secrets: ReadonlyArray<keyof DestinationOf<T> & string>;
  probe(destination: DestinationOf<T>, context: DestinationCheckContext): Promise<ProbeOutcome>;
}

const ok = (detail: string): ProbeOutcome => ({ ok: true, detail });
const bad = (detail: string): ProbeOutcome => ({ ok: false, detail });

/**
 * An incoming webhook is checked by POSTing an empty JSON object: Slack answers it before posting anything, with 400
 * and an error saying the message has no text when the webhook is live, and with the webhook's own error when it is
 * dead. Live answers seen: `no_text` and `missing_text_or_fallback_or_attachments` (TruffleHog's Slack webhook
 * verifier accepts either: https://github.com/trufflesecurity/trufflehog/pull/932; keyhacks documents
 * `missing_text_or_fallback_or_attachments` as "valid", https://github.com/streaak/keyhacks#slack-webhook; a payload
 * without text answers `no_text`: https://github.com/fluxcd/flagger/pull/1031) and `invalid_payload` (400, "the data
 * sent in your request cannot be understood": a body Slack parsed and found empty). Dead answers (Slack's changelog,
 * https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks, and "Handling errors" on
 * https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks): `no_service` 404 (webhook removed or
 * app uninstalled), `invalid_token` 403, `no_team` / `team_disabled` 404, `channel_not_found` 404,
 * `channel_is_archived` 410, `action_prohibited` 403, `posting_to_general_channel_denied` 403.
 */
export const WEBHOOK_LIVE_ANSWERS = ['no_text', 'missing_text_or_fallback_or_attachments', 'invalid_payload'] as const;

async function probeSlackWebhook(destination: DestinationOf<'slack-webhook'>, context: DestinationCheckContext): Promise<ProbeOutcome> {
  const url = context.secrets.url ?? '';
  const shown = redactWebhookUrl(url);
  let response: Response;
  try {
    response = await context.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{}',
      redirect: 'error',
      signal: AbortSignal.timeout(context.timeoutMs),
    });
  } catch (error) {
    // The error code down the cause chain (ECONNREFUSED, ENOTFOUND), else the innermost message, scrubbed of the URL.
    let reason = error instanceof Error ? networkCode(error) : 'network_error';
    if (reason === 'network_error') {
      let inner: unknown = error;
      for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause instanceof Error; depth++) inner = inner.cause;
      reason = (error as Error).name === 'TimeoutError' ? `no answer within ${context.timeoutMs} ms` : scrubText(String((inner as Error)?.message ?? error), webhookUrlSecrets(url));
    }
    return bad(`could not reach ${shown} (${reason}); check the URL and this host's network or proxy`);
  }
  const text = (await response.text().catch(() => '')).trim().slice(0, 200);
  const code = /^[a-z_]{1,64}$/.test(text) ? text : undefined;
  if (response.status === 400 && code !== undefined && (WEBHOOK_LIVE_ANSWERS as readonly string[]).includes(code)) {
    return ok(`${shown} is live (Slack answered an empty test with ${code}; nothing was posted)`);
  }
  if (response.ok) return bad(`${shown} accepted an empty message (HTTP ${response.status}): this is not a Slack incoming webhook`);
  if (response.status === 429) return bad(`${shown} is rate limited right now (429); run doctor again in a minute`);
  if (response.status >= 500) return bad(`Slack answered ${response.status}${code ? ` ${code}` : ''}; Slack may be having trouble (https://slack-status.com), run doctor again later`);
  const hint = code === undefined ? undefined : ownEntry(SLACK_WEBHOOK_ERRORS, code);
  if (code !== undefined && hint !== undefined) return bad(`${shown} answered ${response.status} ${code}: ${hint}`);
  return bad(`${shown} answered ${response.status} ${code ?? '(not a Slack error)'}: check that destinations[].url is a Slack incoming webhook URL`);
}

/** Slack Web API errors a token or channel check can answer, with what to do (https://docs.slack.dev/reference/methods/auth.test, …/conversations.info). */
const SLACK_API_FIXES: Readonly<Record<string, string>> = {
  invalid_auth: 'the token is not valid; copy the Bot User OAuth Token (xoxb-…) again from the app\'s "OAuth & Permissions" page',
  not_authed: 'no token was sent; set the token the config names',
  token_revoked: 'the token was revoked (the app was reinstalled or removed); install the app again and update the token',
  token_expired: 'the token expired (token rotation is on); give a fresh token',
  account_inactive: 'the token belongs to a deactivated user or workspace; install the app again',
  channel_not_found: 'the channel does not exist or the app cannot see it: use the channel ID (C…), and invite the app to a private channel',
};

async function probeSlackApi(destination: DestinationOf<'slack-api'>, context: DestinationCheckContext): Promise<ProbeOutcome> {
  const loaded = await import('@slack/web-api');
  const { WebClient } = loaded.WebClient === undefined ? (loaded as unknown as { default: typeof loaded }).default : loaded;
  const client = new WebClient(context.secrets.token, {
    ...(destination.apiUrl === undefined ? {} : { slackApiUrl: destination.apiUrl }),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: context.timeoutMs,
    logLevel: loaded.LogLevel?.ERROR ?? ('error' as never),
    logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => 'error' as never, setName() {} },
  });
  const slackError = (error: unknown): string => {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code !== undefined) return `${code}: ${ownEntry(SLACK_API_FIXES, code) ?? 'see https://docs.slack.dev/reference/methods'}`;
    return `no answer from Slack (${(error as { code?: string }).code ?? (error as Error).name}); check apiUrl and this host's network`;
  };
  let who: string;
  try {
    const auth = await client.auth.test();
    who = `token valid for ${auth.team ?? 'the workspace'} as ${auth.user ?? 'the app'}`;
  } catch (error) {
    return bad(`auth.test: ${slackError(error)}`);
  }
  try {
    const info = await client.conversations.info({ channel: destination.channel });
    const channel = info.channel as { name?: string; is_archived?: boolean; is_member?: boolean; is_private?: boolean } | undefined;
    const name = channel?.name === undefined ? destination.channel : `#${channel.name}`;
    if (channel?.is_archived === true) return bad(`${who}; channel ${name} is archived: unarchive it or point destinations[].channel at another`);
    if (channel?.is_member === false) return bad(`${who}; the app is not in ${name}: /invite it there (or give it chat:write.public for public channels)`);
    return ok(`${who}; channel ${name} found${channel?.is_member === true ? ', the app is a member' : ''} (nothing was posted)`);
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    // Posting needs chat:write only; reading a channel needs channels:read / groups:read, which the app may lack.
    if (code === 'missing_scope') return ok(`${who}; channel ${destination.channel} not checked: the app lacks channels:read (not needed to post)`);
    return bad(`${who}; conversations.info ${destination.channel}: ${slackError(error)}`);
  }
}

async function probeSnsTopic(destination: DestinationOf<'sns'>, context: DestinationCheckContext): Promise<ProbeOutcome> {
  const region = destination.topicArn.split(':')[3] ?? '';
  const { SNSClient, GetTopicAttributesCommand } = await import('@aws-sdk/client-sns');
  const client = new SNSClient({ region, maxAttempts: 2, requestHandler: { requestTimeout: context.timeoutMs, connectionTimeout: context.timeoutMs } });
  try {
    const out = await client.send(new GetTopicAttributesCommand({ TopicArn: destination.topicArn }));
    const confirmed = Number(out.Attributes?.SubscriptionsConfirmed ?? '0');
    if (confirmed === 0) {
      return bad(`topic ${destination.topicArn} exists but has no confirmed subscription: nobody receives what is published; subscribe an address and confirm it`);
    }
    return ok(`topic ${destination.topicArn} exists, ${confirmed} confirmed subscription(s) (nothing was published)`);
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (/NotFound/.test(name)) return bad(`topic ${destination.topicArn} does not exist: create it or fix topicArn`);
    if (isCredentialsProblem(error)) return bad(`no usable AWS credentials (${awsErrorText(error)}): configure them (AWS_PROFILE, environment, instance role)`);
    if (isAccessDenied(error)) return bad(`these credentials may not sns:GetTopicAttributes on ${destination.topicArn} (${awsErrorText(error)}); the notifier itself needs sns:Publish`);
    return bad(`GetTopicAttributes ${destination.topicArn}: ${awsErrorText(error)}`);
  } finally {
    client.destroy();
  }
}

async function probeTeamsWorkflow(_destination: DestinationOf<'teams-workflow'>, context: DestinationCheckContext): Promise<ProbeOutcome> {
  const url = context.secrets.url ?? '';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return bad('the url is not a URL: copy the HTTP POST URL from the workflow\'s "When a Teams webhook request is received" trigger');
  }
  const shown = redactWorkflowUrl(url);
  if (/(^|\.)webhook\.office\.com$/i.test(parsed.hostname)) {
    return bad(`${shown} is an Office 365 connector URL, retired in 2026: create a Workflows flow and use its URL (docs/microsoft-teams.md)`);
  }
  if (parsed.protocol !== 'https:') return bad(`${shown} is not https: copy the URL from the workflow's trigger`);
  if (!parsed.searchParams.has('sig')) return bad(`${shown} has no sig parameter: copy the whole URL from the workflow's trigger`);
  return ok(`${shown} looks like a Workflows URL; a Workflows URL cannot be validated without posting, so nothing was sent (check the flow's run history after the first message)`);
}

/**
 * A routing key is an integration's 32-character key (PagerDuty "Send an Alert Event": "the 32 character Integration
 * Key"); its shape is checked, never its validity: the Events API has no call that checks a key without opening an
 * alert, so nothing is sent. The key itself is never printed.
 */
async function probePagerDuty(destination: DestinationOf<'pagerduty'>, context: DestinationCheckContext): Promise<ProbeOutcome> {
  const key = context.secrets.routingKey ?? '';
  if (!/^[A-Za-z0-9]{32}$/.test(key)) {
    return bad(`the routing key is ${key.length} characters, not the 32 letters and digits of an Events API v2 integration key: copy the Integration Key from the service's Events API v2 integration`);
  }
  if (destination.apiUrl !== undefined && !destination.apiUrl.startsWith('https://')) return bad(`apiUrl ${destination.apiUrl} is not https: use https://events.pagerduty.com or https://events.eu.pagerduty.com`);
  const webhook = destination.webhookSecret === undefined ? '; no webhookSecret: acknowledgements made in PagerDuty are not heard' : '; webhook secret set';
  return ok(`routing key has the shape of an integration key${webhook}. Whether PagerDuty accepts it cannot be checked without opening an alert, so none was sent`);
}

/** The nearest existing directory of `path`, and whether this process may create files in it. */
function writableDirectory(path: string): boolean {
  let dir = dirname(resolve(path));
  for (let i = 0; i < 100 && !existsSync(dir); i++) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function probeFile(destination: DestinationOf<'file'>): Promise<ProbeOutcome> {
  if (existsSync(destination.path)) {
    try {
      accessSync(destination.path, constants.W_OK);
      return ok(`${destination.path} is writable`);
    } catch {
      return bad(`${destination.path} exists but this user may not write to it: fix its permissions or choose another path`);
    }
  }
  return writableDirectory(destination.path)
    ? ok(`${destination.path} will be created on the first message`)
    : bad(`${destination.path} cannot be created here (directory not writable): fix the permissions or choose another path`);
}

/**
 * The table: one entry per destination type. `satisfies` keeps it exhaustive: a type added to the config schema
 * without an entry here does not compile.
 */
export const DESTINATION_CHECKS = {
  'slack-webhook': { secrets: ['url'], probe: probeSlackWebhook },
  'slack-api': { secrets: ['token'], probe: probeSlackApi },
  // A Workflows trigger has no call that checks it without running the flow, and a run posts into the channel
  // (docs/microsoft-teams.md): only the URL's shape is checked here, and nothing is sent.
  'teams-workflow': { secrets: ['url'], probe: probeTeamsWorkflow },
  sns: { secrets: [], probe: probeSnsTopic },
  // The Events API v2 has no call that checks a routing key without opening an alert
  // (https://developer.pagerduty.com/docs/events-api-v2/overview/): only that the key is set is known here.
  pagerduty: {
    secrets: ['routingKey', 'webhookSecret'],
    probe: probePagerDuty,
  },
  stdout: { secrets: [], probe: async () => ok('prints each message on standard output') },
  file: { secrets: [], probe: probeFile },
} satisfies { [T in DestinationType]: DestinationCheck<T> };

/** Runs the entry of `destination.type`. */
export function probeDestination(destination: DestinationConfig, context: DestinationCheckContext): Promise<ProbeOutcome> {
  const entry = DESTINATION_CHECKS[destination.type] as DestinationCheck<DestinationType>;
  return entry.probe(destination as never, context);
}

/** The keys of `destination` that hold secrets. */
export function destinationSecretKeys(destination: DestinationConfig): readonly string[] {
  return (DESTINATION_CHECKS[destination.type] as DestinationCheck<DestinationType>).secrets;
}
