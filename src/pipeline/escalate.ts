import { createHash } from 'node:crypto';
import type { Config, DestinationConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { RenderedMessage } from '../core/message.js';
import { decideEscalation, escalationTimes, type EscalationRow } from '../policy/escalation.js';
import { noteAs, renderEscalationNotice } from '../render/escalation-notice.js';
import { payloadFormatOf } from '../deliver/payload-format.js';
import { pagerDutySeverity } from '../render/pagerduty-event.js';
import type { OutboxRow, Store } from '../state/store.js';
import { escalateByRoute, pagesOf } from './on-call-step.js';

/**
 * Carries out the escalations that are due: the daemon's drain loop calls it every pass, the Lambda's schedule every
 * minute (when a route escalates). For each due row, in this order:
 *   1. acknowledged (every finding of the message)? the row ends; nothing is sent;
 *   2. else the escalation's messages are committed to the outbox — a trigger to each `escalate.to` PagerDuty
 *      destination, the notice to each `escalate.to` chat destination, and a reply in the original message's thread
 *      (slack-api; a new message naming it on a webhook) with the route's mentions — under ids derived from
 *      (row, step, destination);
 *   3. then the row moves on (`repeat` later, or ends after `times`), only if no other escalator moved it first.
 * A crash between 2 and 3 leaves the row due: the next run commits the same ids again (stored once) and moves it on.
 * So a restart neither loses nor doubles a step; the messages are then delivered at least once, as every message.
 */

/** At most this many rows per run; the rest are due next run (seconds later). */
const ESCALATIONS_PER_RUN = 100;

export interface EscalationSummary {
  /** Rows that escalated one step. */
  escalated: number;
  /** Rows that ended because their findings were acknowledged. */
  acknowledged: number;
  /** Outbox rows queued. */
  queued: number;
}

export interface Escalator {
  /** Escalates what is due at `now`; never throws for one row (logged), so one bad row never blocks the others. */
  run(now: number): Promise<EscalationSummary>;
}

function outboxId(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** Whether a destination is a chat (gets the notice) or PagerDuty (gets the page). */
const isPager = (d: DestinationConfig | undefined): boolean => d?.type === 'pagerduty';

/**
 * @example
 * const escalator = createEscalator({ config, store, logger });
 * await escalator.run(Date.now());
 */
export function createEscalator(options: { config: Config; store: Store; logger: Logger }): Escalator {
  const { config, store, logger } = options;
  const escalateOf = escalateByRoute(config);
  const destinations = new Map(config.destinations.map((d) => [d.name, d]));

  /** The messages of one escalation step, committed before the row moves on. */
  function stepMessages(row: EscalationRow, step: number, notAcknowledgedForMs: number, at: number): OutboxRow[] {
    const rule = escalateOf.get(row.route)!;
    const paged = rule.to.filter((name) => isPager(destinations.get(name)));
    const chats = new Set<string>();
    for (const name of row.destinations) if (destinations.has(name) && !isPager(destinations.get(name))) chats.add(name);
    for (const name of rule.to) if (destinations.has(name) && !isPager(destinations.get(name))) chats.add(name);
    const times = escalationTimes(rule);
    const single = row.findingIds.length === 1 && row.subject === row.findingIds[0];
    const out: OutboxRow[] = [];
    const push = (destination: string, message: RenderedMessage): void => {
      out.push({
        id: outboxId([row.id, String(step), destination]),
        destination,
        kind: 'escalation',
        // A single finding's notice goes into its thread on slack-api (the drainer looks the thread up by finding).
        ...(single ? { findingId: row.findingIds[0]! } : {}),
        findingIds: row.findingIds,
        message,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
      });
    };
    for (const name of paged) {
      if (row.page === undefined) {
        logger.warn('An escalation names a PagerDuty destination added after its message; it is not paged', { route: row.route, destination: name });
        continue;
      }
      const dest = destinations.get(name);
      const severities = dest?.type === 'pagerduty' ? dest.severities : undefined;
      const page = structuredClone(row.page);
      if (page.payload !== undefined && severities !== undefined) page.payload.severity = pagerDutySeverity(bandName(row.bandRank), severities);
      push(name, { pagerduty: page });
    }
    for (const name of chats) {
      const dest = destinations.get(name)!;
      const threads = dest.type === 'slack-api';
      const message = noteAs(
        payloadFormatOf(dest),
        renderEscalationNotice({
          headline: row.headline,
          mentions: row.mentions,
          notAcknowledgedForMs,
          paged: paged.filter(() => row.page !== undefined),
          told: [...chats],
          step,
          times,
          // Only a slack-api destination that carried the original message has a thread to reply in.
          inThread: threads && single && row.destinations.includes(name),
        }),
      );
      if (message !== undefined) push(name, message);
    }
    return out;
  }

  async function escalateOne(row: EscalationRow, now: number, summary: EscalationSummary): Promise<void> {
    const acks = await store.getAcks(row.findingIds);
    const acknowledgedAt = row.findingIds.every((id) => acks.has(id)) ? Math.max(...[...acks.values()].map((a) => a.at)) : undefined;
    const decision = decideEscalation(row, escalateOf.get(row.route), { now, acknowledgedAt });
    const from = { step: row.step, state: row.state };
    if (decision.kind !== 'escalate') {
      await store.updateEscalation(decision.next, from);
      if (decision.kind === 'acknowledged') summary.acknowledged += 1;
      return;
    }
    const outbox = stepMessages(row, decision.step, decision.notAcknowledgedForMs, now);
    if (outbox.length > 0) {
      const pages = pagesOf(outbox, now);
      await store.commit({ ledger: [], outbox, decisions: [], ...(pages.length > 0 ? { pages } : {}) });
    }
    const moved = await store.updateEscalation(decision.next, from);
    if (moved) {
      summary.escalated += 1;
      summary.queued += outbox.length;
      logger.info('Escalated: not acknowledged in time', { route: row.route, subject: row.subject, step: decision.step, messages: outbox.length });
    }
  }

  return {
    async run(now) {
      const summary: EscalationSummary = { escalated: 0, acknowledged: 0, queued: 0 };
      if (escalateOf.size === 0) return summary;
      const due = await store.dueEscalations(now, ESCALATIONS_PER_RUN);
      for (const row of due) {
        try {
          await escalateOne(row, now, summary);
        } catch (error) {
          logger.error('An escalation could not be carried out; it is tried again on the next run', { route: row.route, subject: row.subject, error: String(error) });
        }
      }
      return summary;
    },
  };
}

function bandName(rank: number): 'Critical' | 'High' | 'Medium' | 'Low' | 'Unknown' {
  return rank >= 4 ? 'Critical' : rank === 3 ? 'High' : rank === 2 ? 'Medium' : rank === 1 ? 'Low' : 'Unknown';
}
