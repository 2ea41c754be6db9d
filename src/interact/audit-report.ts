/**
 * The audit trail as `guardduty-notifier audit` and `status` print it: one line per action, newest first, in columns
 * a person reads and `grep`/`awk` can split (two spaces between fields). Every field that came from a finding or from
 * Slack (type, user name, detail) goes through safeForTerminal: it cannot move the cursor or recolour the terminal.
 */
import { formatDuration } from '../core/duration.js';
import { jsonForTerminal, safeForTerminal as safe } from '../core/terminal-text.js';
import type { AuditRecord } from './audit-record.js';

/** `slack:U012DANA (dana)`. */
function who(record: AuditRecord): string {
  return record.actorName === undefined ? safe(record.actor) : `${safe(record.actor)} (${safe(record.actorName)})`;
}

/** What the action was about: the addresses and span of a block, the mute rule, the finding. */
function what(record: AuditRecord): string {
  const parts: string[] = [];
  if (record.ips !== undefined && record.ips.length > 0) parts.push(record.ips.map(safe).join(','));
  if (record.forMs !== undefined && record.forMs > 0) parts.push(`for ${formatDuration(record.forMs)}`);
  if (record.muteId !== undefined) parts.push(`rule ${safe(record.muteId)}`);
  if (record.findingType !== undefined) parts.push(safe(record.findingType));
  if (record.accountId !== undefined) parts.push(`account ${safe(record.accountId)}`);
  return parts.join(' ');
}

/** One line per record; `none` when there are none. */
export function formatAuditLines(records: readonly AuditRecord[], indent = ''): string[] {
  return records.map((r) => {
    const outcome = r.reason === undefined ? r.result : `${r.result} (${safe(r.reason)})`;
    const where = [r.destination, r.findingId].filter((v): v is string => v !== undefined).map(safe).join(' ');
    const detail = r.detail === undefined ? '' : `  ${safe(r.detail)}`;
    return `${indent}${new Date(r.at).toISOString()}  ${who(r)}  ${r.action.padEnd(11)}  ${outcome.padEnd(10)}  ${what(r)}${where === '' ? '' : `  ${where}`}${detail}`;
  });
}

/** `audit`'s text output. */
export function formatAudit(records: readonly AuditRecord[], since: number): string {
  if (records.length === 0) return `No actions since ${new Date(since).toISOString()}.\n`;
  return `${formatAuditLines(records).join('\n')}\n`;
}

/** `audit --json`: the records as stored (newest first), escaped for a terminal. */
export function formatAuditJson(records: readonly AuditRecord[]): string {
  return `${jsonForTerminal(JSON.stringify(records, null, 2))}\n`;
}
