/**
 * The slow half of a click, as data. The handler decides at once (verified, understood, authorised or refused) and
 * answers Slack within its 3 seconds; everything that talks to GuardDuty, the firewall or Slack again is this job,
 * run after the answer: on the daemon right after responding, in Lambda from the queue (an SQS message body is this
 * JSON) — never after returning from the handler, when Lambda may freeze the process.
 *
 * The job carries the response_url (a capability for 30 minutes): it stays on our own queue and is never logged.
 */
import * as z from 'zod/mini';
import type { SlackMessageCopy } from './payload.js';
import { SLACK_CHANNEL_ID, SLACK_TS, SLACK_USER_ID } from './payload.js';
import type { ActionName, RequestedAction } from './action-value.js';

export const INTERACTION_JOB_VERSION = 1;

export type JobDecision =
  | { readonly allowed: true; readonly via: string }
  | { readonly allowed: false; readonly reason: 'not-allowed' | 'authorisation-unavailable' | 'invalid'; readonly detail: string };

export interface InteractionJob {
  readonly v: typeof INTERACTION_JOB_VERSION;
  /** Stable per request (from its signature): audit record id, mute id and respond's request id derive from it. */
  readonly id: string;
  readonly receivedAt: number;
  readonly user: { readonly id: string; readonly name?: string; readonly teamId?: string };
  /** What was asked. For an `invalid` decision only `name` is meaningful. */
  readonly action: RequestedAction | { readonly name: ActionName; readonly ref?: undefined };
  readonly decision: JobDecision;
  readonly responseUrl?: string;
  readonly container: { readonly channelId?: string; readonly messageTs?: string; readonly threadTs?: string; readonly isEphemeral: boolean };
  /** Slack's copy of the clicked message: the fallback when the store holds none of our own (digests, old messages). */
  readonly message?: SlackMessageCopy;
}

const ACTION_NAMES = ['acknowledge', 'archive', 'block', 'undoBlock', 'mute', 'muteType', 'undoMute'] as const satisfies readonly ActionName[];

const jobSchema = z.object({
  v: z.literal(INTERACTION_JOB_VERSION),
  id: z.string().check(z.regex(/^[0-9a-f]{16,64}$/)),
  receivedAt: z.number(),
  user: z.object({ id: z.string().check(z.regex(SLACK_USER_ID)), name: z.optional(z.string()), teamId: z.optional(z.string()) }),
  action: z.object({
    name: z.enum(ACTION_NAMES),
    ref: z.optional(
      z.object({
        d: z.string(),
        f: z.optional(z.string()),
        t: z.optional(z.string()),
        for: z.optional(z.string()),
        m: z.optional(z.string()),
      }),
    ),
    forMs: z.optional(z.number()),
  }),
  decision: z.union([
    z.object({ allowed: z.literal(true), via: z.string() }),
    z.object({ allowed: z.literal(false), reason: z.enum(['not-allowed', 'authorisation-unavailable', 'invalid']), detail: z.string() }),
  ]),
  responseUrl: z.optional(z.string()),
  container: z.object({
    channelId: z.optional(z.string().check(z.regex(SLACK_CHANNEL_ID))),
    messageTs: z.optional(z.string().check(z.regex(SLACK_TS))),
    threadTs: z.optional(z.string().check(z.regex(SLACK_TS))),
    isEphemeral: z.boolean(),
  }),
  message: z.optional(z.unknown()),
});

/**
 * A job read back from the queue, or undefined when it is not one of ours (a malformed queue message is dropped with
 * a log line by the consumer, not retried forever).
 */
export function parseInteractionJob(value: unknown): InteractionJob | undefined {
  const parsed = jobSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return value as InteractionJob;
}
