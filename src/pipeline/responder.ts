import { createHash } from 'node:crypto';
import type { Config, RespondConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Finding } from '../finding/finding.js';
import type { BlockIntent } from '../respond/block-intent.js';
import { announceIntent, announceUnblock, oneMessagePerDestination, type DestinationLine } from '../respond/announce.js';
import { expireBlocks, type BlockRecord } from '../respond/block-record.js';
import { createAllowList } from '../respond/ip-safety.js';
import { planBlocks, planBlocksForFindings } from '../respond/plan-blocks.js';
import { remoteAddressesOf } from '../respond/remote-addresses.js';
import { createStoreFindingKnowledge } from './block-actions.js';
import type { TargetRoom } from '../respond/target-room.js';
import { convergeTargets, countInForce, type TargetOutcome } from '../respond/targets/converge.js';
import type { BlockTarget, ReconcileResult } from '../respond/targets/target.js';
import { renderRespondMessage, type RespondMessageInput } from '../render/respond-lines.js';
import { renderRespondAs } from '../render/renderers.js';
import { payloadFormatOf } from '../deliver/payload-format.js';
import { targetFailureKey, targetHeldKey } from '../state/block-status.js';
import type { OutboxRow, Store } from '../state/store.js';

/**
 * respond/ in a running notifier (pipeline, Lambda, daemon, `block` commands): reads the store for the planner,
 * converges the targets to the store, prunes expired blocks, and queues what people must hear — unblocks, and a
 * target that cannot be written (once per episode, loudly, with what to do; and once more when it works again).
 *
 * "Effects are decided, committed, then carried out": the pipeline commits block rows with the messages that announce
 * them; `converge` then makes each target match the rows (read, compare, write with the token). It never throws for a
 * target: a failing one is an outcome (and an alert), the others go on.
 */

const HOUR_MS = 3_600_000;
/** The alert episode of a target: the CursorStore keeps when its current failure began (0: healthy); `status` shows it. */
const ALERT_KEY = targetFailureKey;

export interface ResponderOptions {
  config: Config & { respond: RespondConfig };
  store: Store;
  logger: Logger;
  now?: () => number;
  /** Targets to converge (tests: clients on the stand-ins); default: built from `respond.targets` on first use. */
  targets?: ReadonlyMap<string, BlockTarget>;
}

export interface RespondPlan {
  readonly perFinding: ReadonlyArray<{ readonly finding: Finding; readonly intents: readonly BlockIntent[] }>;
  readonly intents: readonly BlockIntent[];
  /** Findings the planner threw on: no block for them, one logged error each. */
  readonly failed: ReadonlyArray<{ readonly finding: Finding; readonly error: unknown }>;
}

export interface ConvergeReport {
  readonly at: number;
  readonly dryRun: boolean;
  readonly outcomes: readonly TargetOutcome[];
  /** Per target: our blocks in force after the converge (the store's count where the target failed). */
  readonly inForce: ReadonlyMap<string, number>;
  /** Messages queued: first failures of a target, recoveries, blocks the target had no room for. */
  readonly alerts: number;
}

export interface SyncReport extends ConvergeReport {
  /** Rows this sync's prune ended (expired). */
  readonly pruned: readonly BlockRecord[];
}

/** One message of its own for respond's lines, before it becomes an outbox row. */
export interface Announcement {
  readonly destination: string;
  readonly lines: readonly string[];
  readonly finding?: { readonly id: string; readonly type: string; readonly title?: string };
  readonly tone?: RespondMessageInput['tone'];
  /** What makes the message unique (its outbox id is derived from these and its content). */
  readonly idParts?: readonly string[];
}

export interface Responder {
  readonly respond: RespondConfig;
  /** `respond.mode` is not `enforce`: rows are dry-run, targets are read and never written. */
  readonly dryRun: boolean;
  /** Plans a batch's blocks (pure planning over what the store holds now); a finding it throws on is left out. */
  plan(findings: readonly Finding[], now: number): Promise<RespondPlan>;
  /**
   * Makes the targets (or those named) match the store; queues alerts. Never throws for a target. `dryRun: true`
   * reads and compares only, whatever the mode (`block sync --dry-run`).
   */
  converge(options?: { only?: readonly string[]; signal?: AbortSignal; dryRun?: boolean }): Promise<ConvergeReport>;
  /** Ends rows whose time is up (`expired`) and queues their unblock announcements; the ended rows. */
  prune(now?: number): Promise<BlockRecord[]>;
  /** `prune` (when asked) then `converge` every target: the Lambda's schedule, the daemon's timer, `block prune|sync`. */
  sync(options?: { prune?: boolean; signal?: AbortSignal }): Promise<SyncReport>;
  /** Outbox rows for announcements (grouped per destination above the digest threshold). */
  announcementRows(announcements: readonly Announcement[], at: number): OutboxRow[];
  /** The targets, built on first use. */
  targets(): Promise<ReadonlyMap<string, BlockTarget>>;
  /** Called after every converge, whoever asked for it (the daemon's metrics); returns the unsubscribe. */
  onConverge(listener: (report: ConvergeReport) => void): () => void;
  /**
   * Reads these targets (never writes, no alert) for the room each has left once it holds the store's rows, and its
   * blocks in force: the block gate checks a new block fits before storing it. A target that cannot be read is left out.
   */
  measure(only: readonly string[]): Promise<ReadonlyMap<string, TargetRoom>>;
}

function outboxId(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** The lines of a finding's intents that people should read; a re-publication's `already-blocked` is not news. */
export function announcedLines(intents: readonly BlockIntent[]): string[] {
  return intents.filter((i) => !(i.kind === 'refuse' && i.reason === 'already-blocked')).map(announceIntent);
}

/** Intents worth a message of their own when the finding has none: an action, or a refusal at a cap. */
export function isNews(intent: BlockIntent): boolean {
  return intent.kind !== 'refuse' || intent.reason === 'cap' || intent.reason === 'rate';
}

/**
 * @example
 * const responder = createResponder({ config, store, logger });
 * const plan = await responder.plan(findings, Date.now());
 * await store.commit({ ...batch, blocks: plan.intents.flatMap((i) => (i.kind === 'refuse' ? [] : [i.record])) });
 * await responder.converge();
 */
export function createResponder(options: ResponderOptions): Responder {
  const { config, store, logger } = options;
  const respond = config.respond;
  const clock = options.now ?? Date.now;
  const dryRun = respond.mode !== 'enforce';
  const allow = createAllowList(respond.allow);
  const knowledge = config.interact === undefined ? undefined : createStoreFindingKnowledge({ store, config });
  /** Room each target reported on its last reconcile: the planner refuses `cap` instead of overfilling it. */
  const room = new Map<string, TargetRoom>();
  let targetsPromise: Promise<ReadonlyMap<string, BlockTarget>> | undefined;
  const listeners = new Set<(report: ConvergeReport) => void>();

  function targets(): Promise<ReadonlyMap<string, BlockTarget>> {
    targetsPromise ??= (async () => {
      if (options.targets) return options.targets;
      // Loaded on first use: the Lambda without `respond:` never loads the targets, nor their SDK clients.
      const { createBlockTargets } = await import('../respond/targets/create-targets.js');
      return createBlockTargets(respond, { logger, now: clock });
    })();
    return targetsPromise;
  }

  function announcementRows(announcements: readonly Announcement[], at: number): OutboxRow[] {
    const byDestination = new Map<string, Announcement[]>();
    for (const a of announcements) {
      if (a.lines.length === 0) continue;
      const list = byDestination.get(a.destination);
      if (list) list.push(a);
      else byDestination.set(a.destination, [a]);
    }
    const rows: OutboxRow[] = [];
    const row = (destination: string, a: Omit<Announcement, 'destination'>): OutboxRow => {
      const input: RespondMessageInput = {
        lines: a.lines,
        ...(a.tone ? { tone: a.tone } : {}),
        ...(a.finding ? { finding: a.finding } : {}),
      };
      // In the destination's own format; a destination no longer in the config (a block's announceTo outlives
      // config edits) has no sink to read it, and keeps every format should it come back.
      const dest = config.destinations.find((d) => d.name === destination);
      const message = dest === undefined ? renderRespondMessage(input) : renderRespondAs(payloadFormatOf(dest), input);
      const findingId = a.finding?.id;
      return {
        id: outboxId([destination, 'respond', findingId ?? '', ...(a.idParts ?? []), ...a.lines]),
        destination,
        // With its finding: a quiet reply in the finding's thread on slack-api (the drainer looks the thread up).
        kind: findingId === undefined ? 'new' : 'repeat',
        ...(findingId === undefined ? {} : { findingId }),
        findingIds: findingId === undefined ? [] : [findingId],
        message,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
      };
    };
    for (const [destination, list] of byDestination) {
      const alerts = list.filter((a) => a.tone === 'alert' || a.tone === 'recovered');
      const news = list.filter((a) => a.tone !== 'alert' && a.tone !== 'recovered');
      for (const a of alerts) rows.push(row(destination, a));
      if (news.length > config.digest.threshold) {
        // A burst: one message for the destination, like a digest, instead of one per finding.
        rows.push(row(destination, { lines: news.flatMap((a) => a.lines), idParts: news.flatMap((a) => [...(a.idParts ?? []), a.finding?.id ?? '']) }));
      } else {
        for (const a of news) rows.push(row(destination, a));
      }
    }
    return rows;
  }

  /**
   * The findings as the store knows them now (the block gate's rule): one archived from a Slack message in any channel,
   * or known as a sample, blocks nothing even when this copy of it says otherwise. Only findings that name a remote
   * address and carry neither flag are looked up (snapshots exist only with `interact:`).
   */
  async function asTheStoreKnows(findings: readonly Finding[]): Promise<Finding[]> {
    if (knowledge === undefined) return [...findings];
    return Promise.all(
      findings.map(async (finding) => {
        if (finding.sample || finding.archived || remoteAddressesOf(finding).length === 0) return finding;
        const known = await knowledge.knownFinding(finding.id).catch((error: unknown) => {
          logger.warn('Could not read what the store knows of a finding; planning on the finding as received', { findingId: safeId(finding), error: String(error) });
          return undefined;
        });
        return known === undefined || (!known.sample && !known.archived) ? finding : { ...finding, sample: known.sample, archived: known.archived };
      }),
    );
  }

  async function plan(findings: readonly Finding[], now: number): Promise<RespondPlan> {
    // Nothing to plan: no store reads (an empty poll tick or a batch of only unreadable documents).
    if (findings.length === 0) return { perFinding: [], intents: [], failed: [] };
    const [standing, recent, judged] = await Promise.all([store.listBlocks({ standing: true }), store.newBlocksSince(now - HOUR_MS), asTheStoreKnows(findings)]);
    const base = { respondConfig: respond, activeBlocks: standing, recentNewCount: recent, now, room, allow };
    try {
      const batch = planBlocksForFindings({ ...base, findings: judged });
      // The caller's own finding objects (it keys its maps by them), with the intents planned on the store's view.
      const perFinding = batch.perFinding.map((p, i) => ({ finding: findings[i]!, intents: p.intents }));
      return { perFinding, intents: batch.intents, failed: [] };
    } catch {
      // One finding the planner throws on must not cost the others their blocks: each alone, carrying the blocks
      // planned so far (so the caps still hold across the batch).
      const perFinding: Array<{ finding: Finding; intents: BlockIntent[] }> = [];
      const failed: Array<{ finding: Finding; error: unknown }> = [];
      const active = new Map(standing.map((r) => [`${r.target}|${r.cidr}`, r]));
      const counts = new Map(recent);
      for (const [i, finding] of findings.entries()) {
        try {
          const intents = planBlocks({ ...base, finding: judged[i]!, activeBlocks: [...active.values()], recentNewCount: counts });
          for (const intent of intents) {
            if (intent.kind === 'refuse') continue;
            active.set(`${intent.record.target}|${intent.record.cidr}`, intent.record);
            if (intent.kind === 'block') counts.set(intent.record.target, (counts.get(intent.record.target) ?? 0) + 1);
          }
          perFinding.push({ finding, intents });
        } catch (error) {
          failed.push({ finding, error });
          logger.error('Could not plan the blocks of a finding; it blocks nothing', { findingId: safeId(finding), error: String(error) });
        }
      }
      return { perFinding, intents: perFinding.flatMap((p) => p.intents), failed };
    }
  }

  async function alertsFor(outcomes: readonly TargetOutcome[], all: ReadonlyMap<string, BlockTarget>, at: number): Promise<Announcement[]> {
    const announcements: Announcement[] = [];
    const everyone = (lines: string[], tone: Announcement['tone'], idParts: string[]) =>
      config.destinations.map((d) => ({ destination: d.name, lines, tone, idParts }));
    for (const outcome of outcomes) {
      const key = ALERT_KEY(outcome.target);
      const since = (await store.getCursor(key)) ?? 0;
      const describe = all.get(outcome.target)?.describe() ?? outcome.target;
      const problem = !outcome.ok
        ? `Cannot ${dryRun ? 'read' : 'write'} ${describe}: ${outcome.error.failure}${outcome.error.code ? ` (${outcome.error.code})` : ''}. What to do: ${outcome.error.hint}`
        : outcome.result.refused.length > 0
          ? `${describe} cannot hold ${outcome.result.refused.length} of its blocks (${[...new Set(outcome.result.refused.map((r) => r.reason))].join(', ')}): ` +
            `${outcome.result.refused.slice(0, 5).map((r) => r.record.ip).join(', ')}${outcome.result.refused.length > 5 ? ', …' : ''}. ` +
            'What to do: lower respond.maxActive, or give the target room (a rule group with more capacity, an IPv6 set)'
          : undefined;
      if (problem !== undefined && since === 0) {
        await store.setCursor(key, at);
        logger.error('A respond target cannot be written; alerting once', { target: outcome.target, problem });
        announcements.push(...everyone([problem], 'alert', ['alert', outcome.target, String(at)]));
      } else if (problem === undefined && since > 0) {
        await store.setCursor(key, 0);
        const line = `${describe} ${dryRun ? 'can be read' : 'is written'} again${outcome.ok ? ` (${outcome.result.inForce} blocks in force)` : ''}.`;
        logger.info('A respond target works again', { target: outcome.target });
        announcements.push(...everyone([line], 'recovered', ['recovered', outcome.target, String(since)]));
      } else if (problem !== undefined) {
        logger.warn('A respond target still cannot be written (already alerted)', { target: outcome.target, since: new Date(since).toISOString() });
      }
    }
    return announcements;
  }

  async function converge(convergeOptions: { only?: readonly string[]; signal?: AbortSignal; dryRun?: boolean } = {}): Promise<ConvergeReport> {
    const all = await targets();
    const readOnly = dryRun || convergeOptions.dryRun === true;
    // Before any target reads the store: a row changed after this may not be in what the targets are given.
    const startedAt = clock();
    const outcomes = await convergeTargets({
      targets: all,
      rows: store,
      dryRun: readOnly,
      ...(convergeOptions.only ? { only: convergeOptions.only } : {}),
      ...(convergeOptions.signal ? { signal: convergeOptions.signal } : {}),
    });
    const at = clock();
    const inForce = new Map<string, number>();
    let fromStore: Map<string, number> | undefined;
    for (const outcome of outcomes) {
      if (outcome.ok) {
        room.set(outcome.target, { ...outcome.result.room, inForce: outcome.result.inForce });
        inForce.set(outcome.target, outcome.result.inForce);
        if (!readOnly) await recordHeld(outcome.target, startedAt, outcome.result.refused);
        if (outcome.result.written || outcome.result.changed) {
          logger.info(readOnly ? 'Respond target would change (dry-run)' : 'Respond target written', {
            target: outcome.target,
            added: outcome.result.added.length,
            removed: outcome.result.removed.length,
            inForce: outcome.result.inForce,
          });
        }
      } else {
        fromStore ??= countInForce(await store.listBlocks({ standing: true }).catch(() => []), at);
        inForce.set(outcome.target, fromStore.get(outcome.target) ?? 0);
      }
    }
    let alerts = 0;
    try {
      const rows = announcementRows(await alertsFor(outcomes, all, at), at);
      if (rows.length > 0) await store.commit({ ledger: [], outbox: rows, decisions: [] });
      alerts = rows.length;
    } catch (error) {
      logger.error('Could not queue the respond alert', { error: String(error) });
    }
    const report: ConvergeReport = { at, dryRun: readOnly, outcomes, inForce, alerts };
    for (const listener of listeners) {
      try {
        listener(report);
      } catch (error) {
        logger.warn('A converge listener threw', { error: String(error) });
      }
    }
    return report;
  }

  /**
   * The target now holds the store's active rows as of `startedAt` (state/block-status.ts: enforced vs pending),
   * except those it had no room for — the newest, so the mark stops just before the oldest of them.
   */
  async function recordHeld(target: string, startedAt: number, refused: ReconcileResult['refused']): Promise<void> {
    const heldAt = refused.length === 0 ? startedAt : Math.min(startedAt, Math.min(...refused.map((r) => r.record.updatedAt)) - 1);
    try {
      await store.setCursor(targetHeldKey(target), heldAt);
    } catch (error) {
      logger.warn('Could not record what the target holds; status shows its blocks as pending', { target, error: String(error) });
    }
  }

  async function prune(at = clock()): Promise<BlockRecord[]> {
    const standing = await store.listBlocks({ standing: true });
    const due = expireBlocks(standing, at);
    if (due.length === 0) return [];
    const stored = await store.putBlocks(due);
    const wasActive = new Set(standing.filter((r) => r.state === 'active').map((r) => `${r.target}|${r.cidr}`));
    const ended = stored.filter((r) => r.state === 'expired');
    // Only real blocks are announced as released; a dry-run row ending is not news. One message a destination for
    // everything this prune ended (in the finding's thread when all of it is one finding's), never one per address.
    const fallback = config.destinations[0]?.name;
    const lines: DestinationLine[] = [];
    for (const r of ended) {
      if (!wasActive.has(`${r.target}|${r.cidr}`)) continue;
      const destinations = r.announceTo !== undefined && r.announceTo.length > 0 ? r.announceTo : fallback === undefined ? [] : [fallback];
      for (const destination of destinations) {
        lines.push({
          destination,
          line: announceUnblock(r, 'expired'),
          ...(r.findingId === undefined ? {} : { finding: { id: r.findingId, type: r.reason } }),
          idParts: ['unblock', r.target, r.cidr, String(r.since), String(r.until)],
        });
      }
    }
    const announcements: Announcement[] = oneMessagePerDestination(lines).map((m) => ({
      destination: m.destination,
      lines: m.lines,
      ...(m.finding === undefined ? {} : { finding: m.finding }),
      idParts: m.idParts,
    }));
    const rows = announcementRows(announcements, at);
    if (rows.length > 0) await store.commit({ ledger: [], outbox: rows, decisions: [] });
    if (ended.length > 0) logger.info('Expired blocks pruned', { ended: ended.length });
    return ended;
  }

  async function sync(syncOptions: { prune?: boolean; signal?: AbortSignal } = {}): Promise<SyncReport> {
    const pruned = syncOptions.prune ? await prune() : [];
    const report = await converge(syncOptions.signal ? { signal: syncOptions.signal } : {});
    return { ...report, pruned };
  }

  async function measure(only: readonly string[]): Promise<ReadonlyMap<string, TargetRoom>> {
    const outcomes = await convergeTargets({ targets: await targets(), rows: store, dryRun: true, only });
    const measured = new Map<string, TargetRoom>();
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      // Rows the target could not hold already (the store is ahead of it): no room at all for one more.
      const reading: TargetRoom =
        outcome.result.refused.length > 0 ? { units: 0, v4: 0, v6: 0, inForce: outcome.result.inForce } : { ...outcome.result.room, inForce: outcome.result.inForce };
      measured.set(outcome.target, reading);
      room.set(outcome.target, reading);
    }
    return measured;
  }

  const onConverge = (listener: (report: ConvergeReport) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  return { respond, dryRun, plan, converge, prune, sync, announcementRows, targets, onConverge, measure };
}

function safeId(finding: Finding): string {
  try {
    return String(finding.id).slice(0, 100);
  } catch {
    return '';
  }
}
