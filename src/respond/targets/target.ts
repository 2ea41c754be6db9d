import type { BlockRecord } from '../block-record.js';
import type { BlockOwnership, OwnershipChange } from '../block-ownership.js';
import type { TargetRoom } from '../target-room.js';

/**
 * A place blocks are enforced (a Network Firewall rule group, a pair of WAF IP sets). Targets converge, they are not
 * edited: `reconcile` reads the target, computes our part of it from the store's rows, and writes only when that
 * differs, with the service's optimistic-concurrency token; a stale token is re-read and retried, a bounded number of
 * times. Everything that is not ours (rules outside our priority range, addresses we did not add or no longer own)
 * stays as it was.
 */

/** Which addresses of a WAF target's IP sets are ours, and the store's compare-and-set to record it (block-ownership.ts). */
export interface OwnershipLedger {
  readonly records: readonly BlockOwnership[];
  change(changes: readonly OwnershipChange[]): Promise<boolean[]>;
}

/** What the target should hold, read from the store. */
export interface DesiredBlocks {
  /**
   * The store's rows for this target (other targets' rows are ignored). Only rows in force at the reconcile's `now`
   * (state `active`, `until` in the future) are written.
   */
  readonly blocks: readonly BlockRecord[];
  /**
   * A WAF target's ownership records (read after the target) and the way to change them. Without one (a target used
   * on its own), the target keeps its records in memory for its lifetime.
   */
  readonly ownership?: OwnershipLedger;
}

/**
 * Called after each read of the target, so that a retry after a token conflict also sees rows committed meanwhile:
 * every commit is followed by a reconcile that loads the rows after reading the target, so concurrent reconcilers
 * converge on the store's state whatever order their writes land in.
 */
export type DesiredBlocksSource = DesiredBlocks | (() => DesiredBlocks | Promise<DesiredBlocks>);

export interface ReconcileOptions {
  /** Read and compare only: never an Update call (respond.mode dry-run, `block sync --dry-run`). */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface ReconcileResult {
  readonly target: string;
  readonly type: 'network-firewall' | 'waf-ip-set';
  /** Our part of the target differed from the rows (in dry-run: would have been written). */
  readonly changed: boolean;
  /** An Update call succeeded. */
  readonly written: boolean;
  /** Cidrs put in / taken out of the target by this reconcile (or that would be, in dry-run). */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Cidrs in force on the target after the reconcile (ours only). */
  readonly inForce: number;
  /**
   * Rows in force the target could not take: `cap` when they did not fit (rule group capacity, 10,000 addresses; the
   * newest are left out), `unsupported` for IPv6 rows on a WAF target without an IPv6 set. The rest is written; the
   * caller announces these and refuses such blocks from then on (the planner's `room`).
   */
  readonly refused: ReadonlyArray<{ readonly record: BlockRecord; readonly reason: 'cap' | 'unsupported' }>;
  /** Room left after this reconcile, for the planner. */
  readonly room: TargetRoom;
  /** API calls made: reads, writes, token conflicts retried. */
  readonly calls: { readonly reads: number; readonly writes: number; readonly conflicts: number };
}

export interface BlockTarget {
  readonly name: string;
  readonly type: 'network-firewall' | 'waf-ip-set';
  reconcile(desired: DesiredBlocksSource, options?: ReconcileOptions): Promise<ReconcileResult>;
  /** For logs: `network-firewall edge (stateless-rulegroup/guardduty-blocks, priorities 30000–30099)`; no secrets. */
  describe(): string;
}

export async function loadDesired(source: DesiredBlocksSource): Promise<DesiredBlocks> {
  return typeof source === 'function' ? await source() : source;
}

/** Oldest first: at the cap the blocks already in force stay and the newest are left out. */
export function byAge(a: BlockRecord, b: BlockRecord): number {
  return a.since - b.since || (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0);
}
