import type { AuditLog, AuditRecord, BlockStore, CursorStore, DecisionLog, LoggedDecision, OnCallStore, OutboxRow, OutboxStore, StoreStats } from './store.js';
import { formatOnCallStatus, readOnCallStatus, type OnCallStatus } from './on-call-status.js';
import type { RespondConfig } from '../config/schema.js';
import { formatBlockStatus, readBlockStatus, type BlockStatus } from './block-status.js';
import { formatAuditLines } from '../interact/audit-report.js';
import { formatDuration } from '../core/duration.js';
import { jsonForTerminal, safeForTerminal as safe } from '../core/terminal-text.js';

export interface StatusReport {
  stats: StoreStats;
  failed: OutboxRow[];
  pending: OutboxRow[];
  decisions: LoggedDecision[];
  /** Actions people took (Slack buttons, the demo) in the last 7 days, newest first (absent: none read). */
  actions?: AuditRecord[];
  /** With `respond:`: per target, the blocks in force, the newest few and a recorded write failure (block-status.ts). */
  blocks?: BlockStatus;
  /** Unacknowledged High/Critical messages and the time to acknowledge per route, last 7 days (on-call-status.ts). */
  onCall?: OnCallStatus;
}

/** How far back `status` lists actions (`audit --since` shows more). */
export const STATUS_ACTIONS_SINCE_MS = 7 * 86_400_000;

/**
 * What `status` shows: outbox counts, the failed and pending rows, the latest decisions, and the actions of the last
 * 7 days, `limit` of each; with `respond`, the blocks of each target (block-status.ts).
 */
export async function readStatus(
  store: OutboxStore & DecisionLog & AuditLog & Partial<Pick<BlockStore, 'listBlocks'> & Pick<CursorStore, 'getCursor'> & Pick<OnCallStore, 'listEscalations'>>,
  limit: number,
  now: number = Date.now(),
  options: { respond?: RespondConfig } = {},
): Promise<StatusReport> {
  const { respond } = options;
  const blockStore = store.listBlocks !== undefined && store.getCursor !== undefined ? { listBlocks: store.listBlocks.bind(store), getCursor: store.getCursor.bind(store) } : undefined;
  const onCallStore = store.listEscalations === undefined ? undefined : { listEscalations: store.listEscalations.bind(store) };
  const [stats, failed, pending, decisions, actions, blocks, onCall] = await Promise.all([
    store.stats(),
    store.listOutbox({ status: 'failed', limit }),
    store.listOutbox({ status: 'pending', limit }),
    store.recentDecisions(limit),
    store.listAudit({ since: now - STATUS_ACTIONS_SINCE_MS, limit }),
    respond !== undefined && blockStore !== undefined ? readBlockStatus(blockStore, respond, now) : undefined,
    onCallStore === undefined ? undefined : readOnCallStatus(onCallStore, now, limit),
  ]);
  return { stats, failed, pending, decisions, actions, ...(blocks === undefined ? {} : { blocks }), ...(onCall === undefined ? {} : { onCall }) };
}

/** `status --json`: the report without message bodies (Block Kit is long and says nothing about the state). */
export function formatStatusJson(report: StatusReport): string {
  return `${jsonForTerminal(JSON.stringify(report, (k, v) => (k === 'message' ? undefined : v), 2))}\n`;
}

/** `status` for people: outbox depth first (what needs attention), then failures with their errors, then decisions. */
export function formatStatus(report: StatusReport, now: number): string {
  const { stats } = report;
  const lines: string[] = [];
  const oldest = stats.oldestPendingAt !== undefined ? `, oldest ${formatDuration(now - stats.oldestPendingAt)} ago` : '';
  // A count the store stopped at its bound is "at least": shown as such, never as exact.
  const count = (status: 'pending' | 'failed' | 'sent') => `${stats[status]}${stats.capped?.includes(status) ? '+' : ''}`;
  lines.push(`Outbox: ${count('pending')} pending${oldest}, ${count('failed')} failed, ${count('sent')} sent`);
  if (stats.capped) lines.push(`  (+: counted up to the store's bound, there are at least that many)`);
  if (report.failed.length > 0) {
    // The id first: `resend ID…` takes it as printed (outbox ids are hex digests, nothing a finding controls).
    lines.push('', 'Failed (not retried; fix the destination, then `guardduty-notifier resend --failed` or `resend ID…` with these ids):');
    for (const row of report.failed) {
      lines.push(`  ${row.id}  ${new Date(row.createdAt).toISOString()}  ${safe(row.destination)}  ${row.kind}  ${row.findingIds.length} finding(s)  ${safe(row.lastError ?? '')}`);
    }
  }
  if (report.pending.length > 0) {
    lines.push('', 'Pending:');
    for (const row of report.pending) {
      lines.push(`  ${new Date(row.createdAt).toISOString()}  ${row.destination}  ${row.kind}  attempts ${row.attempts}${row.lastError ? `  last error: ${safe(row.lastError)}` : ''}`);
    }
  }
  if (report.blocks !== undefined) lines.push('', ...formatBlockStatus(report.blocks));
  const onCall = report.onCall === undefined ? [] : formatOnCallStatus(report.onCall, now);
  if (onCall.length > 0) lines.push('', ...onCall);
  const actions = report.actions ?? [];
  if (actions.length > 0) {
    lines.push('', `Recent actions (${actions.length}, last 7 days; \`audit\` shows more):`);
    lines.push(...formatAuditLines(actions, '  '));
  }
  lines.push('', `Recent decisions (${report.decisions.length}):`);
  for (const d of report.decisions) {
    // OCSF findings carry a band and no number: say the band rather than `?`.
    const sev = d.severity !== null ? d.severity.toFixed(1) : d.band !== undefined && d.band !== 'Unknown' ? d.band : '?';
    lines.push(`  ${new Date(d.at).toISOString()}  ${d.destination}  ${d.outcome.padEnd(8)} ${safe(d.reason).padEnd(16)} [${sev}] ${safe(d.findingType)}  ${safe(d.findingId)}`);
  }
  return `${lines.join('\n')}\n`;
}
