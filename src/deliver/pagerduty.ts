import { pagerDutyEventOf, type PagerDutyEvent } from '../core/message.js';
import { DeliveryError } from './errors.js';
import { scrubError, scrubText } from './redact.js';
import { parseRetryAfter } from './retry-after.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/**
 * PagerDuty Events API v2: "about 120 events a minute per routing key" (DESIGN.md, PagerDuty; PagerDuty adjusts its
 * throttle dynamically, Events API v2 overview "Rate Limits"): 2 a second, a short burst of 5.
 */
export const PAGERDUTY_DEFAULT_RATE = { perSecond: 2, burst: 5 } as const;

export const PAGERDUTY_DEFAULT_API_URL = 'https://events.pagerduty.com';

export const PAGERDUTY_DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A 429 carries no Retry-After; PagerDuty asks to "retry after some time" (Events API v2 overview, "Response Codes &
 * Retry Logic") and its own integrations retry 3 times 30 s apart: the first retry comes 30 s later, then the outbox's
 * row backoff takes over (doubling up to 15 min), so nothing is lost and PagerDuty is not hammered.
 */
export const PAGERDUTY_THROTTLE_RETRY_MS = 30_000;

/** The Events API's answer (`{"status":"invalid event","message":"Event object is invalid","errors":[…]}` on 400). */
interface EnqueueAnswer {
  status?: unknown;
  message?: unknown;
  errors?: unknown;
  dedup_key?: unknown;
}

export interface PagerDutySinkOptions {
  name: string;
  /** The integration key: a secret, never logged, never in an error. */
  routingKey: string;
  /** Default https://events.pagerduty.com; we POST `<apiUrl>/v2/enqueue`. */
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
  rate?: { perSecond: number; burst: number };
}

/** `<apiUrl>/v2/enqueue`, whether or not the configured URL ends in `/`. */
export function enqueueUrl(apiUrl: string = PAGERDUTY_DEFAULT_API_URL): string {
  return `${apiUrl.replace(/\/+$/, '')}/v2/enqueue`;
}

/** The JSON body: the stored event plus the routing key. A row without an event is a bug: it fails, never guesses. */
export function enqueueBody(message: OutgoingMessage, routingKey: string): Record<string, unknown> {
  const event: PagerDutyEvent | undefined = pagerDutyEventOf(message.message);
  if (event === undefined) {
    throw new DeliveryError(`Outbox row ${message.id} holds no PagerDuty event; it was rendered for another destination kind`, {
      retryable: false,
      code: 'no_pagerduty_event',
    });
  }
  return { ...event, routing_key: routingKey };
}

/**
 * A sink that enqueues one Events API v2 event (trigger, acknowledge or resolve).
 * - 202: accepted (the dedup key PagerDuty echoes is ours);
 * - 400: the event is invalid: permanent, and PagerDuty's `errors` go into the error (kept on the failed outbox row
 *   for `status` and `resend`);
 * - 429: not ingested: retryable, the first retry 30 s later (see PAGERDUTY_THROTTLE_RETRY_MS);
 * - 5xx, network errors, timeouts: retryable.
 *
 * @example
 * const sink = createPagerDutySink({ name: 'pager', routingKey: process.env.PAGERDUTY_ROUTING_KEY! });
 */
export function createPagerDutySink(options: PagerDutySinkOptions): Sink {
  const { name, routingKey } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? PAGERDUTY_DEFAULT_TIMEOUT_MS;
  const rate = options.rate ?? { ...PAGERDUTY_DEFAULT_RATE };
  const url = enqueueUrl(options.apiUrl);
  const secrets: Array<[string, string]> = [[routingKey, '***']];
  const where = `PagerDuty "${name}" (${new URL(url).host})`;

  async function send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }): Promise<SendResult> {
    const body = JSON.stringify(enqueueBody(message, routingKey));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = sendOptions?.signal === undefined ? timeout : AbortSignal.any([timeout, sendOptions.signal]);
    let response: Response;
    try {
      response = await doFetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal, redirect: 'error' });
    } catch (error) {
      const cause = scrubError(error, secrets);
      if (timeout.aborted) throw new DeliveryError(`${where} did not answer within ${timeoutMs} ms; will retry`, { retryable: true, code: 'timeout', cause });
      if (sendOptions?.signal?.aborted) throw new DeliveryError(`Sending to ${where} was cancelled; the event stays queued`, { retryable: true, code: 'aborted', cause });
      throw new DeliveryError(`Could not reach ${where}: ${cause.message}; will retry`, { retryable: true, code: 'network_error', cause });
    }
    const answer = await readAnswer(response);
    const status = response.status;
    if (status === 202 || (status >= 200 && status < 300)) return {};
    const said = describeAnswer(answer, secrets);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? PAGERDUTY_THROTTLE_RETRY_MS;
      throw new DeliveryError(`${where} throttled the event (429${said === '' ? '' : `: ${said}`}); will retry in ${Math.round(retryAfterMs / 1000)} s`, {
        retryable: true,
        status,
        code: 'throttled',
        retryAfterMs,
      });
    }
    if (status >= 500 || status === 408) {
      throw new DeliveryError(`${where} answered ${status}${said === '' ? '' : ` ${said}`}; will retry`, { retryable: true, status, code: `http_${status}` });
    }
    const hint =
      status === 400
        ? 'PagerDuty refused the event; check the routing key (an Events API v2 integration key, 32 characters) and report the errors if the key is right'
        : status === 401 || status === 403 || status === 404
          ? 'check the apiUrl and the routing key'
          : 'check the destination';
    throw new DeliveryError(`${where} rejected the event: ${status}${said === '' ? '' : ` ${said}`}: ${hint}`, {
      retryable: false,
      status,
      code: status === 400 ? 'invalid_event' : `http_${status}`,
    });
  }

  return {
    name,
    type: 'pagerduty',
    rate,
    send,
    describe: () => `pagerduty "${name}" ${new URL(url).host}`,
  };
}

async function readAnswer(response: Response): Promise<EnqueueAnswer | undefined> {
  try {
    const text = (await response.text()).slice(0, 16_384);
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as EnqueueAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** `invalid event: Event object is invalid (Length of 'routing_key' is incorrect …)`: PagerDuty's own words, scrubbed. */
function describeAnswer(answer: EnqueueAnswer | undefined, secrets: ReadonlyArray<readonly [string, string]>): string {
  if (answer === undefined) return '';
  const word = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 200) : undefined);
  const errors = Array.isArray(answer.errors) ? answer.errors.map(word).filter((e): e is string => e !== undefined).slice(0, 10) : [];
  const head = [word(answer.status), word(answer.message)].filter(Boolean).join(': ');
  const text = errors.length === 0 ? head : `${head} (${errors.join('; ')})`;
  return scrubText(text, secrets);
}
