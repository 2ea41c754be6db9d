import { teamsCardIn } from '../core/message.js';
import { TEAMS_POST_MAX_BYTES, workflowPostBody } from '../render/teams-text.js';
import { DeliveryError, missingPayloadError } from './errors.js';
import { redactWorkflowUrl, scrubError, scrubText, workflowUrlSecrets } from './redact.js';
import { parseRetryAfter } from './retry-after.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/**
 * Microsoft Teams through a Workflows (Power Automate) flow "When a Teams webhook request is received": one POST of
 * `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","contentUrl":null,
 * "content":<card>}]}` per message (https://learn.microsoft.com/en-us/connectors/teams/?tabs=text1#microsoft-teams-webhook).
 *
 * The flow answers `202 Accepted` and runs afterwards: acceptance is not proof of a post (a failed run shows only in
 * the flow's run history). Microsoft documents no firm rate for Workflows webhooks, so the default pace is cautious:
 * 1 per second, burst 2.
 */
export const TEAMS_WORKFLOW_DEFAULT_RATE = { perSecond: 1, burst: 2 } as const;

export const TEAMS_WORKFLOW_DEFAULT_TIMEOUT_MS = 10_000;

/** What each refusal means for the operator (permanent: the same post to the same URL cannot succeed). */
export const TEAMS_WORKFLOW_ERRORS = {
  400: 'the flow refused the card (bad request); this is a bug in the renderer, please report it with the status reason',
  401: 'the flow refused the URL\'s signature: copy the URL again from the workflow\'s trigger and update the secret',
  403: 'the flow is disabled, or not shared with who owns the URL; turn it on, or re-create it (flows belong to a user)',
  404: 'the flow was deleted, or its URL changed; copy the new URL from the workflow\'s trigger and update the secret',
  413: `the card is larger than Teams takes (about ${TEAMS_POST_MAX_BYTES} bytes); this is a bug in the renderer, please report it`,
} as const satisfies Record<number, string>;

export interface TeamsWorkflowSinkOptions {
  /** Destination name from the config. */
  name: string;
  /** The flow's HTTP trigger URL: a secret (its `sig` parameter lets anyone post), never logged. */
  url: string;
  /** Injectable for tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Per attempt; a timeout is retryable. */
  timeoutMs?: number;
  rate?: { perSecond: number; burst: number };
}

/**
 * The JSON body for one outbox message: its card as a Workflows message attachment. A row without a card was
 * rendered for another destination type: it fails, never guesses.
 */
export function workflowPayload(message: OutgoingMessage): ReturnType<typeof workflowPostBody> {
  const card = teamsCardIn(message.message);
  if (card === undefined) throw missingPayloadError('a Teams workflow', 'Teams card', message.id);
  return workflowPostBody(card);
}

/**
 * A sink that posts one Adaptive Card to a Teams Workflows webhook. 200/202: accepted. 429 (honouring `Retry-After`),
 * 408 and 5xx: retried through the outbox. 400, 401, 403, 404, 413 and every other 4xx: permanent, kept with the
 * reason for `status` and `resend`.
 *
 * As with Slack webhooks there is no idempotency key: a request that timed out after the flow took it can post twice
 * on retry (at least once, never lost).
 *
 * @example
 * const sink = createTeamsWorkflowSink({ name: 'teams-sec', url: process.env.TEAMS_WORKFLOW_URL! });
 * await sink.send(outgoing); // throws DeliveryError { retryable, status, code }
 */
export function createTeamsWorkflowSink(options: TeamsWorkflowSinkOptions): Sink {
  const { name, url } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? TEAMS_WORKFLOW_DEFAULT_TIMEOUT_MS;
  const rate = options.rate ?? { ...TEAMS_WORKFLOW_DEFAULT_RATE };
  const secrets = workflowUrlSecrets(url);
  const safeUrl = redactWorkflowUrl(url);
  const where = `Teams workflow "${name}" (${safeUrl})`;

  async function send(message: OutgoingMessage, sendOptions?: { signal?: AbortSignal }): Promise<SendResult> {
    const payload = workflowPayload(message);
    const bytes = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    if (bytes > TEAMS_POST_MAX_BYTES) {
      // Teams would refuse it (413); sending it again cannot help.
      throw new DeliveryError(`${where}: the card is ${bytes} bytes, over Teams' ${TEAMS_POST_MAX_BYTES}: ${TEAMS_WORKFLOW_ERRORS[413]}`, {
        retryable: false,
        code: 'card_too_large',
      });
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = sendOptions?.signal === undefined ? timeout : AbortSignal.any([timeout, sendOptions.signal]);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(payload),
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
      throw new DeliveryError(`Could not reach ${where}: ${scrubText(cause.message, secrets)}; will retry`, { retryable: true, code: 'network', cause });
    }
    const reason = await readReason(response, secrets);
    const status = response.status;
    // 202: the flow took it and runs afterwards; 200: some triggers answer synchronously.
    if (status === 200 || status === 202) return {};
    if (status === 429 || status === 408 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new DeliveryError(
        `${where} answered ${status}${reason === '' ? '' : ` ${reason}`}${retryAfterMs === undefined ? '' : ` (retry after ${retryAfterMs} ms)`}; will retry`,
        { retryable: true, status, code: status === 429 ? 'rate_limited' : `http_${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      );
    }
    const hint = Object.hasOwn(TEAMS_WORKFLOW_ERRORS, status)
      ? TEAMS_WORKFLOW_ERRORS[status as keyof typeof TEAMS_WORKFLOW_ERRORS]
      : 'check the workflow URL and the flow\'s run history';
    throw new DeliveryError(`${where} refused the card: ${status}${reason === '' ? '' : ` ${reason}`}: ${hint}`, {
      retryable: false,
      status,
      code: `http_${status}`,
    });
  }

  return {
    name,
    type: 'teams-workflow',
    rate,
    send,
    describe: () => `teams-workflow "${name}" ${safeUrl}`,
  };
}

/**
 * The reason a flow gives, for `status`: Power Automate answers JSON `{"error":{"code","message"}}`; anything else is
 * cut. Scrubbed of the URL's secrets (an error may quote the request).
 */
async function readReason(response: Response, secrets: ReadonlyArray<readonly [string, string]>): Promise<string> {
  let text: string;
  try {
    text = (await response.text()).slice(0, 4096).trim();
  } catch {
    return '';
  }
  if (text === '') return '';
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
    if (code !== undefined || message !== undefined) return scrubText(JSON.stringify([code, message].filter(Boolean).join(': ').slice(0, 300)), secrets);
  } catch {
    // Not JSON: a proxy's page or plain text.
  }
  return scrubText(JSON.stringify(text.slice(0, 200)), secrets);
}
