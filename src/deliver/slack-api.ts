import { slackOf, threadOfMessage } from '../core/message.js';
import type { Logger as SlackLogger } from '@slack/web-api';

/**
 * `@slack/web-api` is loaded on first use, not at import: it brings axios and friends (~300 KB), which the Lambda
 * bundle should only load when a slack-api destination is configured. Its error codes are mirrored here for the
 * same reason (values from @slack/web-api's `ErrorCode` enum).
 */
const ErrorCode = {
  RequestError: 'slack_webapi_request_error',
  HTTPError: 'slack_webapi_http_error',
  PlatformError: 'slack_webapi_platform_error',
  RateLimitedError: 'slack_webapi_rate_limited_error',
} as const;
import { DeliveryError, missingPayloadError } from './errors.js';
import { scrubError, scrubText } from './redact.js';
import { ownEntry } from '../core/own-entry.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/**
 * chat.postMessage "generally allows posting one message per second per channel, while also maintaining a
 * workspace-wide limit" (https://docs.slack.dev/apis/web-api/rate-limits, "Special Tier"). One destination is one channel.
 */
export const SLACK_API_DEFAULT_RATE = { perSecond: 1, burst: 3 } as const;

export const SLACK_API_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * chat.postMessage errors Slack documents as transient ("likely due to a transient issue on our end";
 * https://docs.slack.dev/reference/methods/chat.postMessage, "Errors"). Every other error code is about the token, the
 * channel or the message, and sending the same message again cannot fix it.
 */
export const SLACK_API_RETRYABLE_ERRORS = [
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
] as const;

/** What an operator should do about the permanent errors we expect. */
export const SLACK_API_ERROR_HINTS: Record<string, string> = {
  not_authed: 'no token was sent; set the destination\'s token',
  invalid_auth: 'the bot token is not valid; check the secret',
  account_inactive: 'the bot token belongs to a deleted user or workspace; reinstall the app',
  token_revoked: 'the bot token was revoked; reinstall the app and update the secret',
  token_expired: 'the bot token expired; rotate it and update the secret',
  missing_scope: 'the app lacks the chat:write scope; add it and reinstall',
  channel_not_found: 'the channel does not exist or the bot cannot see it; check the channel id',
  not_in_channel: 'the bot is not a member of the channel; /invite it',
  is_archived: 'the channel is archived; unarchive it or choose another channel',
  restricted_action: 'a workspace admin restricted posting in this channel',
  invalid_blocks: 'the message breaks a Block Kit limit; this is a bug in the renderer, please report it',
  invalid_blocks_format: 'the message\'s blocks are malformed; this is a bug in the renderer, please report it',
  msg_too_long: 'the message text is too long; this is a bug in the renderer, please report it',
  msg_blocks_too_long: 'the message blocks are too long; this is a bug in the renderer, please report it',
  no_text: 'the message has no text; this is a bug in the renderer, please report it',
  too_many_attachments: 'the message has too many attachments; this is a bug in the renderer, please report it',
};

/** The part of WebClient this sink uses: tests may pass a fake, production gets the real client. */
export interface SlackApiClient {
  chat: {
    postMessage(args: Record<string, unknown>): Promise<{ ok?: boolean; ts?: string; channel?: string; error?: string }>;
  };
}

export interface SlackApiSinkOptions {
  name: string;
  /** Bot token (xoxb-…): a secret, never logged. */
  token: string;
  /** Channel id (C…) or name. */
  channel: string;
  /** Base URL of the Web API, e.g. the stand-in's `http://127.0.0.1:PORT/api/`. Default Slack's. */
  apiUrl?: string;
  /** Per call; a timeout is retryable. */
  timeoutMs?: number;
  rate?: { perSecond: number; burst: number };
  /** Replaces the WebClient (then `apiUrl`/`timeoutMs` are unused). */
  client?: SlackApiClient;
}

/** Kinds that continue a finding's thread when there is one. */
const THREAD_REPLY_KINDS = new Set(['repeat', 'reminder', 'escalated', 'escalation', 'lifecycle']);

/**
 * A sink that posts with a bot token through `chat.postMessage`, so that later messages about a finding go into the
 * first message's thread:
 * - `new`, `digest`: top-level; the returned `ts` becomes the finding's thread;
 * - `repeat`, `reminder` with a `threadTs`: a reply in the thread;
 * - `escalated` with a `threadTs`: a reply also broadcast to the channel (`reply_broadcast`), since a rise in
 *   severity deserves the channel's eyes; so is an `escalation` (nobody acknowledged: its mentions must be seen);
 * - `lifecycle` (acknowledged, archived elsewhere) with a `threadTs`: a reply in the thread;
 * - anything without a `threadTs`: top-level.
 * WebClient's own retries and rate-limit queueing are off: the outbox drainer owns timing.
 *
 * @example
 * const sink = createSlackApiSink({ name: 'sec', token: process.env.SLACK_BOT_TOKEN!, channel: 'C0123456' });
 * const { ts } = await sink.send({ ...outgoing, kind: 'new' });
 */
export function createSlackApiSink(options: SlackApiSinkOptions): Sink & { readonly threads: true } {
  const { name, token, channel } = options;
  const secrets: Array<[string, string]> = [[token, 'xox*-***']];
  let clientPromise: Promise<SlackApiClient> | undefined = options.client ? Promise.resolve(options.client) : undefined;
  const getClient = (): Promise<SlackApiClient> =>
    (clientPromise ??= import('@slack/web-api').then(
      (loaded) => {
        // @slack/web-api is CommonJS: Node's own loader gives its named exports, but in the Lambda bundle it is a lazily
        // loaded esbuild chunk whose namespace holds only `default` (module.exports). Either way, take the exports.
        const { WebClient: Client, LogLevel } = loaded.WebClient === undefined ? (loaded as unknown as { default: typeof loaded }).default : loaded;
        return new Client(token, {
          ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
          retryConfig: { retries: 0 },
          rejectRateLimitedCalls: true,
          timeout: options.timeoutMs ?? SLACK_API_DEFAULT_TIMEOUT_MS,
          // WebClient logs request failures on its own; ours are structured and scrubbed, so keep it quiet.
          logger: silentSlackLogger(),
          logLevel: LogLevel.ERROR,
        }) as unknown as SlackApiClient;
      },
    ));
  const where = `Slack channel ${channel} ("${name}")`;

  async function send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }): Promise<SendResult> {
    sendOptions?.signal?.throwIfAborted();
    const args = postMessageArgs(message, channel);
    let result: Awaited<ReturnType<SlackApiClient['chat']['postMessage']>>;
    try {
      const client = await getClient();
      result = await abortable(client.chat.postMessage(args), sendOptions?.signal);
    } catch (error) {
      throw toDeliveryError(error, where, secrets);
    }
    if (result.ok === false) {
      // A fake client may resolve instead of throwing; treat it like WebClient's platform error.
      throw platformError(result.error, where, undefined);
    }
    return result.ts === undefined ? {} : { ts: result.ts };
  }

  return {
    name,
    type: 'slack-api',
    threads: true,
    rate: options.rate ?? { ...SLACK_API_DEFAULT_RATE },
    send,
    describe: () => `slack-api "${name}" channel ${channel}`,
  };
}

/** chat.postMessage arguments for one outbox message. Never `link_names` (attacker text must not become mentions). */
export function postMessageArgs(message: OutgoingMessage, channel: string): Record<string, unknown> {
  const payload = slackOf(message.message);
  if (payload === undefined) throw missingPayloadError(`Slack channel ${channel}`, 'Slack', message.id);
  const slack = { ...payload } as Record<string, unknown>;
  delete slack['link_names'];
  const args: Record<string, unknown> = { ...slack, channel };
  // A message that belongs to another finding's thread (an attack sequence's signal) goes there whatever its kind.
  if (message.threadTs !== undefined && (THREAD_REPLY_KINDS.has(message.kind) || threadOfMessage(message.message) !== undefined)) {
    args['thread_ts'] = message.threadTs;
    if (message.kind === 'escalated' || message.kind === 'escalation') args['reply_broadcast'] = true;
  }
  return args;
}

function toDeliveryError(error: unknown, where: string, secrets: Array<[string, string]>): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const cause = scrubError(error, secrets);
  const e = error as { code?: unknown; data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } }; retryAfter?: unknown; statusCode?: unknown };
  switch (e.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = typeof e.retryAfter === 'number' ? e.retryAfter : undefined;
      return new DeliveryError(`${where} is rate limited${seconds === undefined ? '' : ` (retry after ${seconds} s)`}; will retry`, {
        retryable: true,
        status: 429,
        code: 'ratelimited',
        ...(seconds === undefined ? {} : { retryAfterMs: seconds * 1000 }),
        cause,
      });
    }
    case ErrorCode.PlatformError: {
      const retryAfter = e.data?.response_metadata?.retryAfter;
      // WebClient's own message repeats the server's `error` text ("An API error occurred: …"): not kept, see below.
      const code = slackErrorCode(e.data?.error);
      const safeCause = new Error(`An API error occurred: ${code}`);
      safeCause.name = cause.name;
      return platformError(code, where, safeCause, typeof retryAfter === 'number' ? retryAfter * 1000 : undefined);
    }
    case ErrorCode.HTTPError: {
      const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
      // "Slack's Web API doesn't use meaningful status codes besides 429 and 200": 5xx is Slack's trouble, the rest odd.
      const retryable = status === undefined || status >= 500 || status === 408;
      return new DeliveryError(`${where} answered HTTP ${status ?? '?'}${retryable ? '; will retry' : ''}`, {
        retryable,
        code: `http_${status ?? 'error'}`,
        ...(status === undefined ? {} : { status }),
        cause,
      });
    }
    case ErrorCode.RequestError:
    default: {
      if (cause.name === 'AbortError') {
        return new DeliveryError(`Sending to ${where} was cancelled; the message stays queued`, { retryable: true, code: 'aborted', cause });
      }
      // axios (inside WebClient) reports its own timeout as a request error: name it, because a timed-out request
      // may have reached Slack (at-least-once: its retry can be a second copy), unlike a refused connection.
      if (/\btimeout\b/i.test(cause.message) || (cause as { code?: unknown }).code === 'ECONNABORTED') {
        return new DeliveryError(`${where} did not answer in time; will retry`, { retryable: true, code: 'timeout', cause });
      }
      return new DeliveryError(`Could not reach ${where}: ${scrubText(cause.message, secrets)}; will retry`, {
        retryable: true,
        code: 'network_error',
        cause,
      });
    }
  }
}

/**
 * Slack's error codes are lower-case words joined by `_` (`channel_not_found`,
 * https://docs.slack.dev/reference/methods/chat.postMessage "Errors"). The `error` field is the server's text,
 * though, and a misbehaving endpoint or proxy can put anything there, the bot token included: anything that is not
 * such a code is never repeated (not in messages, `lastError`, `status` or logs) and becomes `unknown_error`.
 */
const SLACK_ERROR_CODE = /^[a-z_]{1,64}$/;

function slackErrorCode(value: unknown): string {
  return typeof value === 'string' && SLACK_ERROR_CODE.test(value) ? value : 'unknown_error';
}

function platformError(rawCode: unknown, where: string, cause: Error | undefined, retryAfterMs?: number): DeliveryError {
  const code = slackErrorCode(rawCode);
  const retryable = (SLACK_API_RETRYABLE_ERRORS as readonly string[]).includes(code);
  const hint =
    code === 'unknown_error' ? 'the service answered an error that is not a Slack error code (not shown); check apiUrl and any proxy' : ownEntry(SLACK_API_ERROR_HINTS, code);
  const text = retryable
    ? `${where} answered ${code}; will retry`
    : `${where} rejected the message: ${code}${hint === undefined ? '' : `: ${hint}`}`;
  return new DeliveryError(text, {
    retryable,
    code,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** WebClient takes no AbortSignal per call; stop waiting for it when ours fires (its own timeout still ends the request). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      const error = new Error('The operation was aborted');
      error.name = 'AbortError';
      reject(error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function silentSlackLogger(): SlackLogger {
  let level = 'error' as ReturnType<SlackLogger['getLevel']>;
  return {
    debug() {},
    info() {},
    warn() {},
    error() {},
    setLevel(next) {
      level = next;
    },
    getLevel() {
      return level;
    },
    setName() {},
  };
}
