/**
 * The Slack Web API calls the interaction worker makes with the bot token: chat.update (the clicked message, when we
 * posted it with chat.postMessage), chat.postMessage (the audit line in the finding's thread) and
 * usergroups.users.list (authorisation). As in deliver/slack-api.ts, `@slack/web-api` is loaded on first use and the
 * token never reaches a log or an error.
 *
 * chat.update: "Ephemeral messages can't be updated", and an app can only update messages "posted by the authenticated
 * user of the token being used, including those posted as the app" (https://docs.slack.dev/messaging/modifying-messages);
 * a message from an incoming webhook is updated through its click's response_url instead. chat.update's `parse`
 * "Defaults to client, unlike chat.postMessage" (https://docs.slack.dev/reference/methods/chat.update), so we send
 * `parse: 'none'`: our text is already escaped and must not be re-interpreted.
 */
import type { SlackMessage } from '../core/message.js';
import { InteractError } from './errors.js';
import type { UserGroupsApi } from './user-groups.js';

/** The part of WebClient used here. */
export interface InteractSlackClient extends UserGroupsApi {
  chat: {
    update(args: Record<string, unknown>): Promise<{ ok?: boolean; error?: string; ts?: string }>;
    postMessage(args: Record<string, unknown>): Promise<{ ok?: boolean; error?: string; ts?: string }>;
  };
}

export const INTERACT_SLACK_TIMEOUT_MS = 5_000;

/**
 * @example
 * const client = createInteractSlackClient({ token: botToken, apiUrl: standin.apiUrl });
 */
export function createInteractSlackClient(options: { token: string; apiUrl?: string; timeoutMs?: number }): InteractSlackClient {
  let pending: Promise<InteractSlackClient> | undefined;
  const client = (): Promise<InteractSlackClient> =>
    (pending ??= import('@slack/web-api').then((loaded) => {
      // CommonJS: Node's loader gives named exports; the Lambda bundle's lazily loaded chunk only `default`.
      const { WebClient, LogLevel } = loaded.WebClient === undefined ? (loaded as unknown as { default: typeof loaded }).default : loaded;
      return new WebClient(options.token, {
          ...(options.apiUrl === undefined ? {} : { slackApiUrl: options.apiUrl }),
          // One quick retry at most: a click's follow-up is worth little minutes later.
          retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
          timeout: options.timeoutMs ?? INTERACT_SLACK_TIMEOUT_MS,
          logLevel: LogLevel.ERROR,
        logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} },
      }) as unknown as InteractSlackClient;
    }));
  return {
    chat: {
      update: async (args) => (await client()).chat.update(args),
      postMessage: async (args) => (await client()).chat.postMessage(args),
    },
    usergroups: { users: { list: async (args) => (await client()).usergroups.users.list(args) } },
  };
}

function slackErrorCode(error: unknown): string {
  const code = (error as { data?: { error?: unknown } }).data?.error;
  return typeof code === 'string' ? code : 'request_failed';
}

/** chat.update of one message with our rendered copy. Throws InteractError with Slack's error code. */
export async function updateMessage(client: InteractSlackClient, channel: string, ts: string, message: SlackMessage): Promise<void> {
  const args: Record<string, unknown> = { channel, ts, text: message.text, parse: 'none' };
  // Present arrays replace; an absent field would keep the old one ("If you don't include this field, the message's
  // previous blocks will be retained"), so both are always sent.
  args['blocks'] = message.blocks ?? [];
  args['attachments'] = message.attachments ?? [];
  let result: Awaited<ReturnType<InteractSlackClient['chat']['update']>>;
  try {
    result = await client.chat.update(args);
  } catch (error) {
    throw new InteractError(`Slack chat.update failed (${slackErrorCode(error)})`, { code: slackErrorCode(error), cause: error });
  }
  if (result.ok === false) throw new InteractError(`Slack chat.update failed (${result.error ?? 'error'})`, { code: result.error ?? 'error' });
}

/** A reply in the message's thread (mrkdwn, our text). Throws InteractError with Slack's error code. */
export async function postThreadLine(client: InteractSlackClient, channel: string, threadTs: string, text: string): Promise<void> {
  let result: Awaited<ReturnType<InteractSlackClient['chat']['postMessage']>>;
  const args = { channel, thread_ts: threadTs, text, unfurl_links: false, unfurl_media: false };
  try {
    result = await client.chat.postMessage(args);
  } catch (error) {
    throw new InteractError(`Slack chat.postMessage failed (${slackErrorCode(error)})`, { code: slackErrorCode(error), cause: error });
  }
  if (result.ok === false) throw new InteractError(`Slack chat.postMessage failed (${result.error ?? 'error'})`, { code: result.error ?? 'error' });
}
