import type { IpFamily } from '../core/ip-address.js';

/**
 * A block is a row of the store with an expiry; the targets are made to match the rows (DESIGN: "effects are decided,
 * committed, then carried out"). One row per (target, cidr). Rows are never deleted when a block ends: an expired or
 * removed row is what tells a WAF reconciler that an address in the IP set was ours to take out again.
 */

/** `source`: drop packets from the address; `destination`: to it; `both` (default). WAF IP sets match sources only. */
export const BLOCK_DIRECTIONS = ['source', 'destination', 'both'] as const;
export type BlockDirection = (typeof BLOCK_DIRECTIONS)[number];

/**
 * - `active`: in force on the target until `until` (the reconciler writes it);
 * - `dry-run`: decided in `respond.mode: dry-run` — recorded and announced, never written to a target;
 * - `expired`: pruned after `until`;
 * - `removed`: taken out by hand (`block remove`).
 */
export const BLOCK_STATES = ['active', 'dry-run', 'expired', 'removed'] as const;
export type BlockState = (typeof BLOCK_STATES)[number];

export interface BlockRecord {
  /** Canonical address (IPv4-mapped IPv6 already turned into IPv4). */
  readonly ip: string;
  /** `ip/32` or `ip/128`: what the target holds. With `target`, the row's key. */
  readonly cidr: string;
  readonly family: IpFamily;
  /** Name of a `respond.targets` entry. */
  readonly target: string;
  /** Epoch ms the block began (kept across extensions: `maxFor` counts from here). */
  readonly since: number;
  /** Epoch ms the block ends. */
  readonly until: number;
  /** The finding that caused the block (`block add`: absent). */
  readonly findingId?: string;
  /** The `respond.rules` entry that matched, or `manual` for `block add`. */
  readonly rule: string;
  /** What the target enforces: for a WAF target always `source`. */
  readonly direction: BlockDirection;
  readonly state: BlockState;
  /** Why, for people: the finding's type, or the `--reason` of `block add`. Attacker-influenced text: escape it. */
  readonly reason: string;
  /** Epoch ms of the last change (block, extension, prune, removal). */
  readonly updatedAt: number;
  /**
   * The finding's `lastSeen` (epoch ms) that the block last accounted for: a re-publication of the same finding with no
   * new activity (GuardDuty re-sends every finding at its publishing frequency) does not extend the block.
   */
  readonly seenAt?: number;
  /** How many times a recurrence or escalation extended it. */
  readonly extensions: number;
  /**
   * The destinations that announced the block (those the finding was routed to): its unblock is announced there too,
   * on slack-api in the finding's thread. `block add` and the Slack menu set it too (actions/blocks.ts); rows without
   * it (older manual blocks) are announced in respond's fallback destination, the first one.
   */
  readonly announceTo?: readonly string[];
}

/** The manual rule name of `block add`. */
export const MANUAL_RULE = 'manual';

/** `edge|185.220.101.1/32`: one row per target and address. Target names cannot contain `|` (config names are [A-Za-z0-9_-]). */
export function blockKey(record: Pick<BlockRecord, 'target' | 'cidr'>): string {
  return `${record.target}|${record.cidr}`;
}

/** A block the target must hold at `now`: active and not yet expired. The reconcilers' desired state. */
export function isInForce(record: BlockRecord, now: number): boolean {
  return record.state === 'active' && record.until > now;
}

/** A dry-run decision still standing at `now`: counted against the caps in dry-run, so the simulation is faithful. */
export function isDryRunStanding(record: BlockRecord, now: number): boolean {
  return record.state === 'dry-run' && record.until > now;
}

export function coversSource(direction: BlockDirection): boolean {
  return direction !== 'destination';
}

export function coversDestination(direction: BlockDirection): boolean {
  return direction !== 'source';
}

/** `source` + `destination` → `both`; the wider of two directions. */
export function widerDirection(a: BlockDirection, b: BlockDirection): BlockDirection {
  if (a === b) return a;
  return 'both';
}

/**
 * Rows whose `until` has passed, turned `expired` (what `block prune` commits). Pure: the caller stores the result.
 * @example
 * const ended = expireBlocks(await store.listBlocks(), now);
 */
export function expireBlocks(records: readonly BlockRecord[], now: number): BlockRecord[] {
  return records
    .filter((r) => (r.state === 'active' || r.state === 'dry-run') && r.until <= now)
    .map((r) => ({ ...r, state: 'expired' as const, updatedAt: now }));
}

/** Active or dry-run: a row the planner counts, whatever its `until`. */
export function isStanding(record: Pick<BlockRecord, 'state'>): boolean {
  return record.state === 'active' || record.state === 'dry-run';
}

/**
 * How a row written to the store meets the row already there for its key — the one rule every backend applies
 * (SQLite in its transaction, DynamoDB with a conditional write per item, the in-memory store), so that concurrent
 * writers (two Lambda invocations, the daemon and `block remove`, a prune) never lose each other's work. Pure and
 * idempotent: `mergeBlockRecord(r, r)` is `r`, so a redelivered batch changes nothing.
 *
 * - nothing stored: the incoming row;
 * - an incoming `expired` (a prune) ends the stored row only if that row is still standing and really ended by the
 *   prune's time: a block extended after the prune read it stays;
 * - an incoming `removed` (a person asked) ends the stored row, unless the stored row is a block begun after the
 *   removal was decided (a new block of the same address);
 * - an incoming standing row over an ended one starts a new block, unless the stored row was removed by hand after the
 *   incoming row was decided (a batch that read the store before the removal must not bring the block back);
 * - over a standing row: a dry-run row never replaces a real block; a real one replaces a dry-run one; two rows of the
 *   same state are united (earliest start, latest end, the wider direction, the most extensions, every destination) —
 *   unless the stored row had ended by the time the incoming one began (an expired row not pruned yet).
 *
 * @example
 * const next = mergeBlockRecord(await readRow(key), incoming);
 */
export function mergeBlockRecord(stored: BlockRecord | undefined, incoming: BlockRecord): BlockRecord {
  if (stored === undefined) return incoming;
  if (incoming.state === 'expired') {
    if (isStanding(stored) && stored.until <= incoming.updatedAt) return { ...stored, state: 'expired', updatedAt: Math.max(stored.updatedAt, incoming.updatedAt) };
    return stored;
  }
  if (incoming.state === 'removed') {
    if (stored.state === 'removed' || stored.since > incoming.updatedAt) return stored;
    return { ...stored, state: 'removed', reason: incoming.reason, updatedAt: Math.max(stored.updatedAt, incoming.updatedAt) };
  }
  if (!isStanding(stored)) {
    if (stored.state === 'removed' && stored.updatedAt > incoming.updatedAt) return stored;
    return incoming;
  }
  if (stored.until <= incoming.since) return incoming;
  if (stored.state === 'active' && incoming.state === 'dry-run') return stored;
  if (stored.state === 'dry-run' && incoming.state === 'active') return incoming;
  const newer = incoming.updatedAt >= stored.updatedAt ? incoming : stored;
  const seenAt = Math.max(stored.seenAt ?? Number.NEGATIVE_INFINITY, incoming.seenAt ?? Number.NEGATIVE_INFINITY);
  const announceTo = [...new Set([...(stored.announceTo ?? []), ...(incoming.announceTo ?? [])])];
  const merged: BlockRecord = {
    ...newer,
    since: Math.min(stored.since, incoming.since),
    until: Math.max(stored.until, incoming.until),
    direction: widerDirection(stored.direction, incoming.direction),
    extensions: Math.max(stored.extensions, incoming.extensions),
    updatedAt: Math.max(stored.updatedAt, incoming.updatedAt),
    ...(Number.isFinite(seenAt) ? { seenAt } : {}),
    ...(announceTo.length > 0 ? { announceTo } : {}),
  };
  return sameBlockRecord(merged, stored) ? stored : merged;
}

/** Field by field (announceTo as a list): true when writing `b` over `a` would change nothing. */
export function sameBlockRecord(a: BlockRecord, b: BlockRecord): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof BlockRecord>;
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
    } else if (x !== y) return false;
  }
  return true;
}
