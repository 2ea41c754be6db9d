import { jsonForTerminal, safeForTerminal } from '../core/terminal-text.js';
import type { BlockRecord } from '../respond/block-record.js';
import type { TargetOutcome } from '../respond/targets/converge.js';
import type { Enforcement } from '../state/block-status.js';

/**
 * The block commands' printed text, as lines (not yet terminal-safe unless said: the CLI escapes each as it prints).
 */

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** One line per target: `edge: written (+1 −0, 3 in force)`; `ok` when every target was read (and written) fine. */
export function formatTargetOutcomes(outcomes: readonly TargetOutcome[], dryRun: boolean): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = true;
  for (const o of outcomes) {
    if (!o.ok) {
      ok = false;
      lines.push(`${o.target}: FAILED (${o.error.failure}${o.error.code ? `, ${o.error.code}` : ''}): ${o.error.message}`);
      continue;
    }
    const r = o.result;
    const delta = `+${r.added.length} −${r.removed.length}, ${r.inForce} in force`;
    const state = r.written ? 'written' : r.changed && dryRun ? 'would change (dry-run)' : 'up to date';
    lines.push(`${o.target}: ${state} (${delta}; ${r.calls.reads} read${r.calls.reads === 1 ? '' : 's'}, ${r.calls.writes} write${r.calls.writes === 1 ? '' : 's'})`);
    for (const refused of r.refused) lines.push(`${o.target}: cannot hold ${refused.record.ip} (${refused.reason})`);
  }
  return { lines, ok };
}

/**
 * After a sync that found every target already as the store says (read fine, nothing to add or remove), the one line
 * that says so; undefined when something changed, would change or failed (the per-target lines say what).
 */
export function formatNothingToSync(outcomes: readonly TargetOutcome[]): string | undefined {
  if (!outcomes.every((o) => o.ok && !o.result.changed && !o.result.written)) return undefined;
  const inForce = outcomes.reduce((n, o) => n + (o.ok ? o.result.inForce : 0), 0);
  return `Nothing to do: ${outcomes.length === 1 ? 'the target already matches' : `all ${outcomes.length} targets already match`} the blocks in force (${inForce}).`;
}

/** Per row, whether its target holds it (state/block-status.ts `enforcementOf`); absent for rows not active. */
export type EnforcementOf = (row: BlockRecord) => Enforcement | undefined;

/**
 * `block list`'s table, tab-separated with a header, every field terminal-safe; `No blocks.` when empty. An active
 * row's STATE says whether its target holds it: `active (enforced)` or `active (pending)` (stored, not yet written).
 */
export function formatBlockTable(rows: readonly BlockRecord[], enforcement?: EnforcementOf): string {
  if (rows.length === 0) return 'No blocks.\n';
  const row = (fields: string[]) => `${fields.map((f) => safeForTerminal(f)).join('\t')}\n`;
  const state = (r: BlockRecord) => {
    const e = enforcement?.(r);
    return e === undefined ? r.state : `${r.state} (${e})`;
  };
  return [row(['IP', 'TARGET', 'SINCE', 'UNTIL', 'FINDING', 'RULE', 'STATE']), ...rows.map((r) => row([r.ip, r.target, iso(r.since), iso(r.until), r.findingId ?? '-', r.rule, state(r)]))].join('');
}

/**
 * `block list --json`: the rows as JSON, terminal-safe, each active row with `enforcement` (`enforced` | `pending`)
 * when known. A row's `reason` (a finding type, a Slack user's name) and `findingId` are attacker-influenced, and
 * JSON.stringify leaves C1 and bidi controls raw: jsonForTerminal escapes them.
 */
export function formatBlockJson(rows: readonly BlockRecord[], enforcement?: EnforcementOf): string {
  const shown = rows.map((r) => {
    const e = enforcement?.(r);
    return e === undefined ? r : { ...r, enforcement: e };
  });
  return `${jsonForTerminal(JSON.stringify(shown, null, 2))}\n`;
}

/** `block prune`'s lines for the blocks it ended. */
export function formatPruned(pruned: readonly BlockRecord[]): string[] {
  return [
    pruned.length === 0 ? 'No block has expired.' : `${pruned.length} expired block${pruned.length === 1 ? '' : 's'} ended:`,
    ...pruned.map((r) => `  ${r.ip} in ${r.target}, until ${iso(r.until)}`),
  ];
}
