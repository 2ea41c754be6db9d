/**
 * Escalation: what a route's unacknowledged message does when nobody answers. Pure: the caller reads the store and the
 * clock, we decide; the store keeps the rows (state/), the escalation runner carries them out (pipeline/escalate.ts).
 *
 * One row per (route, message subject): the subject is the finding for a single message, `digest:<outbox id>` for a
 * digest. It is committed with the message (DecisionCommit.escalations, put only if absent: a re-published finding
 * neither re-arms nor doubles it). Rows are also kept, without a deadline, for every High/Critical message of a route
 * that does not escalate: `status` counts what is still unacknowledged and how long acknowledging took, per route.
 */
import { SLACK_MENTION as SLACK_MENTION_PATTERN, type EscalateConfig } from '../config/schema.js';
import type { PagerDutyEvent } from '../core/message.js';
import type { Finding } from '../finding/finding.js';

export type EscalationState = 'waiting' | 'ended';

export interface EscalationRow {
  /** `<route>\u0000<subject>` (escalationId). */
  id: string;
  route: string;
  /** The finding id, or `digest:<outbox id>`. */
  subject: string;
  /** The findings the message accounts for: acknowledged when all of them are. */
  findingIds: string[];
  /** The route's destinations the message went to (replies go there). */
  destinations: string[];
  /** Epoch ms the message was committed: the clock `after` counts from. */
  createdAt: number;
  /** Band rank of the worst finding (3 High, 4 Critical): `status` lists unacknowledged High/Critical. */
  bandRank: number;
  /** The next escalation, epoch ms; null when the route does not escalate (kept for `status` only). */
  dueAt: number | null;
  /** Escalations done so far. */
  step: number;
  state: EscalationState;
  /** Why it ended: acknowledged, or `times` escalations done. */
  endedReason?: 'acknowledged' | 'times';
  /** When the first acknowledgement of its findings was recorded (time to acknowledge = this − createdAt). */
  acknowledgedAt?: number;
  /** Rendered once, at commit: the one-line headline (raw, finding text sanitised; each medium escapes it). */
  headline: string;
  /** Slack mentions, from the config only (route `mention`, and `mentionByTag` resolved through its map). */
  mentions: string[];
  /** The trigger each `escalate.to` PagerDuty destination gets (same dedup key as the finding's own page). */
  page?: PagerDutyEvent;
}

/** `high\u0000<finding id>`: one row per route and subject, so every writer of the same message writes the same row. */
export function escalationId(route: string, subject: string): string {
  return `${route}\u0000${subject}`;
}

export function digestSubject(outboxId: string): string {
  return `digest:${outboxId}`;
}

/** Band ranks `status` watches even without `escalate`: High (3) and Critical (4). */
export const WATCHED_BAND_RANK = 3;

/** How many escalations a route makes: `times`, else 1, or 3 with `repeat`. */
export function escalationTimes(escalate: EscalateConfig): number {
  return escalate.times ?? (escalate.repeat === undefined ? 1 : 3);
}

/**
 * The mentions of an escalation: the route's own, then the owner's through `mentionByTag`. The tag value comes from the
 * finding (attacker-influenced): it is only ever a key looked up in the config's map (own keys only, never the
 * prototype), and the mention is the map's value, checked against the mention pattern again. A value not in the map
 * mentions nobody.
 */
export function escalationMentions(escalate: EscalateConfig, finding: Pick<Finding, 'resource'> | undefined): string[] {
  const out = [...escalate.mention];
  const byTag = escalate.mentionByTag;
  if (byTag !== undefined && finding !== undefined) {
    const tags = finding.resource.tags;
    const value = Object.hasOwn(tags, byTag.tag) ? tags[byTag.tag] : undefined;
    if (typeof value === 'string' && Object.hasOwn(byTag.map, value)) {
      const mention = byTag.map[value];
      if (typeof mention === 'string' && SLACK_MENTION_PATTERN.test(mention)) out.push(mention);
    }
  }
  return [...new Set(out)].filter((m) => SLACK_MENTION_PATTERN.test(m));
}

/** What one due row comes to now: nothing (acknowledged), or one escalation and the row after it. */
export type EscalationStep =
  | { kind: 'acknowledged'; next: EscalationRow }
  | { kind: 'escalate'; step: number; next: EscalationRow; notAcknowledgedForMs: number }
  /** The route lost its `escalate` since (config changed): the row is kept for `status`, without a deadline. */
  | { kind: 'disarmed'; next: EscalationRow };

/**
 * The decision for a due row: acknowledged rows end; else escalation number `step + 1` happens, and the next deadline is
 * `repeat` later while fewer than `times` escalations were made.
 *
 * @example
 * const step = decideEscalation(row, route.escalate, { now, acknowledged: acks.size === row.findingIds.length });
 */
export function decideEscalation(
  row: EscalationRow,
  escalate: EscalateConfig | undefined,
  input: { now: number; acknowledgedAt: number | undefined },
): EscalationStep {
  if (input.acknowledgedAt !== undefined) {
    return { kind: 'acknowledged', next: { ...row, state: 'ended', endedReason: 'acknowledged', acknowledgedAt: input.acknowledgedAt, dueAt: null } };
  }
  if (escalate === undefined) return { kind: 'disarmed', next: { ...row, dueAt: null } };
  const step = row.step + 1;
  const more = escalate.repeat !== undefined && step < escalationTimes(escalate);
  const next: EscalationRow = more
    ? { ...row, step, dueAt: Math.max(input.now, row.dueAt ?? input.now) + escalate.repeat! }
    : { ...row, step, dueAt: null, state: 'ended', endedReason: 'times' };
  // The nominal time ("15 min", "45 min"), not the measured one: a schedule that ran 40 s late says what the route says.
  return { kind: 'escalate', step, next, notAcknowledgedForMs: Math.max(0, (row.dueAt ?? input.now) - row.createdAt) };
}
