/**
 * Posting to a click's `response_url`: how a message from an incoming webhook is replaced in place
 * (`replace_original: true`) and how a refusal reaches only the clicker (`response_type: 'ephemeral'`,
 * `replace_original: false`). A response_url "can be used up to 5 times within 30 minutes" of the click
 * (https://docs.slack.dev/interactivity/handling-user-interaction), which is far more than one click needs.
 *
 * The URL comes from the verified payload, and is still checked before we send anything to it: https, and a Slack
 * hooks host (hooks.slack.com, GovSlack's hooks.slack-gov.com), so that a payload can never make us post elsewhere.
 * It lets anyone post into the channel for half an hour: it is never logged and never put in an error.
 */
import type { SlackMessage } from '../core/message.js';
import { InteractError } from './errors.js';

export const SLACK_RESPONSE_URL_HOSTS = ['hooks.slack.com', 'hooks.slack-gov.com'] as const;
export const RESPONSE_URL_TIMEOUT_MS = 5_000;

export interface ResponseUrlClient {
  /** Replaces the clicked message (webhook messages). */
  replace(responseUrl: string, message: SlackMessage): Promise<void>;
  /** A message only the clicker sees; nothing else changes. */
  ephemeral(responseUrl: string, text: string): Promise<void>;
}

export function isSlackResponseUrl(url: URL): boolean {
  return url.protocol === 'https:' && (SLACK_RESPONSE_URL_HOSTS as readonly string[]).includes(url.hostname) && url.port === '';
}

/**
 * @example
 * const responder = createResponseUrlClient({});
 * await responder.ephemeral(payload.responseUrl, 'You are not allowed to archive findings here');
 */
export function createResponseUrlClient(options: {
  fetch?: typeof fetch;
  /** Which URLs may be posted to; default https on Slack's hooks hosts. Tests allow the stand-in. */
  isAllowed?: (url: URL) => boolean;
  timeoutMs?: number;
}): ResponseUrlClient {
  const fetchFn = options.fetch ?? fetch;
  const isAllowed = options.isAllowed ?? isSlackResponseUrl;

  async function post(responseUrl: string, body: Record<string, unknown>): Promise<void> {
    let url: URL;
    try {
      url = new URL(responseUrl);
    } catch {
      throw new InteractError('The response_url of the click is not a URL', { code: 'response_url_invalid' });
    }
    if (!isAllowed(url)) throw new InteractError('The response_url of the click is not a Slack hooks URL; nothing was sent', { code: 'response_url_refused' });
    let response: Response;
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? RESPONSE_URL_TIMEOUT_MS),
      });
    } catch (error) {
      throw new InteractError(`Posting to the click's response_url failed (${(error as Error).name})`, { code: 'response_url_unreachable', retryable: true, cause: error });
    }
    const text = (await response.text().catch(() => '')).slice(0, 200);
    if (!response.ok) {
      // A short error word from Slack is safe to show; anything else is reduced to the status.
      const word = /^[a-z_]{1,40}$/.test(text.trim()) ? text.trim() : `http_${response.status}`;
      throw new InteractError(`Slack refused the response_url post (${word})`, { code: word, retryable: response.status >= 500 || response.status === 429 });
    }
  }

  return {
    replace: (responseUrl, message) =>
      post(responseUrl, {
        replace_original: true,
        text: message.text,
        ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
        ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
      }),
    ephemeral: (responseUrl, text) => post(responseUrl, { response_type: 'ephemeral', replace_original: false, text }),
  };
}
