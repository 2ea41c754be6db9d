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
