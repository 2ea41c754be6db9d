import type { RespondConfig } from '../config/schema.js';
import { parseIpAddress, unmapIpv4 } from '../core/ip-address.js';
import { announceIntent, announceManualIntent, announceUnblock, oneMessagePerDestination, type DestinationLine, type GroupedLines } from '../respond/announce.js';
import type { BlockIntent, RefusalReason } from '../respond/block-intent.js';
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
  /** The finding the block is for (the Slack button's finding). */
  readonly findingId?: string;
  /** Destinations the caller tells itself (the Slack message clicked, rewritten with the outcome): not announced again. */
  readonly alreadyTold?: readonly string[];
}

/** Why a request blocked nothing: a refusal of respond/ (safety, caps) or a request that cannot be planned. */
export type AddBlockRefusal = RefusalReason | 'unknown-target' | 'invalid-duration' | 'not-configured';

export interface AddBlockOutcome {
  /** respond.mode is not enforce: the row is `dry-run`, nothing is written to a target. */
  readonly dryRun: boolean;
  /** At least one target now holds (in dry-run: would hold) the block. */
  readonly blocked: boolean;
  /** Set when nothing was blocked: the reason (the first target's, when targets differ). */
  readonly refusal?: { readonly reason: AddBlockRefusal; readonly detail?: string };
  /** Per target, what happened. */
  readonly perTarget: ReadonlyArray<{ readonly target: string; readonly kind: BlockIntent['kind']; readonly reason?: RefusalReason; readonly record?: BlockRecord }>;
  /** For people, one a target: "Blocked 185.220.101.1 for 24 h in edge (source and destination)". */
  readonly lines: readonly string[];
  /** The converge after the row was stored (enforce mode, when a `converge` was given). */
  readonly converge?: { readonly outcomes: readonly TargetOutcome[] };
  /** Messages queued to announce it (0 without an announcer, or when nothing was news). */
  readonly announced: number;
}

/**
 * Checks the request under respond's rules and stores the block; then converges the targets it touched.
 *
 * @example
 * const outcome = await addBlock(blockActionDeps(runtime), { ip: '185.220.101.1', target: 'edge', forMs: 86_400_000, reason: 'scanner', actor: 'alice' });
 * if (!outcome.blocked) console.log(outcome.refusal?.reason);
 */
export async function addBlock(deps: BlockActionDeps, request: AddBlockRequest): Promise<AddBlockOutcome> {
  const now = deps.now();
  const dryRun = deps.respond.mode !== 'enforce';
  const [standing, recent] = await Promise.all([deps.store.listBlocks({ standing: true }), deps.store.newBlocksSince(now - 3_600_000)]);
  const planned = planManualBlock({
    ip: request.ip,
    ...(request.target !== undefined ? { targets: [request.target] } : {}),
    forMs: request.forMs,
    reason: request.reason,
    actor: request.actor,
    ...(request.findingId !== undefined ? { findingId: request.findingId } : {}),
    respond: deps.respond,
    standing,
    recentNewCount: recent,
    now,
  });
  if (!Array.isArray(planned)) {
    return { dryRun, blocked: false, refusal: { reason: planned.problem, detail: planned.detail }, perTarget: [], lines: [`Not blocked: ${planned.detail}`], announced: 0 };
  }
  // News as the pipeline counts it: blocks, extensions, refusals at a cap (a typo'd private address is not news).
  const news = planned.filter(isNews);
  const destinations = deps.announce && news.length > 0 ? await deps.announce.destinationsFor(request.findingId) : [];
  // Where the block is announced is where its end will be (the clicked message too).
  const announceTo = [...new Set([...destinations, ...(request.alreadyTold ?? [])])];
  const records = planned.flatMap((i) =>
    i.kind === 'refuse' ? [] : [announceTo.length === 0 ? i.record : { ...i.record, announceTo: [...new Set([...(i.record.announceTo ?? []), ...announceTo])] }],
  );
  const stored = records.length > 0 ? await deps.store.putBlocks(records) : [];
  const storedByTarget = new Map(stored.map((r) => [r.target, r]));
  const perTarget = planned.map((i) =>
    i.kind === 'refuse'
      ? { target: i.target ?? '', kind: i.kind, reason: i.reason }
      : { target: i.record.target, kind: i.kind, record: storedByTarget.get(i.record.target) ?? i.record },
  );
  const firstRefusal = planned.find((i): i is Extract<BlockIntent, { kind: 'refuse' }> => i.kind === 'refuse');
  const blocked = records.length > 0;
  const told = new Set(request.alreadyTold ?? []);
  const lines: DestinationLine[] = [];
  for (const destination of destinations) {
    if (told.has(destination)) continue;
    for (const intent of news) {
      lines.push({
        destination,
        line: announceManualIntent(intent, { actor: request.actor, reason: request.reason }),
        ...(request.findingId === undefined ? {} : { finding: { id: request.findingId, type: request.reason } }),
        idParts: intent.kind === 'refuse' ? ['manual', intent.reason, intent.ip, intent.target ?? '', String(now)] : ['manual', intent.kind, intent.record.target, intent.record.cidr, String(intent.record.until)],
      });
    }
  }
  const announced = deps.announce && lines.length > 0 ? await deps.announce.queue(oneMessagePerDestination(lines), now) : 0;
  const converge = blocked && !dryRun && deps.converge ? await deps.converge([...new Set(records.map((r) => r.target))]) : undefined;
  return {
    dryRun,
    blocked,
    ...(!blocked && firstRefusal ? { refusal: { reason: firstRefusal.reason, ...(firstRefusal.detail !== undefined ? { detail: firstRefusal.detail } : {}) } } : {}),
    perTarget,
    lines: planned.map(announceIntent),
    ...(converge ? { converge } : {}),
    announced,
  };
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
