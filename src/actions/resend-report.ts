import { safeForTerminal as safe } from '../core/terminal-text.js';
import type { OutboxRow } from '../state/store.js';
import { RESEND_MAX_ROWS, type ResendOutcome, type ResendSelection } from './resend.js';

/**
 * What `guardduty-notifier resend` prints: one line per message (outbox id, destination, kind, findings, and what
 * happened), columns split by two spaces like `status` and `audit`. Errors and finding ids come from Slack and from
 * findings: through safeForTerminal.
 */

function findingsOf(row: OutboxRow): string {
  if (row.findingIds.length === 1) return `finding ${safe(row.findingIds[0] ?? '')}`;
  return `${row.findingIds.length} findings`;
}

function rowLine(row: OutboxRow, state: string, note: string): string {
  return `  ${state.padEnd(8)}  ${row.id}  ${safe(row.destination)}  ${row.kind}  ${findingsOf(row)}${note === '' ? '' : `  ${note}`}`;
}

/** The ids asked for that are not failed messages, one line each (stderr). */
export function formatRefused(refused: ResendSelection['refused']): string[] {
  return refused.map(({ id, status }) =>
    status === undefined
      ? `resend: ${safe(id)}: no message with this id in the outbox (ids are the first column of \`status\`'s failed list)`
      : `resend: ${safe(id)}: not a failed message (it is ${status}); only failed messages are resent`,
  );
}

/** `--dry-run`: what would be put back, with the error each failed with. */
export function formatResendPlan(selection: ResendSelection): string {
  const { rows } = selection;
  if (rows.length === 0) return 'Nothing to resend: no failed message selected.\n';
  const lines = [`Would resend ${rows.length} failed message(s) (dry run: nothing changed):`];
  for (const row of rows) lines.push(rowLine(row, 'failed', `failed with: ${safe(row.lastError ?? '?')}`));
  if (selection.more) lines.push(`(the newest ${RESEND_MAX_ROWS} failures; run again for the rest)`);
  return `${lines.join('\n')}\n`;
}

/** After the drain (or the daemon's): each resent message sent, failed again or still queued, then one summary line. */
export function formatResendOutcomes(outcomes: readonly ResendOutcome[], options: { more: boolean; now: number }): string {
  if (outcomes.length === 0) return 'Nothing to resend: no failed message selected.\n';
  const lines = [`Resent ${outcomes.length} message(s):`];
  for (const { row, outcome } of outcomes) {
    if (outcome === 'sent') lines.push(rowLine(row, 'sent', ''));
    else if (outcome === 'failed') lines.push(rowLine(row, 'failed', `failed again: ${safe(row.lastError ?? '?')}`));
    else if (outcome === 'missing') lines.push(rowLine(row, 'gone', 'no longer in the outbox'));
    else {
      const when = row.nextAttemptAt > options.now ? `next try ${new Date(row.nextAttemptAt).toISOString()}` : 'due now';
      lines.push(rowLine(row, 'queued', `not delivered yet (${when})${row.lastError ? `: ${safe(row.lastError)}` : ''}`));
    }
  }
  const count = (o: ResendOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
  const sent = count('sent');
  const failed = count('failed');
  const queued = count('pending') + count('missing');
  lines.push(`${sent} sent, ${failed} failed again, ${queued} still queued.`);
  if (failed > 0) lines.push('Failed again: fix the destination (see the error), then resend them once more.');
  if (queued > 0) lines.push("Still queued: they go with the outbox's next drain (the daemon, the Lambda's schedule, the next `replay`); `status` shows them.");
  if (options.more) lines.push(`(the newest ${RESEND_MAX_ROWS} failures were resent; run again for the rest)`);
  return `${lines.join('\n')}\n`;
}
