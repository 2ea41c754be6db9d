import type { RespondConfig } from '../config/schema.js';
import { parseIpAddress, unmapIpv4 } from '../core/ip-address.js';
import { announceIntent, announceManualIntent, announceUnblock, oneMessagePerDestination, type DestinationLine, type GroupedLines } from '../respond/announce.js';
import type { BlockIntent, RefusalReason } from '../respond/block-intent.js';
import { fullDetail } from '../respond/block-rules.js';
import { createOwnAddressList } from '../respond/ip-safety.js';
import type { TargetRoom } from '../respond/target-room.js';
import { isStanding, type BlockRecord } from '../respond/block-record.js';
import { planManualBlock } from '../respond/plan-manual.js';
import type { TargetOutcome } from '../respond/targets/converge.js';
import type { BlockStore } from '../state/store.js';

/**
 * Blocks as people add and remove them: the one body behind `block add|remove|list` and the Slack "Block IP" menu, so
 * both check alike (the same never-block ranges, allow list and caps as the pipeline: respond/plan-manual.ts; there is
 * no force) and record alike (a row of the store; the targets converge to it). Nothing here writes a target directly:
 * the caller's `converge` does, after the row is stored.
 *
 * Announced like the pipeline's blocks: a block, an extension, a refusal at a cap, an unblock is a message in the
 * channels of the finding it names (a reply in its thread on slack-api), else in respond's fallback channel (the first
 * destination), with who asked and why. The rows are stored before their messages are queued, so a message never claims
 * a block the store does not hold.
 */

/** What the actions need; `pipeline/block-actions.ts` builds it from a runtime (`blockActionDeps(runtime)`). */
export interface BlockActionDeps {
  readonly store: Pick<BlockStore, 'listBlocks' | 'newBlocksSince' | 'putBlocks'>;
  readonly respond: RespondConfig;
  readonly now: () => number;
  /** Makes these targets match the store now (the runtime's responder); absent: the next sync does. */
  readonly converge?: (targets: readonly string[]) => Promise<{ readonly outcomes: readonly TargetOutcome[] }>;
  /** Where and how the actions are announced (the runtime's outbox); absent: nothing is announced. */
  readonly announce?: BlockAnnouncer;
  /** The finding a block is for, as the store knows it now (every destination's copy); absent: no finding is known. */
  readonly findings?: FindingKnowledge;
  /**
   * Reads these targets (never writes them) for the room they have left, before a block is stored, so that a full
   * target refuses `cap` instead of a row claiming a block the target cannot hold. Absent: `maxActive` only.
   */
  readonly measure?: (targets: readonly string[]) => Promise<ReadonlyMap<string, TargetRoom>>;
}

/** What the store knows of a finding now, from the copies it keeps for Slack actions (one per destination). */
export interface KnownFinding {
  /** Sample in any copy. */
  readonly sample: boolean;
  /** Archived in any copy: archived from another channel's message counts. */
  readonly archived: boolean;
  /** The remote addresses the finding names (respond still judges each). */
  readonly remoteIps: readonly string[];
  /** The affected resource's own addresses (refused `own-address`, in every form). */
  readonly ownIps?: readonly string[];
  readonly type?: string;
}

export interface FindingKnowledge {
  /** undefined when the store holds no copy of the finding. */
  knownFinding(findingId: string): Promise<KnownFinding | undefined>;
}

/** Queues respond's messages for people (outbox rows of the runtime), the pipeline's way. */
export interface BlockAnnouncer {
  /** The destinations that hear about a finding's blocks: those it was notified in, else the fallback; no finding: the fallback. */
  destinationsFor(findingId: string | undefined): Promise<readonly string[]>;
  /** Queues one message per entry (committed outbox rows); how many were queued. */
  queue(messages: readonly GroupedLines[], at: number): Promise<number>;
}

export interface AddBlockRequest {
  readonly ip: string;
  /** One target; default: every target. */
  readonly target?: string;
  readonly forMs: number;
  readonly reason: string;
  /** Who asked (a user name, a Slack user id): kept in the row's reason. */
  readonly actor: string;
  /** The finding the block is for (the Slack button's finding, `block add --finding`): judged as the store knows it. */
  readonly findingId?: string;
  /** Destinations the caller tells itself (the Slack message clicked, rewritten with the outcome): not announced again. */
  readonly alreadyTold?: readonly string[];
}

/** Why a request blocked nothing: a refusal of respond/ (safety, caps) or a request that cannot be planned. */
export type AddBlockRefusal = RefusalReason | 'unknown-target' | 'invalid-duration' | 'not-configured';

/**
 * Per target, how it ended. `enforced`: the target holds the block (a converge wrote or found it); `pending`: stored,
 * but the write did not happen (the target failed; the next sync tries again); `dry-run`: recorded, never written;
 * `refused`: nothing stored (or, at a target found full only while writing, the row ended again).
 */
export type TargetVerdict = 'enforced' | 'pending' | 'dry-run' | 'refused';

export interface AddBlockOutcome {
  /** respond.mode is not enforce: the row is `dry-run`, nothing is written to a target. */
  readonly dryRun: boolean;
  /** At least one target now holds the block (in dry-run: would hold it). Never true for a block only stored. */
  readonly blocked: boolean;
  /** Stored, not yet in its target (a write failed): the next sync writes it. */
  readonly pending: boolean;
  /** Set when nothing was blocked nor is pending: the reason (the first target's, when targets differ). */
  readonly refusal?: { readonly reason: AddBlockRefusal; readonly detail?: string };
  /** Per target, what happened. */
  readonly perTarget: ReadonlyArray<{
    readonly target: string;
    readonly kind: BlockIntent['kind'];
    readonly verdict: TargetVerdict;
    readonly reason?: RefusalReason;
    readonly detail?: string;
    readonly record?: BlockRecord;
  }>;
  /** For people, one a target: "Blocked 185.220.101.1 for 24 h in edge (source and destination)". */
  readonly lines: readonly string[];
  /** The converge after the row was stored (enforce mode, when a `converge` was given). */
  readonly converge?: { readonly outcomes: readonly TargetOutcome[] };
  /** Messages queued to announce it (0 without an announcer, or when nothing was news). */
  readonly announced: number;
}

/**
 * The one gate every block a person asks for goes through — `block add`, the Slack Block IP menu on the daemon and on
 * the Lambda (pipeline/interact-ports.ts) — under the rules the pipeline's plan applies (respond/block-rules.ts):
 *
 * 1. The finding it names, as the store knows it now (not as a button value claims): sample or archived → refused.
 * 2. The address: invalid, never-block ranges, allow list, the finding's resource's own addresses → refused.
 * 3. Each target: IPv6 support, already blocked, `maxActive`, `maxNewPerHour`, and the room the target reports when
 *    read just now → `cap` ("edge is full — 3 of 3 in use") before anything is stored.
 * 4. The row is stored, the targets converged, and only then is it said: "Blocked" for a target that holds it; for
 *    one whose write failed, "Could not block … yet" (the row stays pending; every sync tries again); a target found
 *    full only while writing (another block took the last room) ends the row again and refuses `cap`.
 * 5. What happened is announced (outbox rows, the pipeline's way) after the converge: never a block not in force.
 *
 * @example
 * const outcome = await addBlock(blockActionDeps(runtime), { ip: '185.220.101.1', target: 'edge', forMs: 86_400_000, reason: 'scanner', actor: 'alice' });
 * if (!outcome.blocked) console.log(outcome.refusal?.reason);
 */
export async function addBlock(deps: BlockActionDeps, request: AddBlockRequest): Promise<AddBlockOutcome> {
  const now = deps.now();
  const dryRun = deps.respond.mode !== 'enforce';
  const known = request.findingId === undefined || deps.findings === undefined ? undefined : await deps.findings.knownFinding(request.findingId);
  const [standing, recent] = await Promise.all([deps.store.listBlocks({ standing: true }), deps.store.newBlocksSince(now - 3_600_000)]);
  const plan = (room?: ReadonlyMap<string, TargetRoom>) =>
    planManualBlock({
      ip: request.ip,
      ...(request.target !== undefined ? { targets: [request.target] } : {}),
      forMs: request.forMs,
      reason: request.reason,
      actor: request.actor,
      ...(request.findingId !== undefined ? { findingId: request.findingId } : {}),
      ...(known === undefined ? {} : { finding: { sample: known.sample, archived: known.archived } }),
      ...(known?.ownIps === undefined || known.ownIps.length === 0 ? {} : { own: createOwnAddressList(known.ownIps) }),
      ...(room === undefined ? {} : { room }),
      respond: deps.respond,
      standing,
      recentNewCount: recent,
      now,
    });
  let planned = plan();
  // The targets are read only for a new block every other rule allows (a refused address costs no AWS call).
  const fresh = Array.isArray(planned) ? [...new Set(planned.filter((i) => i.kind === 'block').map((i) => i.record.target))] : [];
  if (!dryRun && deps.measure !== undefined && fresh.length > 0) planned = plan(await deps.measure(fresh));
  if (!Array.isArray(planned)) {
    return { dryRun, blocked: false, pending: false, refusal: { reason: planned.problem, detail: planned.detail }, perTarget: [], lines: [`Not blocked: ${planned.detail}`], announced: 0 };
  }

  // Where the block is announced is where its end will be (the clicked message too).
  const acting = planned.filter((i) => i.kind !== 'refuse');
  const destinations = deps.announce && planned.some(isNews) ? await deps.announce.destinationsFor(request.findingId) : [];
  const announceTo = [...new Set([...destinations, ...(request.alreadyTold ?? [])])];
  const records = acting.map((i) =>
    announceTo.length === 0 ? i.record : { ...i.record, announceTo: [...new Set([...(i.record.announceTo ?? []), ...announceTo])] },
  );
  const stored = records.length > 0 ? await deps.store.putBlocks(records) : [];
  const storedByTarget = new Map(stored.map((r) => [r.target, r]));
  const converge = records.length > 0 && !dryRun && deps.converge ? await deps.converge([...new Set(records.map((r) => r.target))]) : undefined;
  const outcomes = new Map((converge?.outcomes ?? []).map((o) => [o.target, o]));

  // Per target: what the target holds now, not what the store says.
  const perTarget: Array<AddBlockOutcome['perTarget'][number]> = [];
  const news: Array<{ intent: BlockIntent; line: string; verdict: TargetVerdict }> = [];
  const ended: BlockRecord[] = [];
  const said: string[] = [];
  for (const intent of planned) {
    if (intent.kind === 'refuse') {
      perTarget.push({ target: intent.target ?? '', kind: intent.kind, verdict: 'refused', reason: intent.reason, ...(intent.detail === undefined ? {} : { detail: intent.detail }) });
      said.push(announceIntent(intent));
      if (isNews(intent)) news.push({ intent, line: announceIntent(intent), verdict: 'refused' });
      continue;
    }
    const record = storedByTarget.get(intent.record.target) ?? intent.record;
    if (dryRun) {
      perTarget.push({ target: record.target, kind: intent.kind, verdict: 'dry-run', record });
      said.push(announceIntent(intent));
      news.push({ intent, line: announceIntent(intent), verdict: 'dry-run' });
      continue;
    }
    const outcome = outcomes.get(record.target);
    const full = outcome?.ok === true ? outcome.result.refused.find((r) => r.record.cidr === record.cidr && r.reason === 'cap') : undefined;
    if (full !== undefined && intent.kind === 'block') {
      // Another block took the last room between our reading and our write: this one is not in force, so it is not kept.
      ended.push({ ...record, state: 'removed', reason: `${record.reason}; not written: the target was full`, updatedAt: now });
      const inUse = outcome?.ok === true ? outcome.result.inForce : 0;
      const detail = fullDetail(record.target, inUse, inUse);
      const refusal: BlockIntent = { kind: 'refuse', reason: 'cap', ip: record.ip, target: record.target, rule: record.rule, findingId: record.findingId ?? '', detail, dryRun: false };
      perTarget.push({ target: record.target, kind: 'refuse', verdict: 'refused', reason: 'cap', detail });
      said.push(announceIntent(refusal));
      news.push({ intent: refusal, line: announceIntent(refusal), verdict: 'refused' });
    } else if (outcome?.ok === true && full === undefined) {
      perTarget.push({ target: record.target, kind: intent.kind, verdict: 'enforced', record });
      said.push(announceIntent(intent));
      news.push({ intent, line: announceIntent(intent), verdict: 'enforced' });
    } else {
      const why = outcome === undefined ? 'not written yet' : outcome.ok ? `${record.target} is full` : `${outcome.error.failure}${outcome.error.code ? ` (${outcome.error.code})` : ''}`;
      perTarget.push({ target: record.target, kind: intent.kind, verdict: 'pending', record, detail: why });
      said.push(pendingLine(record, why));
      news.push({ intent, line: pendingLine(record, why), verdict: 'pending' });
    }
  }
  if (ended.length > 0) await deps.store.putBlocks(ended);

  const told = new Set(request.alreadyTold ?? []);
  const lines: DestinationLine[] = [];
  for (const destination of destinations) {
    if (told.has(destination)) continue;
    for (const item of news) {
      const { intent } = item;
      lines.push({
        destination,
        line: item.verdict === 'pending' ? withAsked(item.line, request) : announceManualIntent(intent, { actor: request.actor, reason: request.reason }),
        ...(request.findingId === undefined ? {} : { finding: { id: request.findingId, type: request.reason } }),
        idParts:
          intent.kind === 'refuse'
            ? ['manual', intent.reason, intent.ip, intent.target ?? '', String(now)]
            : ['manual', intent.kind, item.verdict, intent.record.target, intent.record.cidr, String(intent.record.until)],
      });
    }
  }
  const announced = deps.announce && lines.length > 0 ? await deps.announce.queue(oneMessagePerDestination(lines), now) : 0;
  const blocked = perTarget.some((t) => t.verdict === 'enforced' || t.verdict === 'dry-run');
  const pending = perTarget.some((t) => t.verdict === 'pending');
  const firstRefusal = perTarget.find((t) => t.verdict === 'refused');
  return {
    dryRun,
    blocked,
    pending,
    ...(!blocked && !pending && firstRefusal?.reason !== undefined
      ? { refusal: { reason: firstRefusal.reason, ...(firstRefusal.detail !== undefined ? { detail: firstRefusal.detail } : {}) } }
      : {}),
    perTarget,
    lines: said,
    ...(converge ? { converge } : {}),
    announced,
  };
}

/** A block stored but not in its target: "Could not block 185.220.101.1 in edge yet: access-denied (…); …". */
function pendingLine(record: BlockRecord, why: string): string {
  return `Could not block ${record.ip} in ${record.target} yet: ${why}. The block is stored and pending; every sync tries again (block sync)`;
}

function withAsked(line: string, request: AddBlockRequest): string {
  const actor = request.actor.trim();
  return `${line}${actor === '' ? '' : ` — asked by ${actor}`}`;
}

/** As the pipeline's respond step: an action, or a refusal at a cap (respond/pipeline: `isNews`). */
function isNews(intent: BlockIntent): boolean {
  return intent.kind !== 'refuse' || intent.reason === 'cap' || intent.reason === 'rate';
}

export interface RemoveBlockRequest {
  readonly ip: string;
  /** Only this target; default: every target that blocks it. */
  readonly target?: string;
  readonly actor: string;
  /** Destinations the caller tells itself (the Slack message clicked): not announced again. */
  readonly alreadyTold?: readonly string[];
}

export interface RemoveBlockOutcome {
  /** The rows ended (state `removed`); empty when the address was not blocked. */
  readonly removed: readonly BlockRecord[];
  readonly lines: readonly string[];
  readonly converge?: { readonly outcomes: readonly TargetOutcome[] };
  /** Messages queued to announce the unblocks. */
  readonly announced: number;
}

/**
 * Ends the standing blocks of an address (in one target or all), announces the unblocks where the blocks were
 * announced, and converges the targets. Not blocked anywhere: `removed` is empty.
 *
 * @example
 * const { removed } = await removeBlock(blockActionDeps(runtime), { ip: '185.220.101.1', actor: 'alice' });
 */
export async function removeBlock(deps: BlockActionDeps, request: RemoveBlockRequest): Promise<RemoveBlockOutcome> {
  const now = deps.now();
  const parsed = parseIpAddress(request.ip.trim());
  const canonical = parsed === undefined ? request.ip.trim() : (unmapIpv4(parsed) ?? parsed).address;
  const standing = await deps.store.listBlocks({ standing: true, ...(request.target !== undefined ? { target: request.target } : {}) });
  const mine = standing.filter((r) => r.ip === canonical && isStanding(r));
  if (mine.length === 0) return { removed: [], lines: [`Not removed: ${canonical} is not blocked${request.target === undefined ? '' : ` in ${request.target}`}`], announced: 0 };
  const by = request.actor.trim() === '' ? 'removed by hand' : `removed by ${request.actor}`;
  const stored = await deps.store.putBlocks(mine.map((r) => ({ ...r, state: 'removed' as const, reason: `${r.reason}; ${by}`, updatedAt: now })));
  const removed = stored.filter((r) => r.state === 'removed');
  // Real blocks (not dry-run rows) that this removal ended are announced as unblocked, where they were announced.
  const real = mine.filter((m) => m.state === 'active' && removed.some((r) => r.target === m.target));
  const announced = real.length > 0 && deps.announce ? await announceUnblocks(deps.announce, real, request, now) : 0;
  const converge = real.length > 0 && deps.respond.mode === 'enforce' && deps.converge ? await deps.converge([...new Set(real.map((r) => r.target))]) : undefined;
  return {
    removed,
    lines: removed.map((r) => (r.until > now && mine.find((m) => m.target === r.target)?.state === 'dry-run' ? `Would unblock ${r.ip} in ${r.target} (dry-run)` : announceUnblock(r, 'removed'))),
    ...(converge ? { converge } : {}),
    announced,
  };
}

async function announceUnblocks(announce: BlockAnnouncer, ended: readonly BlockRecord[], request: RemoveBlockRequest, at: number): Promise<number> {
  const told = new Set(request.alreadyTold ?? []);
  const lines: DestinationLine[] = [];
  for (const r of ended) {
    // Rows blocked before announcements named their destinations (`block add` once): respond's fallback.
    const destinations = r.announceTo !== undefined && r.announceTo.length > 0 ? r.announceTo : await announce.destinationsFor(r.findingId);
    for (const destination of destinations) {
      if (told.has(destination)) continue;
      lines.push({
        destination,
        line: announceUnblock(r, 'removed', request.actor),
        ...(r.findingId === undefined ? {} : { finding: { id: r.findingId, type: r.reason } }),
        idParts: ['unblock', r.target, r.cidr, String(r.since), String(at)],
      });
    }
  }
  return lines.length > 0 ? announce.queue(oneMessagePerDestination(lines), at) : 0;
}

/** Every row (or a target's), for `block list`: standing and ended, by target then start. */
export async function listBlocks(deps: Pick<BlockActionDeps, 'store'>, filter: { target?: string } = {}): Promise<BlockRecord[]> {
  return deps.store.listBlocks(filter);
}
