import { resolve } from 'node:path';
import { safeForTerminal } from '../core/terminal-text.js';
import { formatDecisionReason } from '../policy/decision-record.js';
import type { DrainSummary, IngestResult } from './pipeline-types.js';

export interface ReplaySummary {
  dryRun: boolean;
  findingsRead: number;
  unreadable: number;
  unrouted: number;
  /** Findings that threw in a stage: each was logged and recorded (and sent as a plain fallback where it could be). */
  findingErrors: number;
  messagesQueued: number;
  sent: number;
  failed: number;
  /** Still in the outbox (retryable failures past the timeout); the next run or `run` delivers them. */
  pending: number;
  destinations: Record<string, { notified: number; digested: number; suppressed: number; suppressedBy: Record<string, number>; sent: number; failed: number }>;
  /** Where the ledger this replay decided against lives (a SQLite file as an absolute path, or a DynamoDB table). */
  state?: { sqlite: string } | { dynamodb: string };
}

export function summarizeReplay(input: {
  ingest: IngestResult;
  drain?: DrainSummary;
  unreadable: number;
  dryRun: boolean;
  /** The config's `state`: shown, because a second replay of the same files is all "duplicate" by design. */
  state?: { sqlite: string } | { dynamodb: string };
  /** Decisions already counted with countDecisions (a big replay drops them batch by batch); added to the ingest's. */
  counted?: ReplaySummary['destinations'];
}): ReplaySummary {
  const { ingest, drain } = input;
  const destinations: ReplaySummary['destinations'] = input.counted ?? {};
  countDecisions(ingest.decisions, destinations);
  const entry = (name: string) => (destinations[name] ??= { notified: 0, digested: 0, suppressed: 0, suppressedBy: {}, sent: 0, failed: 0 });
  for (const [name, s] of Object.entries(drain?.byDestination ?? {})) {
    const e = entry(name);
    e.sent = s.sent;
    e.failed = s.failed;
  }
  return {
    dryRun: input.dryRun,
    findingsRead: ingest.findings,
    unreadable: input.unreadable + ingest.errors.length,
    unrouted: ingest.unrouted,
    findingErrors: ingest.findingErrors.length,
    messagesQueued: ingest.messagesQueued,
    sent: drain?.sent ?? 0,
    failed: drain?.failed ?? 0,
    pending: drain ? Math.max(0, drain.retried) : 0,
    destinations,
    ...(input.state === undefined
      ? {}
      : { state: 'sqlite' in input.state ? { sqlite: resolve(input.state.sqlite) } : { dynamodb: input.state.dynamodb } }),
  };
}

/** Adds decisions to per-destination counts (notified, digested, suppressed by reason). */
export function countDecisions(decisions: IngestResult['decisions'], destinations: ReplaySummary['destinations']): void {
  for (const d of decisions) {
    const e = (destinations[d.destination] ??= { notified: 0, digested: 0, suppressed: 0, suppressedBy: {}, sent: 0, failed: 0 });
    if (d.outcome === 'notify') e.notified += 1;
    else if (d.outcome === 'digest') e.digested += 1;
    else {
      e.suppressed += 1;
      const reason = formatDecisionReason(d.reason);
      e.suppressedBy[reason] = (e.suppressedBy[reason] ?? 0) + 1;
    }
  }
}

/** Where the state is, and why findings seen before are duplicates: the ledger remembers them (DESIGN "policy"). */
function stateLine(state: NonNullable<ReplaySummary['state']>): string {
  if ('sqlite' in state) {
    return `State: ${state.sqlite} (findings already in it are duplicates; to start fresh, delete that file or set state.sqlite to another path)`;
  }
  return `State: DynamoDB table ${state.dynamodb} (findings already in it are duplicates until their ledger rows expire: state.ttl, 90 days by default)`;
}

export function formatReplaySummary(s: ReplaySummary): string {
  const lines: string[] = [];
  lines.push(`${s.dryRun ? 'Dry run: nothing sent or recorded. ' : ''}Findings read: ${s.findingsRead}${s.unreadable ? ` (${s.unreadable} inputs could not be read, see above)` : ''}`);
  lines.push(`Filtered (no route matched): ${s.unrouted}`);
  if (s.findingErrors > 0) {
    lines.push(`Could not be processed in full: ${s.findingErrors} (logged above, shown by \`status\`; sent as a plain message where possible)`);
  }
  for (const [name, d] of Object.entries(s.destinations)) {
    const reasons = Object.entries(d.suppressedBy)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    lines.push(
      `  ${name}: ${d.notified} notified, ${d.digested} in digests, ${d.suppressed} suppressed${reasons ? ` (${reasons})` : ''}` +
        (s.dryRun ? '' : `; messages sent ${d.sent}, failed ${d.failed}`),
    );
  }
  if (!s.dryRun) {
    lines.push(`Messages: ${s.messagesQueued} queued, ${s.sent} sent, ${s.failed} failed${s.pending ? `, ${s.pending} still pending (kept in the outbox)` : ''}`);
  }
  if (s.state) lines.push(stateLine(s.state));
  return `${lines.join('\n')}\n`;
}

/** `replay --dry-run`'s decision lines: destination, outcome, reason, type, finding id (tab-separated, terminal-safe). */
export function formatReplayDecisions(decisions: IngestResult['decisions']): string {
  return decisions
    .map((d) => `${d.destination}\t${d.outcome}\t${safeForTerminal(formatDecisionReason(d.reason))}\t${safeForTerminal(d.findingType)}\t${safeForTerminal(d.findingId)}\n`)
    .join('');
}

type RespondResult = NonNullable<IngestResult['respond']>;

/** What respond decided, for `replay --json`'s `respond` member. */
export function replayRespondJson(respond: RespondResult) {
  return {
    ...respond.counts,
    lines: respond.lines.map((l) => l.line),
    targets: respond.converge?.outcomes.map((o) => (o.ok ? { target: o.target, ok: true, written: o.result.written, inForce: o.result.inForce } : { target: o.target, ok: false, failure: o.error.failure })),
  };
}

/** What respond decided, as the finding messages say it, and each target's converge: `respond\t…` lines. */
export function formatReplayRespond(respond: RespondResult, dryRun: boolean): string {
  const out: string[] = [];
  if (dryRun && respond.lines.length > 0) out.push('respond\t(--dry-run: what respond would do; nothing recorded, no target written)\n');
  for (const { line } of respond.lines) out.push(`respond\t${safeForTerminal(line)}\n`);
  for (const o of respond.converge?.outcomes ?? []) {
    out.push(`respond\t${o.target}: ${o.ok ? (o.result.written ? `written (${o.result.inForce} in force)` : 'up to date') : `FAILED (${o.error.failure}): ${safeForTerminal(o.error.hint)}`}\n`);
  }
  return out.join('');
}
