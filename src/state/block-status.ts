import type { RespondConfig } from '../config/schema.js';
import { safeForTerminal as safe } from '../core/terminal-text.js';
import type { BlockRecord, BlockState } from '../respond/block-record.js';
import type { BlockStore, CursorStore } from './store.js';

/**
 * The blocks part of `status`: per respond target, how many blocks are in force (held by the target) and how many are
 * pending (stored, not yet written), the newest few, and a write failure the responder recorded (the open alert episode it keeps in the CursorStore). Read from the store only: `status`
 * never calls a firewall (`block sync --dry-run` does).
 */

/** The CursorStore key of a target's open write-failure episode: epoch ms it began, 0 when the target is healthy. */
export function targetFailureKey(target: string): string {
  return `respond/alert/${target}`;
}

/**
 * The CursorStore key of when a target last held the store's blocks: the start (epoch ms) of the latest converge that
 * read the store and then wrote (or found) every active row in the target. A row stored later is not yet in it.
 */
export function targetHeldKey(target: string): string {
  return `respond/held/${target}`;
}

/** Whether an active row is in its target, or only stored so far; dry-run and ended rows are neither. */
export type Enforcement = 'enforced' | 'pending';

/**
 * A block is in force only once its target holds it: an active row is `enforced` when the target's latest good
 * converge began after the row was last changed; else `pending` (stored; the next converge that works writes it). A
 * write failure since then does not undo what the target already holds.
 */
export function enforcementOf(row: Pick<BlockRecord, 'state' | 'updatedAt'>, held: { heldAt: number }): Enforcement | undefined {
  if (row.state !== 'active') return undefined;
  return held.heldAt > 0 && row.updatedAt <= held.heldAt ? 'enforced' : 'pending';
}

/** Per target: the two cursors enforcementOf reads. */
export async function readTargetHeld(store: Pick<CursorStore, 'getCursor'>, targets: Iterable<string>): Promise<Map<string, { heldAt: number; failingSince: number }>> {
  const names = [...new Set(targets)];
  const values = await Promise.all(
    names.map(async (t) => ({ heldAt: (await store.getCursor(targetHeldKey(t))) ?? 0, failingSince: (await store.getCursor(targetFailureKey(t))) ?? 0 })),
  );
  return new Map(names.map((t, i) => [t, values[i]!]));
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
  /** Active rows: in the target, or stored only. */
  enforcement?: Enforcement;
}

export interface TargetStatus {
  target: string;
  /** Blocks the target holds now: active, not past `until`, written by a converge since they were stored. */
  inForce: number;
  /** Active blocks stored but not yet written to the target (the next converge does, or a write is failing). */
  pending: number;
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
      const held = { heldAt: (await store.getCursor(targetHeldKey(target))) ?? 0, failingSince };
      const enforced = active.filter((r) => enforcementOf(r, held) === 'enforced').length;
      return {
        target,
        inForce: enforced,
        pending: active.length - enforced,
        dryRun: rows.length - active.length,
        newest: shown.slice(0, STATUS_NEWEST_BLOCKS).map((r) => statusBlock(r, held)),
        ...(failingSince > 0 ? { failingSince } : {}),
      };
    }),
  );
  return { mode: respond.mode, targets };
}

function statusBlock(r: BlockRecord, held: { heldAt: number; failingSince: number }): StatusBlock {
  const enforcement = enforcementOf(r, held);
  return {
    ip: r.ip,
    target: r.target,
    since: r.since,
    until: r.until,
    rule: r.rule,
    ...(r.findingId === undefined ? {} : { findingId: r.findingId }),
    state: r.state,
    ...(enforcement === undefined ? {} : { enforcement }),
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The lines of `status` for people (terminal-safe: a finding id is attacker-influenced). */
export function formatBlockStatus(status: BlockStatus): string[] {
  const lines = [`Blocks (respond.mode ${status.mode}):`];
  for (const t of status.targets) {
    const dry = `${t.pending > 0 ? `, ${t.pending} pending (stored, not yet written to the target)` : ''}${t.dryRun > 0 ? `, ${t.dryRun} would-block (dry-run)` : ''}`;
    const failing = t.failingSince === undefined ? '' : `; WRITES FAILING since ${iso(t.failingSince)} (alerted; every sync retries: \`block sync\`)`;
    lines.push(`  ${safe(t.target)}: ${t.inForce} in force${dry}${failing}`);
    for (const b of t.newest) {
      const about = b.findingId === undefined ? `rule ${b.rule}` : `rule ${b.rule}, finding ${b.findingId}`;
      const note = b.state === 'dry-run' ? '  (dry-run)' : b.enforcement === 'pending' ? '  (pending)' : '';
      lines.push(`    ${safe(b.ip)}  until ${iso(b.until)}  ${safe(about)}${note}`);
    }
  }
  return lines;
}
