/**
 * The interaction side of the Slack stand-in, as pure helpers: find a clicked element in a message the stand-in
 * received, build the `block_actions` payload Slack would send for it, and sign the request the way Slack does.
 *
 * Wire facts followed:
 * - the request: `POST` to the app's Request URL, `Content-Type: application/x-www-form-urlencoded`, body
 *   `payload=<url-encoded JSON>` (https://docs.slack.dev/interactivity/handling-user-interaction);
 * - the signature: `X-Slack-Request-Timestamp: <seconds>`, `X-Slack-Signature: v0=hex(HMAC-SHA256(secret,
 *   "v0:" + timestamp + ":" + body))` (https://docs.slack.dev/authentication/verifying-requests-from-slack) — computed
 *   here independently of src/interact/verify-request.ts, so the stand-in cannot share a bug with the code it tests;
 * - the payload: `type: block_actions`, `user`, `team`, `channel`, `container` (`message` or `message_attachment` with
 *   `message_ts`, `channel_id`, `is_ephemeral`), `message` (the clicked message, blocks and attachments included),
 *   `response_url`, `trigger_id`, `actions[]` with `action_id`, `block_id`, `type`, `action_ts`, and `value` for a
 *   button or `selected_option` for a static_select
 *   (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
import { createHmac } from 'node:crypto';

export interface ClickUser {
  id: string;
  name?: string;
}

export interface FoundElement {
  element: Record<string, unknown>;
  blockId: string | undefined;
  /** 1-based attachment index when the element sits in an attachment's blocks. */
  attachmentId?: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function elementIn(blocks: unknown, actionId: string): { element: Record<string, unknown>; blockId: string | undefined } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks) {
    if (!isObject(block) || block['type'] !== 'actions' || !Array.isArray(block['elements'])) continue;
    for (const element of block['elements']) {
      if (isObject(element) && element['action_id'] === actionId) {
        return { element, blockId: typeof block['block_id'] === 'string' ? block['block_id'] : undefined };
      }
    }
  }
  return undefined;
}

/** The element with `actionId` in a message body (top-level blocks first, then each attachment's). */
export function findElement(body: Record<string, unknown>, actionId: string): FoundElement | undefined {
  const top = elementIn(body['blocks'], actionId);
  if (top) return top;
  const attachments = Array.isArray(body['attachments']) ? body['attachments'] : [];
  for (const [i, attachment] of attachments.entries()) {
    if (!isObject(attachment)) continue;
    const found = elementIn(attachment['blocks'], actionId);
    if (found) return { ...found, attachmentId: i + 1 };
  }
  return undefined;
}

/** Every action_id of a message (for test failure messages and for "which buttons are there"). */
export function actionIds(body: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const collect = (blocks: unknown) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks) {
      if (!isObject(block) || block['type'] !== 'actions' || !Array.isArray(block['elements'])) continue;
      for (const element of block['elements']) if (isObject(element) && typeof element['action_id'] === 'string') ids.push(element['action_id']);
    }
  };
  collect(body['blocks']);
  for (const attachment of Array.isArray(body['attachments']) ? body['attachments'] : []) if (isObject(attachment)) collect(attachment['blocks']);
  return ids;
}

export interface PayloadInput {
  body: Record<string, unknown>;
  actionId: string;
  /** static_select: the option to choose, by value or by its label text (default: the first). */
  option?: string;
  user: ClickUser;
  teamId: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  triggerId: string;
  actionTs: string;
}

/** The block_actions payload Slack sends for a click on `actionId` in `body`; throws when there is no such element. */
export function blockActionsPayload(input: PayloadInput): Record<string, unknown> {
  const found = findElement(input.body, input.actionId);
  if (!found) throw new Error(`Slack stand-in: no element "${input.actionId}" in the message (has: ${actionIds(input.body).join(', ') || 'none'})`);
  const { element } = found;
  const action: Record<string, unknown> = {
    type: element['type'],
    action_id: input.actionId,
    block_id: found.blockId ?? 'standin-generated-block-id',
    action_ts: input.actionTs,
  };
  if (element['type'] === 'button') {
    action['text'] = element['text'];
    if (element['value'] !== undefined) action['value'] = element['value'];
    if (element['url'] !== undefined) action['url'] = element['url'];
    if (element['style'] !== undefined) action['style'] = element['style'];
  } else if (element['type'] === 'static_select') {
    const options = Array.isArray(element['options']) ? element['options'].filter(isObject) : [];
    const chosen =
      input.option === undefined
        ? options[0]
        : options.find((o) => o['value'] === input.option || (isObject(o['text']) && o['text']['text'] === input.option));
    if (!chosen) throw new Error(`Slack stand-in: no option "${input.option ?? '(first)'}" in "${input.actionId}"`);
    action['selected_option'] = { text: chosen['text'], value: chosen['value'] };
    action['placeholder'] = element['placeholder'];
  }
  const container: Record<string, unknown> = {
    type: found.attachmentId === undefined ? 'message' : 'message_attachment',
    message_ts: input.messageTs,
    channel_id: input.channelId,
    is_ephemeral: false,
  };
  if (found.attachmentId !== undefined) container['attachment_id'] = found.attachmentId;
  const message: Record<string, unknown> = { type: 'message', subtype: 'bot_message', ts: input.messageTs, bot_id: 'B0STANDIN' };
  for (const key of ['text', 'blocks', 'attachments', 'thread_ts'] as const) {
    if (input.body[key] !== undefined) message[key] = structuredClone(input.body[key]);
  }
  return {
    type: 'block_actions',
    user: { id: input.user.id, username: input.user.name ?? input.user.id.toLowerCase(), name: input.user.name ?? input.user.id.toLowerCase(), team_id: input.teamId },
    api_app_id: 'A0STANDIN',
    token: 'standin-verification-token-deprecated',
    container,
    trigger_id: input.triggerId,
    team: { id: input.teamId, domain: 'standin' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: 'security' },
    message,
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [action],
  };
}

/** `payload=<json>`, form-encoded, as Slack posts it. */
export function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Slack's v0 signature of `body` at `timestamp` (seconds). */
export function signSlackBody(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`, 'utf8').digest('hex')}`;
}

/** One interaction request as sent: enough to send it again byte for byte (a replay). */
export interface SignedRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}
