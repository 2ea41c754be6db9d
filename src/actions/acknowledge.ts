import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { RenderedMessage } from '../core/message.js';
import { payloadFormatOf } from '../deliver/payload-format.js';
import type { AuditRecord } from '../interact/audit-record.js';
import type { AckSource, Acknowledgement } from '../policy/acknowledgement.js';
import { digestSubject, escalationId, escalationTimes, type EscalationRow } from '../policy/escalation.js';
import { noteAs, renderAcknowledgementNote } from '../render/escalation-notice.js';
import { pagerDutyDedupKey, pagerDutyLifecycle, referenceOfKey } from '../render/pagerduty-event.js';
import type { OutboxRow, Store } from '../state/store.js';

/**
 * The one gate for acknowledging (and for telling the world a finding was archived). Every way in calls it: the Slack
 * Acknowledge button (a finding's, or a digest's: every finding it lists), PagerDuty's `incident.acknowledged`
 * webhook, archiving (the button, or GuardDuty/Security Hub sending the finding archived), and `guardduty-notifier ack`.
 *
 * Against the finding as the store knows it, never as a button or a webhook claims it: a finding the store never
 * notified anywhere is refused (`not-found`). For each finding, in this order:
 *   1. already acknowledged? nothing more happens, and the caller is told by whom (recorded once);
 *   2. the destinations that heard of it are told, through the outbox (committed first, ids derived from the finding
 *      and the destination, so a repeated call queues nothing twice): each PagerDuty destination that was paged gets
 *      `acknowledge` (archived: `resolve`) with the alert's own key; each chat destination that got a message gets a
 *      note in its thread ("Acknowledged in PagerDuty by Dana, 03:04"), unless the acknowledgement came from that chat
 *      (the click rewrites its own message);
 *   3. the acknowledgement is recorded (who, where, when) and its escalations end (the deadline rows of every route);
 *   4. an audit record says what happened.
 * Undo: PagerDuty's `incident.unacknowledged` (unacknowledge below) removes the record and escalation resumes.
 */

/** Where an acknowledgement came from, in words for people ("Acknowledged in PagerDuty"). */
export const ACK_WHERE: Readonly<Record<AckSource, string>> = {
  slack: 'Slack',
  pagerduty: 'PagerDuty',
  archive: 'GuardDuty (archived)',
  cli: 'the command line',
  demo: 'the demo',
};

export interface AcknowledgeRequest {
  findingIds: readonly string[];
  /** `slack:U012DANA`, `pagerduty:PUSER`, `cli:alice`. */
  by: string;
  /** A display name (Slack user name, PagerDuty agent); shown as inert text. */
  byName?: string;
  via: AckSource;
  at: number;
  /** The finding was archived: PagerDuty alerts are resolved, not acknowledged. */
  archived?: boolean;
  /** The chat destination the acknowledgement was made in (its message is rewritten by the caller, not noted). */
  fromDestination?: string;
  /** A digest's Acknowledge: its outbox id, so the digest's own escalation ends too. */
  digestId?: string;
  /** Stable per request (a Slack job id, a webhook event id): the audit record's id. */
  requestId: string;
  /**
   * The caller writes the one audit record of this act itself (a Slack click: the interaction worker's record carries
   * the destination clicked in, the finding type and account); the gate then writes none, so one click is one record.
   */
  auditedByCaller?: boolean;
  /** No audit record for a finding the store does not know (the pipeline passing on every archived finding it reads). */
  quietWhenUnknown?: boolean;
}

export type AcknowledgeResult =
  | { findingId: string; result: 'done'; ack: Acknowledgement; told: string[] }
  | { findingId: string; result: 'already'; ack: Acknowledgement }
  | { findingId: string; result: 'not-found' };

export interface AcknowledgeDeps {
  config: Pick<Config, 'routes' | 'destinations' | 'defaultRoute'>;
  store: Store;
  logger?: Logger;
  /**
   * Rewrites the finding's own Slack message in place (chat.update, slack-api with `interact:`), saying who
   * acknowledged where; true when it did. Absent: the thread note is what Slack shows.
   */
  rewriteMessage?: (destination: string, findingId: string, view: { by: string; at: number; where: string }) => Promise<boolean>;
}

const outboxId = (parts: readonly string[]): string => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/** Every route name routeFinding can give (`name` or `routes[i]`, `default`, `all`). */
function routeNames(config: AcknowledgeDeps['config']): string[] {
  return [...config.routes.map((r, i) => r.name ?? `routes[${i}]`), 'default', 'all'];
}

/** The escalation rows that may exist for a finding (one per route) and for a digest. */
async function escalationsOf(store: Store, config: AcknowledgeDeps['config'], findingId: string, digestId: string | undefined): Promise<EscalationRow[]> {
  const ids = routeNames(config).map((route) => escalationId(route, findingId));
  if (digestId !== undefined) for (const route of routeNames(config)) ids.push(escalationId(route, digestSubject(digestId)));
  return [...(await store.getEscalations(ids)).values()];
}

/** Ends each row's escalation (acknowledged at `at`), re-reading once when another writer moved it first. */
async function endEscalations(store: Store, rows: readonly EscalationRow[], at: number): Promise<void> {
  for (let row of rows) {
    for (let attempt = 0; attempt < 3 && row.acknowledgedAt === undefined; attempt++) {
      const next: EscalationRow = { ...row, acknowledgedAt: at, state: 'ended', dueAt: null, ...(row.state === 'waiting' ? { endedReason: 'acknowledged' as const } : {}) };
      if (await store.updateEscalation(next, { step: row.step, state: row.state })) break;
      const reread = (await store.getEscalations([row.id])).get(row.id);
      if (reread === undefined) break;
      row = reread;
    }
  }
}

/**
 * @example
 * const results = await acknowledgeFindings({ config, store }, { findingIds: ['9ec5…'], by: 'cli:alice', via: 'cli', at: Date.now(), requestId });
 */
export async function acknowledgeFindings(deps: AcknowledgeDeps, request: AcknowledgeRequest): Promise<AcknowledgeResult[]> {
  const { config, store } = deps;
  const logger = deps.logger ?? silentLogger;
  const destinations = new Map(config.destinations.map((d) => [d.name, d]));
  const results: AcknowledgeResult[] = [];
  const existing = await store.getAcks(request.findingIds);
  const where = ACK_WHERE[request.via];
  const display = request.byName ?? request.by;

  for (const findingId of [...new Set(request.findingIds)]) {
    const before = existing.get(findingId);
    if (before !== undefined && request.archived !== true) {
      results.push({ findingId, result: 'already', ack: before });
      continue;
    }
    // What the store knows: the destinations that got a message about it, the PagerDuty alerts that were opened.
    const ledgers = await Promise.all(config.destinations.map(async (d) => ((await store.getLedger(d.name, [findingId])).has(findingId) ? d.name : undefined)));
    const notifiedIn = ledgers.filter((name): name is string => name !== undefined);
    const dedupKey = pagerDutyDedupKey(findingId);
    const pages = await store.getPages(referenceOfKey(dedupKey)!);
    const paged = pages.filter((p) => p.dedupKey === dedupKey && destinations.get(p.destination)?.type === 'pagerduty');
    const escalations = await escalationsOf(store, config, findingId, request.digestId);
    if (notifiedIn.length === 0 && paged.length === 0 && escalations.length === 0) {
      results.push({ findingId, result: 'not-found' });
      continue;
    }

    // 2. Tell every destination that heard of it (committed before anything is recorded: a crash repeats, never loses).
    const outbox: OutboxRow[] = [];
    const told: string[] = [];
    const action = request.archived === true ? 'resolve' : 'acknowledge';
    for (const page of paged) {
      outbox.push(lifecycleRow(outboxId([action, findingId, page.destination]), page.destination, findingId, { pagerduty: pagerDutyLifecycle(action, page.dedupKey) }, request.at));
      told.push(page.destination);
    }
    const headline = escalations[0]?.headline ?? '';
    for (const name of notifiedIn) {
      const dest = destinations.get(name);
      if (dest === undefined || dest.type === 'pagerduty' || name === request.fromDestination) continue;
      if (before !== undefined) continue; // archived after an acknowledgement: the chat heard already
      const rewritten = deps.rewriteMessage === undefined ? false : await deps.rewriteMessage(name, findingId, { by: display, at: request.at, where }).catch(() => false);
      const note = noteAs(
        payloadFormatOf(dest),
        renderAcknowledgementNote({ where, by: display, at: request.at, headline, inThread: dest.type === 'slack-api', ...(request.archived === true ? { archived: true } : {}) }),
      );
      if (note !== undefined && !rewritten) outbox.push(lifecycleRow(outboxId(['ack-note', findingId, name]), name, findingId, note, request.at));
      told.push(name);
    }
    if (outbox.length > 0) await store.commit({ ledger: [], outbox, decisions: [] });

    // 3. Recorded once; the escalations end.
    const ack: Acknowledgement = { findingId, at: request.at, by: request.by, via: request.via, ...(request.byName === undefined ? {} : { byName: request.byName }) };
    const recorded = before ?? (await store.recordAck(ack)).ack;
    await endEscalations(store, escalations, recorded.at);
    results.push({ findingId, result: 'done', ack: recorded, told });
    logger.info(request.archived === true ? 'Archived finding resolved where it was paged' : 'Finding acknowledged', { findingId, via: request.via, told: told.length });
  }

  // 4. One audit record per finding acknowledged (or refused), under the request's id — unless the caller writes it.
  for (const r of request.auditedByCaller === true ? [] : results) {
    if (r.result === 'not-found' && request.quietWhenUnknown === true) continue;
    const record: { -readonly [K in keyof AuditRecord]: AuditRecord[K] } = {
      id: `${request.requestId}:${r.findingId}`,
      at: request.at,
      actor: request.by,
      via: auditVia(request.via),
      action: request.archived === true ? 'archive' : 'acknowledge',
      result: r.result === 'not-found' ? 'refused' : 'done',
      findingId: r.findingId,
    };
    if (request.byName !== undefined) record.actorName = request.byName;
    if (r.result === 'not-found') record.reason = 'not-found';
    if (r.result === 'already') record.detail = `already acknowledged by ${r.ack.byName ?? r.ack.by} via ${r.ack.via}`;
    if (r.result === 'done' && r.told.length > 0) record.detail = `told ${r.told.join(', ')}`;
    await store.appendAudit(record).catch((error: unknown) => logger.error('Could not write the audit record', { id: record.id, error: String(error) }));
  }
  return results;
}

function auditVia(via: AckSource): AuditRecord['via'] {
  return via === 'archive' ? 'guardduty' : via;
}

function lifecycleRow(id: string, destination: string, findingId: string, message: RenderedMessage, at: number): OutboxRow {
  return { id, destination, kind: 'lifecycle', findingId, findingIds: [findingId], message, status: 'pending', attempts: 0, createdAt: at, nextAttemptAt: at };
}

/**
 * PagerDuty's `incident.unacknowledged` (the acknowledgement timed out, or someone undid it): the record goes and the
 * escalations of routes that escalate wait again, `repeat` (else `after`) from now.
 */
export async function unacknowledgeFindings(deps: AcknowledgeDeps, request: { findingIds: readonly string[]; at: number; requestId: string; by: string; byName?: string }): Promise<string[]> {
  const { config, store } = deps;
  const escalate = new Map(config.routes.map((r, i) => [r.name ?? `routes[${i}]`, r.escalate] as const));
  const resumed: string[] = [];
  for (const findingId of request.findingIds) {
    if (!(await store.removeAck(findingId))) continue;
    resumed.push(findingId);
    for (const row of await escalationsOf(store, config, findingId, undefined)) {
      const rule = escalate.get(row.route);
      if (rule === undefined || row.endedReason !== 'acknowledged' || row.step >= escalationTimes(rule)) continue;
      const next: EscalationRow = { ...row, state: 'waiting', dueAt: request.at + (rule.repeat ?? rule.after) };
      delete next.acknowledgedAt;
      delete next.endedReason;
      await store.updateEscalation(next, { step: row.step, state: row.state });
    }
    await store.appendAudit({
      id: `${request.requestId}:${findingId}`,
      at: request.at,
      actor: request.by,
      ...(request.byName === undefined ? {} : { actorName: request.byName }),
      via: 'pagerduty',
      action: 'acknowledge',
      result: 'done',
      findingId,
      detail: 'unacknowledged in PagerDuty: escalation resumes',
    });
  }
  return resumed;
}
