import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';
import { blockActionsPayload, formBody, signSlackBody, type ClickUser, type SignedRequest } from './slack-interactions.js';

/**
 * A local stand-in for Slack on 127.0.0.1 that speaks the real wire protocols our sinks use:
 * - incoming webhooks: `POST /services/T…/B…/<secret>` with a JSON body (or form `payload=`), answering `ok` or a
 *   plain-text error with Slack's status codes;
 * - Web API `POST /api/chat.postMessage` (form or JSON body, bearer token), answering `{ ok, … }` JSON;
 * - Slack-like rate limits (token bucket per webhook / per channel, 429 + `Retry-After` seconds);
 * - Block Kit limit checks (so a renderer bug shows up as Slack's `invalid_blocks`, not as a surprise in production);
 * - fault injection (429, 5xx, connection reset, slow, hang) by queue or by function;
 * - a record of every accepted message and of every attempt;
 * - the interaction side (test/support/slack-interactions.ts has the wire details): `click()` builds the signed
 *   `block_actions` request Slack would send for a button or menu of a message it received and posts it to the app's
 *   Request URL (`setInteractionUrl`); it accepts `chat.update`, `usergroups.users.list` (`setUserGroup`) and posts to
 *   each click's `response_url` (at most 5 within 30 minutes, then `used_url` / `expired_url`), and updates the
 *   received message in place, so the next click sees the new buttons;
 * - the read-only calls `doctor` makes: `auth.test` (the token) and `conversations.info` (a channel: `failChannel(c,
 *   'is_archived' | 'not_in_channel' | 'channel_not_found' | 'missing_scope')` shapes its answer).
 *
 * Sources for the behaviour:
 * - webhook errors and statuses: https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks
 *   (400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410 channel_is_archived) and
 *   https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks (no_service, no_team, team_disabled, …);
 * - rate limits: https://docs.slack.dev/apis/web-api/rate-limits (webhooks and chat.postMessage: about 1 per second,
 *   short bursts allowed; over it HTTP 429 with `Retry-After` in seconds; Web API body `{"ok":false,"error":"ratelimited"}`);
 * - Block Kit limits: https://docs.slack.dev/reference/block-kit/blocks (50 blocks; section text 3000, 10 fields of
 *   2000; header 150 plain_text; actions 25 elements; context 10 elements; block_id 255, unique) and
 *   https://docs.slack.dev/reference/block-kit/block-elements/button-element (text 75, value 2000, url 3000, action_id 255);
 * - chat.update: https://docs.slack.dev/reference/methods/chat.update (message_not_found, cant_update_message for a
 *   message the token did not post — here: any webhook message — blocks/attachments replaced when given);
 * - usergroups.users.list: https://docs.slack.dev/reference/methods/usergroups.users.list (`users`, no_such_subteam);
 * - chat.postMessage: https://docs.slack.dev/reference/methods/chat.postMessage (errors not_authed, invalid_auth,
 *   channel_not_found, is_archived, not_in_channel, no_text, msg_too_long, invalid_blocks; `ts` of the message;
 *   `thread_ts` + `reply_broadcast`; text is truncated at 40,000 characters, we reject above it as msg_too_long).
 *
 * @example
 * const slack = await startSlackStandin({ webhookRate: { perSecond: 500, burst: 50 } });
 * const url = slack.webhookUrl('sec');
 * slack.failNext(fault.rateLimited(1), fault.status(500));
 * // … send …
 * expect(slack.receivedOn('sec')).toHaveLength(1);
 * await slack.close();
 */

/** What one request should suffer before (or instead of) normal handling. */
export type SlackFault =
  /** 429 with `Retry-After: <seconds>` (default 1); Web API also answers `{ok:false,error:'ratelimited'}`. */
  | { type: 'ratelimit'; retryAfter?: number }
  /** This status with this body (default: Slack-like text / JSON error). */
  | { type: 'status'; status: number; body?: string }
  /** The socket is destroyed without an answer (client sees ECONNRESET / "other side closed"). */
  | { type: 'reset' }
  /** Wait this long, then handle normally. */
  | { type: 'slow'; ms: number }
  /** Never answer (until the client gives up or the stand-in closes). */
  | { type: 'hang' }
  /** Handle normally (useful in fault functions and queues). */
  | { type: 'pass' };

export const fault = {
  rateLimited: (retryAfter = 1): SlackFault => ({ type: 'ratelimit', retryAfter }),
  status: (status: number, body?: string): SlackFault => (body === undefined ? { type: 'status', status } : { type: 'status', status, body }),
  reset: (): SlackFault => ({ type: 'reset' }),
  slow: (ms: number): SlackFault => ({ type: 'slow', ms }),
  hang: (): SlackFault => ({ type: 'hang' }),
  pass: (): SlackFault => ({ type: 'pass' }),
} as const;

/** Errors a webhook can be configured to answer with, and Slack's status for each. */
export const WEBHOOK_ERROR_STATUS = {
  invalid_payload: 400,
  invalid_blocks: 400,
  too_many_attachments: 400,
  no_service_id: 400,
  user_not_found: 400,
  action_prohibited: 403,
  posting_to_general_channel_denied: 403,
  invalid_token: 403,
  no_service: 404,
  channel_not_found: 404,
  no_team: 404,
  team_disabled: 404,
  channel_is_archived: 410,
  rollup_error: 500,
} as const;
export type WebhookErrorName = keyof typeof WEBHOOK_ERROR_STATUS;

/** Block Kit limits the stand-in enforces (the same numbers the renderer must respect). */
export const BLOCK_KIT_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  /** static_select: https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element */
  selectPlaceholder: 150,
  selectOptions: 100,
  /** Option object: https://docs.slack.dev/reference/block-kit/composition-objects/option-object */
  optionText: 75,
  optionValue: 150,
  attachmentsPerMessage: 100,
  /** chat.postMessage: "truncates text … to 40,000 characters". */
  messageText: 40_000,
} as const;

export interface RequestInfo {
  /** 0-based index of this request among all requests the stand-in got. */
  index: number;
  kind: 'webhook' | 'api' | 'response_url' | 'other';
  path: string;
  /** Webhook name given to `webhookUrl(name)`, if any. */
  webhook?: string;
  /** Web API `channel` argument, when the body could be read. */
  channel?: string;
}

export interface ReceivedMessage {
  /** Request path (the webhook path includes its secret: this is a test double). */
  path: string;
  /** The parsed message (Web API: arguments without `token`, `blocks`/`attachments` decoded from form JSON). */
  body: Record<string, unknown>;
  /** Stand-in clock when accepted. */
  at: number;
  kind: 'webhook' | 'api';
  webhook?: string;
  channel?: string;
  /** Web API: the `ts` returned. */
  ts?: string;
  threadTs?: string;
  replyBroadcast?: boolean;
}

export interface Attempt {
  index: number;
  path: string;
  kind: RequestInfo['kind'];
  at: number;
  webhook?: string;
  channel?: string;
  /** `ok`, a Slack error code (`invalid_blocks`, `ratelimited`, …) or `fault:<type>`. */
  outcome: string;
  /** HTTP status answered (absent for reset/hang). */
  status?: number;
  /** Why it was rejected, for test failure messages (e.g. "blocks[3].text.text is 3001 characters, max 3000"). */
  detail?: string;
}

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface SlackStandinOptions {
  /** Per webhook. Default 1/s with a burst of 5 (Slack: ~1/s, short bursts). `false` turns it off. */
  webhookRate?: RateLimit | false;
  /** Per channel for chat.postMessage. Default 1/s, burst 5. `false` turns it off. */
  channelRate?: RateLimit | false;
  /** The valid bot token. Default `xoxb-standin-token`. */
  token?: string;
  /** Known channels; when given, any other channel answers `channel_not_found`. */
  channels?: readonly string[];
  /** Answer `no_service` for webhook paths not made by `webhookUrl()`. Default false (any `/services/T…/B…/…` works). */
  strictWebhooks?: boolean;
  /** The app's signing secret `click()` signs with. Default `standin-signing-secret`. */
  signingSecret?: string;
  /** Clock for rate limits, `at` and `ts`. Default Date.now. */
  now?: () => number;
}

export interface SlackStandin {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/api/`: pass as WebClient `slackApiUrl`. */
  readonly apiUrl: string;
  readonly token: string;
  /** Accepted messages, in order. */
  readonly received: readonly ReceivedMessage[];
  /** Every request, in order. */
  readonly attempts: readonly Attempt[];
  /** A webhook URL; the same name gives the same URL. `error` makes it answer that Slack error (e.g. `channel_is_archived`). */
  webhookUrl(name?: string, options?: { error?: WebhookErrorName }): string;
  /** Makes a webhook (by name or URL) answer a Slack error from now on, or work again with `undefined`. */
  failWebhook(nameOrUrl: string, error: WebhookErrorName | undefined): void;
  /** Makes chat.postMessage to a channel answer this error (`is_archived`, `not_in_channel`, …) or work again. */
  failChannel(channel: string, error: string | undefined): void;
  /** Queues faults: each request takes the next one (before the fault function is asked). */
  failNext(...faults: SlackFault[]): void;
  /** Decides a fault per request (after the queue is empty); `undefined` = handle normally. */
  setFaults(decide: ((request: RequestInfo) => SlackFault | undefined) | undefined): void;
  /** Messages accepted on a webhook (by name or URL) or a channel. */
  receivedOn(target: string): ReceivedMessage[];
  /** Resolves when `predicate(received)` holds; rejects after `timeoutMs` (default 5 s). */
  waitFor(predicate: (received: readonly ReceivedMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  /** The app's signing secret (what `click()` signs with). */
  readonly signingSecret: string;
  /** Every click sent, in order. */
  readonly clicks: readonly ClickRecord[];
  /** Every accepted message update (chat.update and response_url `replace_original`), in order. */
  readonly updates: readonly MessageUpdate[];
  /** Every post to a response_url, accepted or not. */
  readonly responsePosts: readonly ResponseUrlPost[];
  /** Where clicks are posted: the app's interactivity Request URL (`http://127.0.0.1:PORT/slack/actions`). */
  setInteractionUrl(url: string): void;
  /** The members `usergroups.users.list` answers for `groupId` (S…); unknown groups answer `no_such_subteam`. */
  setUserGroup(groupId: string, userIds: readonly string[]): void;
  /**
   * Clicks the element `actionId` of `message` (a button, or an option of a menu) as `options.user`: builds the signed
   * block_actions request and posts it to the Request URL. Signing can be broken on purpose (wrong secret, old
   * timestamp, tampered body, no headers) to test refusals.
   */
  click(message: ReceivedMessage, actionId: string, options?: ClickOptions): Promise<ClickResult>;
  /** Sends a request again exactly as before (a replay). */
  send(request: SignedRequest): Promise<{ status: number; body: string }>;
  /** Clears records, queued and function faults, configured webhook/channel errors and rate-limit state (webhook URLs stay valid). */
  reset(): void;
  close(): Promise<void>;
}

export interface ClickOptions {
  /** Who clicks. Default `{ id: 'U0STANDIN1', name: 'dana' }`. */
  user?: ClickUser;
  /** static_select: the option to choose, by value or label (default the first). */
  option?: string;
  /** Sign with this secret instead of the app's (a forgery). */
  secret?: string;
  /** X-Slack-Request-Timestamp in seconds (default: the stand-in's clock). */
  timestamp?: number;
  /** Changes the body after signing (tampering). */
  tamper?: (body: string) => string;
  /** Send without the signing headers. */
  unsigned?: boolean;
}

export interface ClickResult {
  status: number;
  body: string;
  request: SignedRequest;
  /** The response_url minted for this click. */
  responseUrl: string;
}

export interface ClickRecord {
  index: number;
  actionId: string;
  user: ClickUser;
  message: ReceivedMessage;
  responseUrl: string;
  payload: Record<string, unknown>;
  status?: number;
}

export interface MessageUpdate {
  via: 'chat.update' | 'response_url';
  channel: string;
  ts: string;
  /** The message after the update. */
  body: Record<string, unknown>;
  at: number;
}

export interface ResponseUrlPost {
  /** Index of the click whose response_url it was. */
  click: number;
  body: Record<string, unknown>;
  at: number;
  /** `replaced`, `ephemeral`, `deleted`, `message`, or the error answered (`used_url`, `expired_url`, `invalid_blocks`, …). */
  outcome: string;
  status: number;
  /** For ephemeral posts: the user who sees it (the clicker). */
  visibleTo?: string;
}

/** "up to 5 times within 30 minutes" (https://docs.slack.dev/interactivity/handling-user-interaction). */
export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

const DEFAULT_RATE: RateLimit = { perSecond: 1, burst: 5 };
const MAX_BODY_BYTES = 1_000_000;
const WEBHOOK_PATH = /^\/services\/(T[A-Za-z0-9]+)\/(B[A-Za-z0-9]+)\/([A-Za-z0-9_-]+)\/?$/;

export async function startSlackStandin(options: SlackStandinOptions = {}): Promise<SlackStandin> {
  const now = options.now ?? Date.now;
  const token = options.token ?? 'xoxb-standin-token';
  const webhookRate = options.webhookRate === undefined ? DEFAULT_RATE : options.webhookRate;
  const channelRate = options.channelRate === undefined ? DEFAULT_RATE : options.channelRate;
  const knownChannels = options.channels === undefined ? undefined : new Set(options.channels);

  const received: ReceivedMessage[] = [];
  const attempts: Attempt[] = [];
  const faultQueue: SlackFault[] = [];
  let decideFault: ((request: RequestInfo) => SlackFault | undefined) | undefined;
  /** path → webhook name */
  const webhookNames = new Map<string, string>();
  /** name → path */
  const webhookPaths = new Map<string, string>();
  const webhookErrors = new Map<string, WebhookErrorName>();
  const channelErrors = new Map<string, string>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const timers = new Set<NodeJS.Timeout>();
  let requestIndex = 0;
  let lastTsMicros = 0;
  let hookCounter = 0;
  const signingSecret = options.signingSecret ?? 'standin-signing-secret';
  let interactionUrl: string | undefined;
  const userGroups = new Map<string, string[]>();
  const clicks: ClickRecord[] = [];
  const updates: MessageUpdate[] = [];
  const responsePosts: ResponseUrlPost[] = [];
  /** response_url path → the click it belongs to, its uses and when it was minted. */
  const responseUrls = new Map<string, { click: ClickRecord; uses: number; createdAt: number }>();
  /** Webhook messages have a ts and a channel in Slack even though the webhook's answer carries neither. */
  const placeOf = new Map<ReceivedMessage, { channel: string; ts: string }>();
  const webhookChannels = new Map<string, string>();

  /** Token bucket; returns 0 when allowed, else ms until a token is free. */
  function takeToken(key: string, rate: RateLimit): number {
    const at = now();
    const bucket = buckets.get(key) ?? { tokens: rate.burst, at };
    bucket.tokens = Math.min(rate.burst, bucket.tokens + ((at - bucket.at) * rate.perSecond) / 1000);
    bucket.at = at;
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / rate.perSecond);
  }

  function nextTs(): string {
    lastTsMicros = Math.max(lastTsMicros + 1, Math.floor(now() * 1000));
    return `${Math.floor(lastTsMicros / 1e6)}.${String(lastTsMicros % 1e6).padStart(6, '0')}`;
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const index = requestIndex++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const webhookMatch = WEBHOOK_PATH.exec(path);
    const kind: RequestInfo['kind'] = webhookMatch
      ? 'webhook'
      : path.startsWith('/api/')
        ? 'api'
        : path.startsWith('/actions/')
          ? 'response_url'
          : 'other';
    const raw = await readBody(req);
    const attempt: Attempt = { index, path, kind, at: now(), outcome: 'pending' };
    const webhook = webhookNames.get(path);
    if (webhook !== undefined) attempt.webhook = webhook;
    attempts.push(attempt);

    let apiArgs: Record<string, unknown> | undefined;
    if (kind === 'api') {
      apiArgs = parseApiBody(req.headers['content-type'], raw);
      if (typeof apiArgs?.['channel'] === 'string') attempt.channel = apiArgs['channel'];
    }

    const info: RequestInfo = { index, kind, path };
    if (attempt.webhook !== undefined) info.webhook = attempt.webhook;
    if (attempt.channel !== undefined) info.channel = attempt.channel;
    const injected = faultQueue.shift() ?? decideFault?.(info);

    if (injected !== undefined) {
      switch (injected.type) {
        case 'reset':
          attempt.outcome = 'fault:reset';
          req.socket.destroy();
          return;
        case 'hang':
          attempt.outcome = 'fault:hang';
          return; // Never answered; close() cuts the connection.
        case 'slow':
          await delay(injected.ms);
          if (res.destroyed || req.socket.destroyed) {
            attempt.outcome = 'fault:slow-abandoned';
            return;
          }
          break;
        case 'ratelimit': {
          const retryAfter = injected.retryAfter ?? 1;
          attempt.outcome = 'fault:ratelimit';
          attempt.status = 429;
          if (kind === 'api') sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
          else sendText(res, 429, 'rate_limited', { 'retry-after': String(retryAfter) });
          return;
        }
        case 'status':
          attempt.outcome = `fault:${injected.status}`;
          attempt.status = injected.status;
          if (kind === 'api') {
            if (injected.body !== undefined) sendText(res, injected.status, injected.body);
            else sendJson(res, injected.status, { ok: false, error: injected.status >= 500 ? 'internal_error' : 'invalid_request' });
          } else {
            sendText(res, injected.status, injected.body ?? (injected.status >= 500 ? 'rollup_error' : 'invalid_payload'));
          }
          return;
        case 'pass':
          break;
      }
    }

    if (kind === 'webhook') return handleWebhook(req, res, path, raw, attempt);
    if (kind === 'response_url') return handleResponseUrl(req, res, path, raw, attempt);
    if (kind === 'api') return handleApi(req, res, url, apiArgs, attempt);
    attempt.outcome = 'not_found';
    attempt.status = 404;
    sendText(res, 404, 'not_found');
  }

  function handleWebhook(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer, attempt: Attempt): void {
    const reject = (status: number, code: string, detail?: string): void => {
      attempt.outcome = code;
      attempt.status = status;
      if (detail !== undefined) attempt.detail = detail;
      sendText(res, status, code);
    };
    if (req.method !== 'POST') return reject(405, 'invalid_payload', `method ${req.method}`);
    const configured = webhookErrors.get(path);
    if (configured !== undefined) return reject(WEBHOOK_ERROR_STATUS[configured], configured);
    if (options.strictWebhooks === true && !webhookNames.has(path)) return reject(404, 'no_service');

    if (webhookRate !== false) {
      const waitMs = takeToken(`webhook:${path}`, webhookRate);
      if (waitMs > 0) {
        attempt.outcome = 'rate_limited';
        attempt.status = 429;
        sendText(res, 429, 'rate_limited', { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
        return;
      }
    }

    const body = parseWebhookBody(req.headers['content-type'], raw);
    if (body === undefined) return reject(400, 'invalid_payload', 'body is not a JSON object');
    if (!hasContent(body)) return reject(400, 'invalid_payload', 'no text, blocks or attachments');
    const problem = validateSlackMessage(body);
    if (problem !== undefined) return reject(400, problem.code, problem.detail);

    const message: ReceivedMessage = { path, body, at: now(), kind: 'webhook' };
    if (attempt.webhook !== undefined) message.webhook = attempt.webhook;
    received.push(message);
    attempt.outcome = 'ok';
    attempt.status = 200;
    sendText(res, 200, 'ok');
  }

  /**
   * Form-encoded calls carry `blocks` and `attachments` as JSON text (JSON bodies as arrays): parsed in place, as
   * Slack reads them. The key that is not JSON, if any.
   */
  function parseJsonArguments(args: Record<string, unknown>): 'blocks' | 'attachments' | undefined {
    for (const key of ['blocks', 'attachments'] as const) {
      const value = args[key];
      if (typeof value !== 'string') continue;
      try {
        args[key] = JSON.parse(value);
      } catch {
        return key;
      }
    }
    return undefined;
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, args: Record<string, unknown> | undefined, attempt: Attempt): void {
    const fail = (error: string, detail?: string, status = 200, headers: Record<string, string> = {}): void => {
      attempt.outcome = error;
      attempt.status = status;
      if (detail !== undefined) attempt.detail = detail;
      sendJson(res, status, { ok: false, error }, headers);
    };
    // "Slack's Web API doesn't use meaningful status codes besides 429 and 200": errors are 200 with ok:false.
    if (url.pathname === '/api/chat.update' || url.pathname === '/api/usergroups.users.list' || url.pathname === '/api/auth.test' || url.pathname === '/api/conversations.info') {
      return handleInteractionApi(req, res, url, args ?? Object.fromEntries(url.searchParams), attempt);
    }
    if (url.pathname !== '/api/chat.postMessage') return fail('unknown_method', url.pathname);
    if (req.method !== 'POST') return fail('invalid_request', `method ${req.method}`);
    if (args === undefined) return fail('invalid_form_data', 'body is neither form nor JSON');

    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const given = bearer ?? (typeof args['token'] === 'string' ? args['token'] : undefined);
    if (given === undefined) return fail('not_authed');
    if (given !== token) return fail('invalid_auth');
    delete args['token'];

    const channel = typeof args['channel'] === 'string' ? args['channel'] : undefined;
    if (channel === undefined || channel === '') return fail('channel_not_found', 'no channel argument');
    const channelError = channelErrors.get(channel);
    if (channelError !== undefined) return fail(channelError);
    if (knownChannels !== undefined && !knownChannels.has(channel)) return fail('channel_not_found', channel);

    if (channelRate !== false) {
      const waitMs = takeToken(`channel:${channel}`, channelRate);
      if (waitMs > 0) {
        return fail('ratelimited', undefined, 429, { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
      }
    }

    const notJson = parseJsonArguments(args);
    if (notJson !== undefined) return fail('invalid_blocks_format', `${notJson} is not JSON`);
    if (!hasContent(args)) return fail('no_text');
    if (typeof args['text'] === 'string' && args['text'].length > BLOCK_KIT_LIMITS.messageText) {
      return fail('msg_too_long', `text is ${args['text'].length} characters`);
    }
    const problem = validateSlackMessage(args);
    if (problem !== undefined) return fail(problem.code, problem.detail);

    const ts = nextTs();
    const threadTs = typeof args['thread_ts'] === 'string' && args['thread_ts'] !== '' ? args['thread_ts'] : undefined;
    const broadcast = args['reply_broadcast'];
    const message: ReceivedMessage = { path: url.pathname, body: args, at: now(), kind: 'api', channel, ts };
    if (threadTs !== undefined) message.threadTs = threadTs;
    if (broadcast === true || broadcast === 'true' || broadcast === '1' || broadcast === 1) message.replyBroadcast = true;
    received.push(message);
    attempt.outcome = 'ok';
    attempt.status = 200;
    sendJson(res, 200, {
      ok: true,
      channel,
      ts,
      message: { type: 'message', text: args['text'], ts, ...(threadTs === undefined ? {} : { thread_ts: threadTs }) },
    });
  }

  /** chat.update and usergroups.users.list: token as for chat.postMessage; Web API errors are 200 with ok:false. */
  function handleInteractionApi(req: IncomingMessage, res: ServerResponse, url: URL, args: Record<string, unknown>, attempt: Attempt): void {
    const fail = (error: string, detail?: string): void => {
      attempt.outcome = error;
      attempt.status = 200;
      if (detail !== undefined) attempt.detail = detail;
      sendJson(res, 200, { ok: false, error });
    };
    if (req.method !== 'POST' && req.method !== 'GET') return fail('invalid_request', `method ${req.method}`);
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const given = bearer ?? (typeof args['token'] === 'string' ? args['token'] : undefined);
    if (given === undefined) return fail('not_authed');
    if (given !== token) return fail('invalid_auth');
    delete args['token'];

    // auth.test (https://docs.slack.dev/reference/methods/auth.test): who the token is; reached only with the token.
    if (url.pathname === '/api/auth.test') {
      attempt.outcome = 'ok';
      attempt.status = 200;
      sendJson(res, 200, { ok: true, url: 'https://standin.slack.com/', team: 'Stand-in', user: 'guardduty-notifier', team_id: 'T0STANDIN', user_id: 'U0STANDINBOT', bot_id: 'B0STANDIN' });
      return;
    }
    // conversations.info (https://docs.slack.dev/reference/methods/conversations.info): an archived channel is found
    // (is_archived: true), one the bot was removed from is found with is_member: false, an unknown one is not found.
    if (url.pathname === '/api/conversations.info') {
      const channel = typeof args['channel'] === 'string' ? args['channel'] : undefined;
      if (channel === undefined || channel === '') return fail('channel_not_found', 'no channel argument');
      const error = channelErrors.get(channel);
      if (error === 'channel_not_found' || (knownChannels !== undefined && !knownChannels.has(channel))) return fail('channel_not_found', channel);
      if (error === 'missing_scope') return fail('missing_scope');
      attempt.channel = channel;
      attempt.outcome = 'ok';
      attempt.status = 200;
      sendJson(res, 200, {
        ok: true,
        channel: { id: channel, name: channel.replace(/^#/, '').toLowerCase(), is_channel: true, is_archived: error === 'is_archived', is_member: error !== 'not_in_channel' },
      });
      return;
    }
    if (url.pathname === '/api/usergroups.users.list') {
      const group = typeof args['usergroup'] === 'string' ? args['usergroup'] : undefined;
      if (group === undefined || group === '') return fail('missing_argument', 'usergroup');
      const users = userGroups.get(group);
      if (users === undefined) return fail('no_such_subteam', group);
      attempt.outcome = 'ok';
      attempt.status = 200;
      sendJson(res, 200, { ok: true, users: [...users] });
      return;
    }

    const channel = typeof args['channel'] === 'string' ? args['channel'] : undefined;
    const ts = typeof args['ts'] === 'string' ? args['ts'] : undefined;
    if (channel === undefined || channel === '') return fail('channel_not_found', 'no channel argument');
    if (ts === undefined || ts === '') return fail('message_not_found', 'no ts argument');
    if (channelErrors.get(channel) !== undefined) return fail(channelErrors.get(channel)!);
    const notJson = parseJsonArguments(args);
    if (notJson !== undefined) return fail('invalid_blocks_format', `${notJson} is not JSON`);
    const webhookMessage = received.find((m) => placeOf.get(m)?.channel === channel && placeOf.get(m)?.ts === ts);
    if (webhookMessage !== undefined) return fail('cant_update_message', 'the message was posted by an incoming webhook');
    const target = received.find((m) => m.kind === 'api' && m.channel === channel && m.ts === ts);
    if (target === undefined) return fail('message_not_found', `${channel}/${ts}`);
    if ('link_names' in args) return fail('invalid_arguments', 'link_names must never be sent');
    const problem = validateSlackMessage(args);
    if (problem !== undefined) return fail(problem.code, problem.detail);
    const body = replaceContent(target.body, args);
    target.body = body;
    updates.push({ via: 'chat.update', channel, ts, body: structuredClone(body), at: now() });
    attempt.channel = channel;
    attempt.outcome = 'ok';
    attempt.status = 200;
    sendJson(res, 200, { ok: true, channel, ts, text: body['text'] });
  }

  /** A message's content after an update: text, blocks and attachments replaced when given, the rest kept. */
  function replaceContent(current: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
    const body = { ...current };
    for (const key of ['text', 'blocks', 'attachments'] as const) if (next[key] !== undefined) body[key] = next[key];
    return body;
  }

  function handleResponseUrl(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer, attempt: Attempt): void {
    const entry = responseUrls.get(path);
    const at = now();
    const record = (outcome: string, status: number, body: Record<string, unknown>, extra: Partial<ResponseUrlPost> = {}): void => {
      attempt.outcome = outcome;
      attempt.status = status;
      if (entry !== undefined) responsePosts.push({ click: entry.click.index, body, at, outcome, status, ...extra });
    };
    if (req.method !== 'POST') {
      attempt.outcome = 'invalid_request';
      attempt.status = 405;
      sendText(res, 405, 'invalid_request');
      return;
    }
    const body = parseWebhookBody(req.headers['content-type'], raw) ?? {};
    if (entry === undefined) {
      attempt.outcome = 'not_found';
      attempt.status = 404;
      sendText(res, 404, 'not_found');
      return;
    }
    if (at - entry.createdAt > RESPONSE_URL_LIFETIME_MS) {
      record('expired_url', 404, body);
      sendText(res, 404, 'expired_url');
      return;
    }
    if (entry.uses >= RESPONSE_URL_MAX_USES) {
      record('used_url', 404, body);
      sendText(res, 404, 'used_url');
      return;
    }
    entry.uses += 1;
    const truthy = (value: unknown) => value === true || value === 'true';
    if (truthy(body['delete_original'])) {
      record('deleted', 200, body);
      sendJson(res, 200, { ok: true });
      return;
    }
    if (!hasContent(body)) {
      record('no_text', 400, body);
      sendText(res, 400, 'no_text');
      return;
    }
    if ('link_names' in body) {
      record('invalid_payload', 400, body);
      sendText(res, 400, 'invalid_payload');
      return;
    }
    const problem = validateSlackMessage(body);
    if (problem !== undefined) {
      record(problem.code, 400, body);
      sendText(res, 400, problem.code);
      return;
    }
    const message = entry.click.message;
    if (body['response_type'] === 'ephemeral' && !truthy(body['replace_original'])) {
      record('ephemeral', 200, body, { visibleTo: entry.click.user.id });
    } else if (truthy(body['replace_original'])) {
      message.body = replaceContent(message.body, body);
      const place = placeFor(message);
      updates.push({ via: 'response_url', channel: place.channel, ts: place.ts, body: structuredClone(message.body), at });
      record('replaced', 200, body);
    } else {
      record('message', 200, body);
    }
    sendJson(res, 200, { ok: true });
  }

  /** Where a received message sits: its channel and ts (minted on first need for webhook messages). */
  function placeFor(message: ReceivedMessage): { channel: string; ts: string } {
    if (message.kind === 'api' && message.channel !== undefined && message.ts !== undefined) return { channel: message.channel, ts: message.ts };
    let place = placeOf.get(message);
    if (place === undefined) {
      const key = message.webhook ?? message.path;
      let channel = webhookChannels.get(key);
      if (channel === undefined) webhookChannels.set(key, (channel = `C0HOOK${String(webhookChannels.size + 1).padStart(4, '0')}`));
      place = { channel, ts: nextTs() };
      placeOf.set(message, place);
    }
    return place;
  }

  async function post(request: SignedRequest): Promise<{ status: number; body: string }> {
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
    return { status: response.status, body: await response.text() };
  }

  async function click(message: ReceivedMessage, actionId: string, clickOptions: ClickOptions = {}): Promise<ClickResult> {
    if (interactionUrl === undefined) throw new Error('Slack stand-in: setInteractionUrl() before click()');
    const user = clickOptions.user ?? { id: 'U0STANDIN1', name: 'dana' };
    const index = clicks.length;
    const responsePath = `/actions/T0STANDIN/${String(index + 1).padStart(6, '0')}/${randomBytes(12).toString('hex')}`;
    const responseUrl = `${base}${responsePath}`;
    const place = placeFor(message);
    const at = now();
    const payload = blockActionsPayload({
      body: message.body,
      actionId,
      ...(clickOptions.option === undefined ? {} : { option: clickOptions.option }),
      user,
      teamId: 'T0STANDIN',
      channelId: place.channel,
      messageTs: place.ts,
      responseUrl,
      triggerId: `${Math.floor(at / 1000)}.${index + 1}.${randomBytes(8).toString('hex')}`,
      actionTs: (at / 1000).toFixed(6),
    });
    const record: ClickRecord = { index, actionId, user, message, responseUrl, payload };
    clicks.push(record);
    responseUrls.set(responsePath, { click: record, uses: 0, createdAt: at });
    const signed = formBody(payload);
    const timestamp = String(clickOptions.timestamp ?? Math.floor(at / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)' };
    if (clickOptions.unsigned !== true) {
      headers['x-slack-request-timestamp'] = timestamp;
      headers['x-slack-signature'] = signSlackBody(clickOptions.secret ?? signingSecret, timestamp, signed);
    }
    const request: SignedRequest = { url: interactionUrl, body: clickOptions.tamper ? clickOptions.tamper(signed) : signed, headers };
    const answer = await post(request);
    record.status = answer.status;
    return { ...answer, request, responseUrl };
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendText(res, 500, `stand-in bug: ${String(error)}`);
    });
  });
  const listening = await listenOnLoopback(server);
  const { port } = listening;
  const base = `http://127.0.0.1:${port}`;

  function pathOf(nameOrUrl: string): string {
    if (nameOrUrl.startsWith('http://') || nameOrUrl.startsWith('https://')) return new URL(nameOrUrl).pathname;
    if (nameOrUrl.startsWith('/')) return nameOrUrl;
    return webhookPaths.get(nameOrUrl) ?? `(no webhook named ${nameOrUrl})`;
  }

  const standin: SlackStandin = {
    signingSecret,
    clicks,
    updates,
    responsePosts,
    setInteractionUrl(url) {
      interactionUrl = url;
    },
    setUserGroup(groupId, userIds) {
      userGroups.set(groupId, [...userIds]);
    },
    click,
    send: post,
    url: base,
    apiUrl: `${base}/api/`,
    token,
    received,
    attempts,
    webhookUrl(name = 'default', urlOptions) {
      let path = webhookPaths.get(name);
      if (path === undefined) {
        hookCounter += 1;
        path = `/services/T0STANDIN/B${String(hookCounter).padStart(8, '0')}/${randomBytes(12).toString('hex')}`;
        webhookPaths.set(name, path);
        webhookNames.set(path, name);
      }
      if (urlOptions?.error !== undefined) webhookErrors.set(path, urlOptions.error);
      return `${base}${path}`;
    },
    failWebhook(nameOrUrl, error) {
      const path = pathOf(nameOrUrl);
      if (error === undefined) webhookErrors.delete(path);
      else webhookErrors.set(path, error);
    },
    failChannel(channel, error) {
      if (error === undefined) channelErrors.delete(channel);
      else channelErrors.set(channel, error);
    },
    failNext(...faults) {
      faultQueue.push(...faults);
    },
    setFaults(decide) {
      decideFault = decide;
    },
    receivedOn(target) {
      if (target.startsWith('http') || target.startsWith('/')) {
        const path = pathOf(target);
        return received.filter((m) => m.path === path);
      }
      return received.filter((m) => m.webhook === target || m.channel === target);
    },
    async waitFor(predicate, timeoutMs = 5_000) {
      const giveUpAt = Date.now() + timeoutMs;
      for (let round = 0; round < 100_000; round++) {
        if (predicate(received)) return;
        if (Date.now() >= giveUpAt) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`Slack stand-in: condition not met within ${timeoutMs} ms (${received.length} messages received)`);
    },
    reset() {
      received.length = 0;
      attempts.length = 0;
      faultQueue.length = 0;
      decideFault = undefined;
      buckets.clear();
      channelErrors.clear();
      webhookErrors.clear();
      clicks.length = 0;
      updates.length = 0;
      responsePosts.length = 0;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await listening.close();
    },
  };
  return standin;
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* Validation: what Slack checks before it accepts a message.                                                          */

export interface SlackMessageProblem {
  code: 'invalid_blocks' | 'invalid_payload' | 'too_many_attachments';
  detail: string;
}

const KNOWN_BLOCK_TYPES = new Set([
  'header', 'section', 'context', 'divider', 'actions', 'image', 'rich_text', 'markdown', 'input', 'file', 'video', 'table',
  'context_actions',
]);

/**
 * Checks a message body against the Block Kit limits Slack enforces (top-level `blocks` and `blocks` inside
 * `attachments`). Returns the first problem, or undefined when Slack would accept it. Exported so renderer tests can
 * use the same rules.
 */
export function validateSlackMessage(body: Record<string, unknown>): SlackMessageProblem | undefined {
  if (body['text'] !== undefined && typeof body['text'] !== 'string') {
    return { code: 'invalid_payload', detail: 'text is not a string' };
  }
  const blockIds = new Set<string>();
  if (body['blocks'] !== undefined) {
    const problem = validateBlocks(body['blocks'], 'blocks', blockIds);
    if (problem !== undefined) return { code: 'invalid_blocks', detail: problem };
  }
  const attachments = body['attachments'];
  if (attachments !== undefined) {
    if (!Array.isArray(attachments)) return { code: 'invalid_payload', detail: 'attachments is not an array' };
    if (attachments.length > BLOCK_KIT_LIMITS.attachmentsPerMessage) {
      return { code: 'too_many_attachments', detail: `${attachments.length} attachments` };
    }
    for (const [i, attachment] of attachments.entries()) {
      if (!isObject(attachment)) return { code: 'invalid_payload', detail: `attachments[${i}] is not an object` };
      if (attachment['blocks'] !== undefined) {
        const problem = validateBlocks(attachment['blocks'], `attachments[${i}].blocks`, blockIds);
        if (problem !== undefined) return { code: 'invalid_blocks', detail: problem };
      }
    }
  }
  return undefined;
}

function validateBlocks(blocks: unknown, where: string, blockIds: Set<string>): string | undefined {
  if (!Array.isArray(blocks)) return `${where} is not an array`;
  if (blocks.length > BLOCK_KIT_LIMITS.blocksPerMessage) {
    return `${where} has ${blocks.length} blocks, max ${BLOCK_KIT_LIMITS.blocksPerMessage}`;
  }
  for (const [i, block] of blocks.entries()) {
    const at = `${where}[${i}]`;
    if (!isObject(block)) return `${at} is not an object`;
    const type = block['type'];
    if (typeof type !== 'string' || !KNOWN_BLOCK_TYPES.has(type)) return `${at}.type ${JSON.stringify(type)} is not a block type`;
    const blockId = block['block_id'];
    if (blockId !== undefined) {
      if (typeof blockId !== 'string' || blockId.length === 0 || blockId.length > BLOCK_KIT_LIMITS.blockId) {
        return `${at}.block_id must be 1..${BLOCK_KIT_LIMITS.blockId} characters`;
      }
      if (blockIds.has(blockId)) return `${at}.block_id ${JSON.stringify(blockId)} is not unique`;
      blockIds.add(blockId);
    }
    const problem = validateBlock(type, block, at);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function validateBlock(type: string, block: Record<string, unknown>, at: string): string | undefined {
  switch (type) {
    case 'header':
      return textObject(block['text'], `${at}.text`, BLOCK_KIT_LIMITS.headerText, true);
    case 'section': {
      if (block['text'] === undefined && block['fields'] === undefined) return `${at} needs text or fields`;
      if (block['text'] !== undefined) {
        const problem = textObject(block['text'], `${at}.text`, BLOCK_KIT_LIMITS.sectionText, false);
        if (problem !== undefined) return problem;
      }
      const fields = block['fields'];
      if (fields !== undefined) {
        if (!Array.isArray(fields) || fields.length === 0) return `${at}.fields must be a non-empty array`;
        if (fields.length > BLOCK_KIT_LIMITS.sectionFields) return `${at}.fields has ${fields.length} items, max ${BLOCK_KIT_LIMITS.sectionFields}`;
        for (const [j, field] of fields.entries()) {
          const problem = textObject(field, `${at}.fields[${j}]`, BLOCK_KIT_LIMITS.fieldText, false);
          if (problem !== undefined) return problem;
        }
      }
      return undefined;
    }
    case 'context': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0) return `${at}.elements must be a non-empty array`;
      if (elements.length > BLOCK_KIT_LIMITS.contextElements) {
        return `${at}.elements has ${elements.length} items, max ${BLOCK_KIT_LIMITS.contextElements}`;
      }
      for (const [j, element] of elements.entries()) {
        if (isObject(element) && element['type'] === 'image') continue;
        const problem = textObject(element, `${at}.elements[${j}]`, BLOCK_KIT_LIMITS.sectionText, false);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    case 'actions': {
      const elements = block['elements'];
      if (!Array.isArray(elements) || elements.length === 0) return `${at}.elements must be a non-empty array`;
      if (elements.length > BLOCK_KIT_LIMITS.actionsElements) {
        return `${at}.elements has ${elements.length} items, max ${BLOCK_KIT_LIMITS.actionsElements}`;
      }
      for (const [j, element] of elements.entries()) {
        const where = `${at}.elements[${j}]`;
        if (!isObject(element)) return `${where} is not an object`;
        if (element['type'] === 'static_select') {
          const problem = validateStaticSelect(element, where);
          if (problem !== undefined) return problem;
          continue;
        }
        if (element['type'] !== 'button') continue;
        const problem =
          textObject(element['text'], `${where}.text`, BLOCK_KIT_LIMITS.buttonText, true) ??
          maxString(element['value'], `${where}.value`, BLOCK_KIT_LIMITS.buttonValue) ??
          maxString(element['url'], `${where}.url`, BLOCK_KIT_LIMITS.buttonUrl) ??
          maxString(element['action_id'], `${where}.action_id`, BLOCK_KIT_LIMITS.actionId);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function validateStaticSelect(element: Record<string, unknown>, where: string): string | undefined {
  const placeholder = element['placeholder'];
  if (placeholder !== undefined) {
    const problem = textObject(placeholder, `${where}.placeholder`, BLOCK_KIT_LIMITS.selectPlaceholder, true);
    if (problem !== undefined) return problem;
  }
  const actionProblem = maxString(element['action_id'], `${where}.action_id`, BLOCK_KIT_LIMITS.actionId);
  if (actionProblem !== undefined) return actionProblem;
  const options = element['options'];
  if (!Array.isArray(options) || options.length === 0) return `${where}.options must be a non-empty array`;
  if (options.length > BLOCK_KIT_LIMITS.selectOptions) return `${where}.options has ${options.length} items, max ${BLOCK_KIT_LIMITS.selectOptions}`;
  for (const [k, option] of options.entries()) {
    if (!isObject(option)) return `${where}.options[${k}] is not an object`;
    const problem =
      textObject(option['text'], `${where}.options[${k}].text`, BLOCK_KIT_LIMITS.optionText, true) ??
      maxString(option['value'], `${where}.options[${k}].value`, BLOCK_KIT_LIMITS.optionValue);
    if (problem !== undefined) return problem;
    if (option['value'] === undefined) return `${where}.options[${k}].value is required`;
  }
  return undefined;
}

function textObject(value: unknown, at: string, max: number, plainOnly: boolean): string | undefined {
  if (!isObject(value)) return `${at} is not a text object`;
  const type = value['type'];
  if (type !== 'plain_text' && (plainOnly || type !== 'mrkdwn')) {
    return `${at}.type must be ${plainOnly ? 'plain_text' : 'plain_text or mrkdwn'}, got ${JSON.stringify(type)}`;
  }
  const text = value['text'];
  if (typeof text !== 'string' || text.length === 0) return `${at}.text must be a non-empty string`;
  if (text.length > max) return `${at}.text is ${text.length} characters, max ${max}`;
  return undefined;
}

function maxString(value: unknown, at: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) return `${at} must be a non-empty string`;
  if (value.length > max) return `${at} is ${value.length} characters, max ${max}`;
  return undefined;
}

function hasContent(body: Record<string, unknown>): boolean {
  const text = body['text'];
  const blocks = body['blocks'];
  const attachments = body['attachments'];
  return (
    (typeof text === 'string' && text.trim() !== '') ||
    (Array.isArray(blocks) && blocks.length > 0) ||
    (Array.isArray(attachments) && attachments.length > 0)
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* HTTP plumbing.                                                                                                       */

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Webhooks take JSON, or a form with `payload=<json>` (the legacy way Slack still accepts). */
function parseWebhookBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> | undefined {
  const text = raw.toString('utf8');
  let json = text;
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    json = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const parsed: unknown = JSON.parse(json);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** chat.postMessage takes form fields (WebClient's default; objects JSON-encoded) or a JSON body. */
function parseApiBody(contentType: string | undefined, raw: Buffer): Record<string, unknown> | undefined {
  const text = raw.toString('utf8');
  if ((contentType ?? '').includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
