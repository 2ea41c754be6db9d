/**
 * Reading what Slack posts to the Request URL after a click: a form body whose `payload` field is JSON
 * (https://docs.slack.dev/interactivity/handling-user-interaction: "sent to your specified Request URL in an HTTP POST
 * request in the form application/x-www-form-urlencoded … The body of the request will contain a payload parameter").
 *
 * Only the `block_actions` type matters to us (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload):
 * `actions[]` (action_id, block_id, value or selected_option), `user`, `team`, `channel`, `container`, `message`,
 * `response_url`. It is read only after the signature was verified, and still validated field by field: ids must look
 * like Slack ids, sizes are capped, unknown fields are dropped. The button `value` is parsed here (action-value.ts) but
 * never trusted: it only names a finding the handler then looks up.
 */
import * as z from 'zod/mini';
import type { Block, SlackAttachment } from '../core/message.js';

export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;
export const SLACK_TEAM_ID = /^[TE][A-Z0-9]{2,30}$/;
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;
/** Message timestamps: `1718000000.123456`. */
export const SLACK_TS = /^\d{1,12}\.\d{1,9}$/;

const id = (pattern: RegExp, what: string) => z.string().check(z.regex(pattern, `expected a Slack ${what} id`));
const text = (max: number) => z.string().check(z.maxLength(max));

const actionSchema = z.object({
  type: text(64),
  action_id: z.string().check(z.minLength(1), z.maxLength(255)),
  block_id: z.optional(text(255)),
  /** Buttons: the value we set (at most 2000 characters). */
  value: z.optional(text(2000)),
  /** static_select: the option chosen (its value at most 150 characters); null when deselected. */
  selected_option: z.optional(z.nullable(z.object({ value: text(150) }))),
  action_ts: z.optional(text(32)),
});

const payloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: id(SLACK_USER_ID, 'user'), username: z.optional(text(256)), name: z.optional(text(256)), team_id: z.optional(text(32)) }),
  team: z.optional(z.nullable(z.object({ id: id(SLACK_TEAM_ID, 'team'), domain: z.optional(text(256)) }))),
  api_app_id: z.optional(text(32)),
  channel: z.optional(z.nullable(z.object({ id: id(SLACK_CHANNEL_ID, 'channel'), name: z.optional(text(256)) }))),
  container: z.object({
    type: text(64),
    message_ts: z.optional(z.string().check(z.regex(SLACK_TS))),
    channel_id: z.optional(id(SLACK_CHANNEL_ID, 'channel')),
    thread_ts: z.optional(z.string().check(z.regex(SLACK_TS))),
    is_ephemeral: z.optional(z.boolean()),
  }),
  message: z.optional(
    z.object({
      ts: z.optional(z.string().check(z.regex(SLACK_TS))),
      thread_ts: z.optional(z.string().check(z.regex(SLACK_TS))),
      text: z.optional(text(40_000)),
      blocks: z.optional(z.array(z.unknown()).check(z.maxLength(100))),
      attachments: z.optional(z.array(z.unknown()).check(z.maxLength(100))),
    }),
  ),
  response_url: z.optional(z.string().check(z.maxLength(2000), z.regex(/^https?:\/\//, 'expected an http(s) URL'))),
  trigger_id: z.optional(text(256)),
  actions: z.array(actionSchema).check(z.minLength(1), z.maxLength(25)),
});

export type BlockAction = z.infer<typeof actionSchema>;

/** Slack's copy of the clicked message, kept only as a fallback when the store has none of our own. */
export interface SlackMessageCopy {
  ts?: string;
  threadTs?: string;
  text?: string;
  blocks?: Block[];
  attachments?: SlackAttachment[];
}

/** A verified `block_actions` payload, in our own names. */
export interface BlockActionsPayload {
  readonly user: { readonly id: string; readonly name?: string; readonly teamId?: string };
  readonly teamId?: string;
  readonly channelId?: string;
  /** Where the click happened: message ts (and its channel); `isEphemeral` clicks cannot update a message. */
  readonly container: { readonly type: string; readonly messageTs?: string; readonly channelId?: string; readonly threadTs?: string; readonly isEphemeral: boolean };
  readonly message?: SlackMessageCopy;
  readonly responseUrl?: string;
  readonly actions: readonly BlockAction[];
}

export type ParsedPayload =
  | { ok: true; kind: 'block_actions'; payload: BlockActionsPayload }
  /** Another interaction type (shortcut, view_submission, …): acknowledged and ignored. */
  | { ok: true; kind: 'ignored'; type: string }
  | { ok: false; problem: string };

function isObjectish(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Blocks as Slack echoed them: only arrays of objects with a string `type` are kept (shape is Slack's, content ours). */
function blocksOf(value: unknown): Block[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.every((block) => isObjectish(block) && typeof block['type'] === 'string') ? (value as Block[]) : undefined;
}

function attachmentsOf(value: unknown): SlackAttachment[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ok = value.every((a) => isObjectish(a) && blocksOf(a['blocks']) !== undefined);
  return ok ? (value as SlackAttachment[]) : undefined;
}

/**
 * The interaction in a verified request body (`payload=<json>`, form-encoded).
 *
 * @example
 * const parsed = parseInteractionBody(verified.rawBody);
 * if (parsed.ok && parsed.kind === 'block_actions') handle(parsed.payload.actions[0]);
 */
export function parseInteractionBody(rawBody: Uint8Array | string): ParsedPayload {
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  const form = new URLSearchParams(body);
  if (form.getAll('payload').length !== 1) return { ok: false, problem: 'the body has no single payload field' };
  let json: unknown;
  try {
    json = JSON.parse(form.get('payload') ?? '');
  } catch {
    return { ok: false, problem: 'the payload field is not JSON' };
  }
  if (!isObjectish(json)) return { ok: false, problem: 'the payload is not a JSON object' };
  const type = json['type'];
  if (typeof type !== 'string') return { ok: false, problem: 'the payload has no type' };
  if (type !== 'block_actions') return { ok: true, kind: 'ignored', type: type.slice(0, 64) };
  const result = payloadSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, problem: `block_actions payload: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'}` };
  }
  const p = result.data;
  const user: { id: string; name?: string; teamId?: string } = { id: p.user.id };
  const name = p.user.username ?? p.user.name;
  if (name !== undefined) user.name = name;
  if (p.user.team_id !== undefined) user.teamId = p.user.team_id;
  const container: { type: string; messageTs?: string; channelId?: string; threadTs?: string; isEphemeral: boolean } = {
    type: p.container.type,
    isEphemeral: p.container.is_ephemeral === true,
  };
  if (p.container.message_ts !== undefined) container.messageTs = p.container.message_ts;
  const channelId = p.container.channel_id ?? p.channel?.id;
  if (channelId !== undefined) container.channelId = channelId;
  const threadTs = p.container.thread_ts ?? p.message?.thread_ts;
  if (threadTs !== undefined) container.threadTs = threadTs;

  const payload: { -readonly [K in keyof BlockActionsPayload]: BlockActionsPayload[K] } = { user, container, actions: p.actions };
  if (p.team?.id !== undefined) payload.teamId = p.team.id;
  if (p.channel?.id !== undefined) payload.channelId = p.channel.id;
  if (p.response_url !== undefined) payload.responseUrl = p.response_url;
  if (p.message !== undefined) {
    const copy: SlackMessageCopy = {};
    if (p.message.ts !== undefined) copy.ts = p.message.ts;
    if (p.message.thread_ts !== undefined) copy.threadTs = p.message.thread_ts;
    if (p.message.text !== undefined) copy.text = p.message.text;
    const blocks = blocksOf(p.message.blocks);
    if (blocks !== undefined) copy.blocks = blocks;
    const attachments = attachmentsOf(p.message.attachments);
    if (attachments !== undefined) copy.attachments = attachments;
    payload.message = copy;
  }
  return { ok: true, kind: 'block_actions', payload };
}
