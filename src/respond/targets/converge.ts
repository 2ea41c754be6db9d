import { isInForce, type BlockRecord } from '../block-record.js';
import type { BlockOwnership, OwnershipChange } from '../block-ownership.js';
import { classifyAwsError, RespondTargetError } from '../errors.js';
import type { BlockTarget, DesiredBlocks, ReconcileResult } from './target.js';

/**
 * Makes every target match the store: for each target, `reconcile` with a source that reads the store's rows after
 * each read of the target (so a retry after a token conflict sees rows committed meanwhile, and two convergers working
 * at once both end on the store's state). One target that fails is one outcome; the others go on.
 *
 * The store is reached through {@link BlockRows}, the part of state's BlockStore this needs (respond/ does not import
 * state/: the stages stay acyclic).
 */

export interface BlockRows {
  listBlocks(filter?: { target?: string; standing?: boolean }): Promise<BlockRecord[]>;
  listBlockOwnership(target: string): Promise<BlockOwnership[]>;
  changeBlockOwnership(changes: readonly OwnershipChange[]): Promise<boolean[]>;
}

export type TargetOutcome =
  | { readonly target: string; readonly ok: true; readonly result: ReconcileResult }
  | { readonly target: string; readonly ok: false; readonly error: RespondTargetError };

export interface ConvergeOptions {
  readonly targets: ReadonlyMap<string, BlockTarget>;
  readonly rows: BlockRows;
  /** Read and compare only: never an Update call (respond.mode dry-run). */
  readonly dryRun?: boolean;
  /** Only these targets (default: all). */
  readonly only?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * What a target must hold, read from the store: its active rows (dry-run rows are never written) and, for a WAF
 * target, which addresses of its IP sets are ours (block-ownership.ts), with the way to record them.
 */
export function desiredFromStore(rows: BlockRows, target: BlockTarget): () => Promise<DesiredBlocks> {
  return async () => {
    const standing = await rows.listBlocks({ target: target.name, standing: true });
    const blocks = standing.filter((r) => r.state === 'active');
    if (target.type !== 'waf-ip-set') return { blocks };
    return {
      blocks,
      ownership: { records: await rows.listBlockOwnership(target.name), change: (changes) => rows.changeBlockOwnership(changes) },
    };
  };
}

/** Rows in force at `now` for one target: what `block list` and the blocks-in-force metric count. */
export function countInForce(rows: readonly BlockRecord[], now: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) if (isInForce(r, now)) counts.set(r.target, (counts.get(r.target) ?? 0) + 1);
  return counts;
}

/**
 * Converges the targets: Network Firewall ones in parallel, WAF ones one after the other (WAF allows about one write
 * per second per account: parallel writes would only throttle).
 *
 * @example
 * const outcomes = await convergeTargets({ targets, rows: store });
 * for (const o of outcomes) if (!o.ok) logger.error('Target cannot be written', { target: o.target, hint: o.error.hint });
 */
export async function convergeTargets(options: ConvergeOptions): Promise<TargetOutcome[]> {
  const chosen = [...options.targets.values()].filter((t) => options.only === undefined || options.only.includes(t.name));
  const one = async (target: BlockTarget): Promise<TargetOutcome> => {
    try {
      const result = await target.reconcile(desiredFromStore(options.rows, target), {
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { target: target.name, ok: true, result };
    } catch (error) {
      if (error instanceof RespondTargetError) return { target: target.name, ok: false, error };
      // The store could not be read, or something unforeseen: still this target's failure, never the others'.
      const { failure, code, message } = classifyAwsError(error);
      return { target: target.name, ok: false, error: new RespondTargetError(target.name, failure, 'reconcile', `${code}: ${message}`, { code, cause: error }) };
    }
  };
  const firewalls = chosen.filter((t) => t.type === 'network-firewall');
  const wafs = chosen.filter((t) => t.type === 'waf-ip-set');
  const [a, b] = await Promise.all([
    Promise.all(firewalls.map(one)),
    (async () => {
      const out: TargetOutcome[] = [];
      for (const t of wafs) out.push(await one(t));
      return out;
    })(),
  ]);
  const byName = new Map([...a, ...b].map((o) => [o.target, o]));
  return chosen.map((t) => byName.get(t.name) as TargetOutcome);
}
