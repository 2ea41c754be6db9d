import type { RespondConfig } from '../config/schema.js';
import { RESPOND_DEFAULTS } from '../config/respond-schema.js';
import { formatDuration } from '../core/duration.js';
import type { BlockIntent, BlockRefusal } from './block-intent.js';
import { blockKey, MANUAL_RULE, type BlockDirection, type BlockRecord } from './block-record.js';
import { findingRefusal, fullDetail, type FindingFlags } from './block-rules.js';
import { classifyAddress, createAllowList, type AddressList, type AllowList } from './ip-safety.js';
import { blockCost, type TargetRoom } from './target-room.js';

/**
 * A block a person asks for (`block add`, the Slack "Block IP" menu) — pure, like plan-blocks.ts, and under the same
 * safety rules: the built-in never-block ranges and the allow list, on every normalised form of the address (there is
 * no `--force`), the finding's resource's own addresses when it names a finding, `maxActive` and
 * `maxNewPerHour` per target, the room the target itself has left, IPv6 only where the target can hold it; a sample or
 * archived finding blocks nothing (block-rules.ts, as the pipeline). A block already standing is extended (never
 * shortened, never beyond `maxFor` from its start); with nothing to change it is refused `already-blocked`.
 * In dry-run mode the row is `dry-run`, like the pipeline's.
 */

export interface ManualBlockInput {
  readonly ip: string;
  /** Target names; default: every target of `respond.targets`. */
  readonly targets?: readonly string[];
  readonly forMs: number;
  /** Why, for people (kept in the row); the actor is added: "scanner (by alice)". */
  readonly reason: string;
  readonly actor: string;
  readonly findingId?: string;
  readonly respond: RespondConfig;
  /** The store's standing rows (active and dry-run, every target). */
  readonly standing: readonly BlockRecord[];
  /** Per target: blocks begun in the hour before `now`. */
  readonly recentNewCount: ReadonlyMap<string, number>;
  readonly now: number;
  readonly allow?: AllowList;
  /** The resource's own addresses when the block is asked from a finding (respond/remote-addresses.ts `ownAddressListOf`): refused `own-address`. */
  readonly own?: AddressList;
  /** The finding the block is for, as the store knows it now (block-rules.ts: a sample or archived one is refused). */
  readonly finding?: FindingFlags;
  /**
   * Per target: the room it has left, read from the target just before (the gate measures it). A block that would
   * not fit is refused `cap` before anything is stored. Absent (dry-run, an unreadable target): `maxActive` only.
   */
  readonly room?: ReadonlyMap<string, TargetRoom>;
}

/** A request that cannot be planned at all (before any address check). */
export type ManualBlockProblem = { readonly problem: 'unknown-target' | 'invalid-duration'; readonly detail: string };

/**
 * @example
 * const intents = planManualBlock({ ip: '185.220.101.1', forMs: 86_400_000, reason: 'scanner', actor: 'alice',
 *   respond: config.respond, standing: await store.listBlocks({ standing: true }), recentNewCount, now });
 */
export function planManualBlock(input: ManualBlockInput): BlockIntent[] | ManualBlockProblem {
  const { respond, now } = input;
  const dryRun = respond.mode !== 'enforce';
  const known = new Map(respond.targets.map((t) => [t.name, t]));
  const names = input.targets === undefined || input.targets.length === 0 ? [...known.keys()] : [...new Set(input.targets)];
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) return { problem: 'unknown-target', detail: `no target ${unknown.map((n) => `"${n}"`).join(', ')} in respond.targets (known: ${[...known.keys()].join(', ')})` };
  const maxFor = RESPOND_DEFAULTS.maxFor;
  if (!Number.isFinite(input.forMs) || input.forMs <= 0 || input.forMs > maxFor) {
    const got = Number.isFinite(input.forMs) && input.forMs > 0 ? formatDuration(input.forMs) : String(input.forMs);
    return { problem: 'invalid-duration', detail: `a block lasts more than 0 and at most ${formatDuration(maxFor)} (got ${got})` };
  }

  const verdict = classifyAddress(input.ip, input.allow ?? createAllowList(respond.allow), input.own);
  const shown = verdict.address?.address ?? String(input.ip).slice(0, 64);
  const base = { rule: MANUAL_RULE, findingId: input.findingId ?? '', dryRun, ip: shown } as const;
  const refuse = (reason: BlockRefusal['reason'], extra: Partial<BlockRefusal> = {}): BlockRefusal => ({ kind: 'refuse', reason, ...base, ...extra });
  // The same order as the pipeline's plan: the finding, then the address, then each target.
  const notFromThis = findingRefusal(input.finding);
  if (notFromThis !== undefined) return [refuse(notFromThis.reason, { detail: notFromThis.detail })];
  if (!verdict.blockable) return [refuse(verdict.reason, verdict.label === undefined ? {} : { detail: verdict.label })];

  const standing = new Map<string, BlockRecord>();
  const held = new Map<string, number>();
  for (const r of input.standing) {
    if (r.until <= now || (r.state !== 'active' && r.state !== 'dry-run')) continue;
    const other = standing.get(blockKey(r));
    if (!(other && other.state === 'active' && r.state !== 'active')) standing.set(blockKey(r), r);
  }
  for (const r of standing.values()) if (r.state === 'active' || dryRun) held.set(r.target, (held.get(r.target) ?? 0) + 1);
  const state = dryRun ? ('dry-run' as const) : ('active' as const);
  const reason = input.actor.trim() === '' ? input.reason : `${input.reason} (by ${input.actor})`;
  const address = { ip: shown, from: 'manual' } as const;

  return names.map((name): BlockIntent => {
    const target = known.get(name)!;
    if (target.type === 'waf-ip-set' && verdict.address.family === 6 && target.ipv6SetArn === undefined) {
      return refuse('unsupported', { target: name, detail: `${name} has no IPv6 IP set (ipv6SetArn)` });
    }
    const direction: BlockDirection = target.type === 'waf-ip-set' ? 'source' : 'both';
    const existing = standing.get(blockKey({ target: name, cidr: verdict.cidr }));
    if (existing && dryRun && existing.state === 'active') {
      return refuse('already-blocked', { target: name, existing, detail: 'blocked for real; dry-run leaves it alone' });
    }
    if (existing && existing.state === state) {
      const until = Math.max(existing.until, Math.min(now + input.forMs, existing.since + maxFor));
      const wider = existing.direction === direction ? existing.direction : ('both' as const);
      if (until === existing.until && wider === existing.direction) return refuse('already-blocked', { target: name, existing });
      const record: BlockRecord = { ...existing, until, direction: wider, updatedAt: now, extensions: existing.extensions + 1 };
      return { kind: 'extend', record, previous: existing, address, dryRun };
    }
    const count = held.get(name) ?? 0;
    if (count >= respond.maxActive) return refuse('cap', { target: name, detail: `${fullDetail(name, count, respond.maxActive)} (respond.maxActive)` });
    const fresh = input.recentNewCount.get(name) ?? 0;
    if (fresh >= respond.maxNewPerHour) {
      return refuse('rate', { target: name, detail: `${fresh} new blocks in ${name} in the last hour (respond.maxNewPerHour ${respond.maxNewPerHour})` });
    }
    const room = input.room?.get(name);
    if (room !== undefined && !fits(room, target.type, verdict.address.family, blockCost(target.type, direction))) {
      const inUse = room.inForce ?? count;
      return refuse('cap', { target: name, detail: `${fullDetail(name, inUse, inUse)} (${target.type === 'waf-ip-set' ? 'IP set size' : 'rule group capacity'})` });
    }
    const record: BlockRecord = {
      ip: verdict.address.address,
      cidr: verdict.cidr,
      family: verdict.address.family,
      target: name,
      since: now,
      until: now + input.forMs,
      ...(input.findingId !== undefined ? { findingId: input.findingId } : {}),
      rule: MANUAL_RULE,
      direction,
      state,
      reason,
      updatedAt: now,
      extensions: 0,
    };
    return { kind: 'block', record, address, dryRun };
  });
}

/** Whether a block of `cost` fits the room a target reported (unknown room: it fits). */
function fits(room: TargetRoom, type: 'network-firewall' | 'waf-ip-set', family: 4 | 6, cost: number): boolean {
  const left = type === 'waf-ip-set' ? (family === 4 ? room.v4 : room.v6) : room.units;
  return left === undefined || left >= cost;
}
