import type { RespondConfig } from '../config/schema.js';
import { safeForTerminal as safe } from '../core/terminal-text.js';
import type { BlockRecord, BlockState } from '../respond/block-record.js';
import type { BlockStore, CursorStore } from './store.js';

/**
 * The blocks part of `status`: per respond target, how many blocks are in force, the newest few, and a write failure
 * the responder recorded (the open alert episode it keeps in the CursorStore). Read from the store only: `status`
 * never calls a firewall (`block sync --dry-run` does).
 */

/** The CursorStore key of a target's open write-failure episode: epoch ms it began, 0 when the target is healthy. */
export function targetFailureKey(target: string): string {
  return `respond/alert/${target}`;
}

/** Newest standing blocks shown per target. */
export const STATUS_NEWEST_BLOCKS = 5;

export interface StatusBlock {
  ip: string;
  target: string;
  since: number;
  until: number;
  rule: string;
  findingId?: string;
  state: BlockState;
}

export interface TargetStatus {
  target: string;
  /** Blocks the target must hold now (active, not past `until`). */
  inForce: number;
  /** Standing dry-run decisions ("would block"): what `enforce` would hold. */
  dryRun: number;
  /** The newest standing blocks (active, else dry-run), newest first, at most {@link STATUS_NEWEST_BLOCKS}. */
  newest: StatusBlock[];
  /** The target could not be written (or, in dry-run, read) since this time (epoch ms); absent: no failure recorded. */
  failingSince?: number;
}

export interface BlockStatus {
  mode: RespondConfig['mode'];
  targets: TargetStatus[];
}

/**
 * @example
 * const blocks = await readBlockStatus(store, config.respond, Date.now());
 * blocks.targets[0]; // { target: 'edge', inForce: 3, dryRun: 0, newest: [...], failingSince: 1767225600000 }
 */
export async function readBlockStatus(store: Pick<BlockStore, 'listBlocks'> & Pick<CursorStore, 'getCursor'>, respond: RespondConfig, now: number): Promise<BlockStatus> {
  const standing = await store.listBlocks({ standing: true });
  // The configured targets, then any the store still holds rows of (a target renamed or removed from the config).
  const names = [...new Set([...respond.targets.map((t) => t.name), ...standing.map((r) => r.target)])];
  const targets = await Promise.all(
    names.map(async (target): Promise<TargetStatus> => {
      const rows = standing.filter((r) => r.target === target && r.until > now);
      const active = rows.filter((r) => r.state === 'active');
      const shown = (active.length > 0 ? active : rows).slice().sort((a, b) => b.since - a.since || a.ip.localeCompare(b.ip));
      const failingSince = (await store.getCursor(targetFailureKey(target))) ?? 0;
      return {
        target,
        inForce: active.length,
        dryRun: rows.length - active.length,
        newest: shown.slice(0, STATUS_NEWEST_BLOCKS).map(statusBlock),
        ...(failingSince > 0 ? { failingSince } : {}),
      };
    }),
  );
  return { mode: respond.mode, targets };
}

function statusBlock(r: BlockRecord): StatusBlock {
  return { ip: r.ip, target: r.target, since: r.since, until: r.until, rule: r.rule, ...(r.findingId === undefined ? {} : { findingId: r.findingId }), state: r.state };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The lines of `status` for people (terminal-safe: a finding id is attacker-influenced). */
export function formatBlockStatus(status: BlockStatus): string[] {
  const lines = [`Blocks (respond.mode ${status.mode}):`];
  for (const t of status.targets) {
    const dry = t.dryRun > 0 ? `, ${t.dryRun} would-block (dry-run)` : '';
    const failing = t.failingSince === undefined ? '' : `; WRITES FAILING since ${iso(t.failingSince)} (alerted; every sync retries: \`block sync\`)`;
    lines.push(`  ${safe(t.target)}: ${t.inForce} in force${dry}${failing}`);
    for (const b of t.newest) {
      const about = b.findingId === undefined ? `rule ${b.rule}` : `rule ${b.rule}, finding ${b.findingId}`;
      lines.push(`    ${safe(b.ip)}  until ${iso(b.until)}  ${safe(about)}${b.state === 'dry-run' ? '  (dry-run)' : ''}`);
    }
  }
  return lines;
}
