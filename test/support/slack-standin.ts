import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback-server.js';

/**
 * A local stand-in for Slack on 127.0.0.1 that speaks the real wire protocols our sinks use:
 * - incoming webhooks: `POST /services/T…/B…/<secret>` with a JSON body (or form `payload=`), answering `ok` or a
 *   plain-text error with Slack's status codes;
 * - Web API `POST /api/chat.postMessage` (form or JSON body, bearer token), answering `{ ok, … }` JSON;
 * - Slack-like rate limits (token bucket per webhook / per channel, 429 + `Retry-After` seconds);
 * - Block Kit limit checks (so a renderer bug shows up as Slack's `invalid_blocks`, not as a surprise in production);
 * - fault injection (429, 5xx, connection reset, slow, hang) by queue or by function;
 * - a record of every accepted message and of every attempt.
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
  attachmentsPerMessage: 100,
  /** chat.postMessage: "truncates text … to 40,000 characters". */
  messageText: 40_000,
} as const;

export interface RequestInfo {
  /** 0-based index of this request among all requests the stand-in got. */
  index: number;
  kind: 'webhook' | 'api' | 'other';
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
  /** Clears records, queued and function faults, configured webhook/channel errors and rate-limit state (webhook URLs stay valid). */
  reset(): void;
  close(): Promise<void>;
}

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
    const kind: RequestInfo['kind'] = webhookMatch ? 'webhook' : path.startsWith('/api/') ? 'api' : 'other';
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

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, args: Record<string, unknown> | undefined, attempt: Attempt): void {
    const fail = (error: string, detail?: string, status = 200, headers: Record<string, string> = {}): void => {
      attempt.outcome = error;
      attempt.status = status;
      if (detail !== undefined) attempt.detail = detail;
      sendJson(res, status, { ok: false, error }, headers);
    };
    // "Slack's Web API doesn't use meaningful status codes besides 429 and 200": errors are 200 with ok:false.
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

    for (const key of ['blocks', 'attachments'] as const) {
      const value = args[key];
      if (typeof value === 'string') {
        try {
          args[key] = JSON.parse(value);
        } catch {
          return fail('invalid_blocks_format', `${key} is not JSON`);
        }
      }
    }
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
