import { slackOf } from '../core/message.js';
import { DeliveryError, missingPayloadError } from './errors.js';
import { redactWebhookUrl, scrubError, scrubText, webhookUrlSecrets } from './redact.js';
import { parseRetryAfter } from './retry-after.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/**
 * Slack incoming webhook: "about 1 message per second per webhook, short bursts allowed"
 * (https://docs.slack.dev/apis/web-api/rate-limits, "Incoming webhooks": 1 per second, short bursts >1 allowed).
 */
export const SLACK_WEBHOOK_DEFAULT_RATE = { perSecond: 1, burst: 3 } as const;

/** Long enough for a slow Slack, short enough that a hung connection does not eat a Lambda's whole budget. */
export const SLACK_WEBHOOK_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The plain-text errors an incoming webhook answers with, and what the operator should do about each.
 * Sources: https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks ("Handling errors") and
 * https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks (400 invalid_payload,
 * 403 action_prohibited, 404 channel_not_found, 410 channel_is_archived, 500 rollup_error).
 * All of them are permanent: sending the same message to the same URL again cannot succeed.
 */
export const SLACK_WEBHOOK_ERRORS = {
  invalid_payload: 'Slack could not parse the message; this is a bug in the renderer, please report it',
  invalid_blocks: 'the message breaks a Block Kit limit; this is a bug in the renderer, please report it',
  too_many_attachments: 'the message has too many attachments; this is a bug in the renderer, please report it',
  user_not_found: 'the user the webhook posts to no longer exists; create a new webhook',
  action_prohibited: 'a workspace admin restricted posting from this webhook; ask them or use another channel',
  posting_to_general_channel_denied: 'only admins may post to this channel; choose another channel for the webhook',
  channel_not_found: 'the webhook\'s channel no longer exists; create a new webhook for an existing channel',
  channel_is_archived: 'the webhook\'s channel is archived; unarchive it or create a webhook for another channel',
  no_service: 'the webhook was removed or its app uninstalled; create a new webhook and update the secret',
  no_service_id: 'the webhook URL is incomplete; copy it again from the Slack app settings',
  no_team: 'the workspace in the webhook URL does not exist; copy the URL again',
  team_disabled: 'the Slack workspace is disabled',
  invalid_token: 'the webhook URL\'s secret is wrong or was revoked; create a new webhook',
} as const satisfies Record<string, string>;

export interface SlackWebhookSinkOptions {
  /** Destination name from the config. */
  name: string;
  /** The webhook URL: a secret, never logged. */
  url: string;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Per attempt; a timeout is retryable. */
  timeoutMs?: number;
  rate?: { perSecond: number; burst: number };
}

/**
 * A sink that posts one rendered Slack message to an incoming webhook.
 *
 * A timeout after Slack received the request can make a retry post the message twice; we accept that
 * (at-least-once) over losing a finding.
 *
 * @example
 * const sink = createSlackWebhookSink({ name: 'sec', url: process.env.SLACK_WEBHOOK_URL! });
 * await sink.send(outgoing); // throws DeliveryError { retryable, status, code }
 */
export function createSlackWebhookSink(options: SlackWebhookSinkOptions): Sink {
  const { name, url } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? SLACK_WEBHOOK_DEFAULT_TIMEOUT_MS;
  const rate = options.rate ?? { ...SLACK_WEBHOOK_DEFAULT_RATE };
  const secrets = webhookUrlSecrets(url);
  const safeUrl = redactWebhookUrl(url);
  const where = `Slack webhook "${name}" (${safeUrl})`;

  async function send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }): Promise<SendResult> {
    const body = JSON.stringify(webhookPayload(message));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = sendOptions?.signal === undefined ? timeout : AbortSignal.any([timeout, sendOptions.signal]);

    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal,
        redirect: 'error',
      });
    } catch (error) {
      const cause = scrubError(error, secrets);
      if (timeout.aborted) {
        throw new DeliveryError(`${where} did not answer within ${timeoutMs} ms; will retry`, { retryable: true, code: 'timeout', cause });
      }
      if (sendOptions?.signal?.aborted) {
        throw new DeliveryError(`Sending to ${where} was cancelled; the message stays queued`, { retryable: true, code: 'aborted', cause });
      }
      throw new DeliveryError(`Could not reach ${where}: ${describeNetworkError(cause)}; will retry`, {
        retryable: true,
        code: networkCode(cause),
        cause,
      });
    }

    const text = await readBodyText(response);
    if (response.ok) return {};

    const status = response.status;
    const slackCode = /^[a-z_]{1,64}$/.test(text) ? text : undefined;
    const shown = slackCode ?? (text === '' ? '(empty body)' : JSON.stringify(scrubText(text.slice(0, 200), secrets)));

    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new DeliveryError(
        `${where} is rate limited (429${retryAfterMs === undefined ? '' : `, retry after ${retryAfterMs} ms`}); will retry`,
        { retryable: true, status, code: slackCode ?? 'rate_limited', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      );
    }
    // 5xx (Slack's rollup_error included) and 408 are the server's trouble, not the message's.
    if (status >= 500 || status === 408) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new DeliveryError(`${where} answered ${status} ${shown}; will retry`, {
        retryable: true,
        status,
        code: slackCode ?? `http_${status}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    const hint = slackCode !== undefined && Object.hasOwn(SLACK_WEBHOOK_ERRORS, slackCode)
      ? SLACK_WEBHOOK_ERRORS[slackCode as keyof typeof SLACK_WEBHOOK_ERRORS]
      : 'check the webhook URL and the message';
    throw new DeliveryError(`${where} rejected the message: ${status} ${shown}: ${hint}`, {
      retryable: false,
      status,
      code: slackCode ?? `http_${status}`,
    });
  }

  return {
    name,
    type: 'slack-webhook',
    rate,
    send,
    describe: () => `slack-webhook "${name}" ${safeUrl}`,
  };
}

/**
 * The JSON body: the rendered Slack message as is, minus `link_names` should anything ever put it there: with it,
 * Slack turns `@here`/`#channel` written by an attacker into real mentions (see DESIGN.md, "mrkdwn").
 */
export function webhookPayload(message: OutgoingMessage): Record<string, unknown> {
  const slack = slackOf(message.message);
  if (slack === undefined) throw missingPayloadError('a Slack webhook', 'Slack', message.id);
  const payload: Record<string, unknown> = { ...slack };
  delete payload['link_names'];
  return payload;
}

/** Reads at most ~4 KB of the answer; Slack's answers are one word, anything longer is a proxy's page. */
async function readBodyText(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.slice(0, 4096).trim();
  } catch {
    return '';
  }
}

/** The first `code` down an error's cause chain (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, …). */
export function networkCode(error: Error): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    current = current.cause;
  }
  return 'network_error';
}

function describeNetworkError(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    parts.push(current.message);
    current = current.cause;
  }
  return parts.join(': ');
}
