import type { EscalationRow, OnCallStore } from './store.js';
import { formatDuration } from '../core/duration.js';
import { safeForTerminal as safe } from '../core/terminal-text.js';

/**
 * `status`'s on-call part: the High/Critical messages of the last 7 days nobody acknowledged, and per route how long
 * acknowledging took (median and worst) over the same days. Read from the escalation rows the pipeline commits with
 * every High/Critical message (policy/escalation.ts), so routes without `escalate:` are counted too.
 */

export const ON_CALL_STATUS_SINCE_MS = 7 * 86_400_000;
/** Rows read: 7 days of High/Critical messages is a bounded number for a person's `status`. */
const ROWS_READ = 5_000;

export interface RouteAckTimes {
  route: string;
  messages: number;
  acknowledged: number;
  medianMs?: number;
  worstMs?: number;
}

export interface OnCallStatus {
  unacknowledged: Array<Pick<EscalationRow, 'route' | 'subject' | 'headline' | 'createdAt' | 'step' | 'bandRank'>>;
  routes: RouteAckTimes[];
}

export async function readOnCallStatus(store: Pick<OnCallStore, 'listEscalations'>, now: number, limit: number): Promise<OnCallStatus> {
  const rows = (await store.listEscalations(now - ON_CALL_STATUS_SINCE_MS, ROWS_READ)).filter((row) => row.bandRank >= 3);
  const unacknowledged = rows
    .filter((row) => row.acknowledgedAt === undefined)
    .slice(0, limit)
    .map(({ route, subject, headline, createdAt, step, bandRank }) => ({ route, subject, headline, createdAt, step, bandRank }));
  const byRoute = new Map<string, EscalationRow[]>();
  for (const row of rows) byRoute.set(row.route, [...(byRoute.get(row.route) ?? []), row]);
  const routes = [...byRoute].map(([route, list]): RouteAckTimes => {
    const times = list.filter((r) => r.acknowledgedAt !== undefined).map((r) => r.acknowledgedAt! - r.createdAt).sort((a, b) => a - b);
    const out: RouteAckTimes = { route, messages: list.length, acknowledged: times.length };
    if (times.length > 0) {
      out.medianMs = times[Math.floor((times.length - 1) / 2)]!;
      out.worstMs = times.at(-1)!;
    }
    return out;
  });
  return { unacknowledged, routes: routes.sort((a, b) => (a.route < b.route ? -1 : 1)) };
}

export function formatOnCallStatus(status: OnCallStatus, now: number): string[] {
  if (status.routes.length === 0) return [];
  const lines = ['On call (High/Critical messages, last 7 days):'];
  for (const r of status.routes) {
    const times = r.medianMs === undefined ? '' : `, time to acknowledge: median ${formatDuration(r.medianMs)}, worst ${formatDuration(r.worstMs!)}`;
    lines.push(`  route ${safe(r.route)}: ${r.acknowledged} of ${r.messages} acknowledged${times}`);
  }
  if (status.unacknowledged.length > 0) {
    lines.push('  Not acknowledged (`guardduty-notifier ack FINDING_ID… --by WHO` acknowledges):');
    for (const u of status.unacknowledged) {
      const escalations = u.step > 0 ? `, escalated ${u.step}×` : '';
      lines.push(`    ${safe(u.subject)}  ${formatDuration(now - u.createdAt)} ago${escalations}  ${safe(u.headline)}`);
    }
  }
  return lines;
}
