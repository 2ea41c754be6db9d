import { formatDuration } from '../core/duration.js';
import type { DrainSummary } from '../pipeline/pipeline-types.js';
import { decisionReasonLabel } from '../policy/decision-record.js';
import { GUARDDUTY_RETENTION_MS } from '../sources/guardduty-poller.js';
import { createProgressReporter } from './backfill-progress.js';
import { resolvePollRegions } from './poll-config.js';
import { createPollIngest, regionFailure, type PollerTuning } from './poll-ingest.js';
import { withPollingSession, type PollingCommandOptions } from './polling-session.js';

/**
 * `guardduty-notifier backfill --since 7d [--dry-run]`: walks the past through the same poller and pipeline as the
 * daemon (same policy, ledger, digests, outbox), then delivers. The ledger makes a second backfill, or a backfill over
 * what the daemon already sent, silent. Cursors only ever move forward, so a later `run` continues where it ended.
 */

export interface BackfillOptions extends PollingCommandOptions {
  /** How far back, in ms (GuardDuty keeps 90 days; more is clamped). */
  sinceMs: number;
  dryRun?: boolean;
  /** Block as the daemon would (`--respond`); default false: old findings must not block by surprise. */
  respond?: boolean;
  /** Only these regions (default: poll.regions or the SDK's region). */
  regions?: string[];
  pollerOptions?: Omit<PollerTuning, 'detectorCacheTicks'>;
  /** How long to keep delivering after the walk (undelivered messages stay in the outbox for `run`). Default 5 min. */
  drainTimeoutMs?: number;
  /** Where progress goes (default stderr); a TTY gets a redrawn bar, anything else plain lines. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface BackfillSummary {
  dryRun: boolean;
  from: string;
  to: string;
  regions: Array<{ region: string; ok: boolean; findings: number; error?: string }>;
  /** Findings read from GuardDuty. */
  read: number;
  /** Findings passed to the pipeline (archived ones dropped unless poll.includeArchived). */
  passedOn: number;
  decisions: { notify: number; digest: number; suppress: number };
  suppressedBy: Record<string, number>;
  messagesQueued: number;
  delivery?: Pick<DrainSummary, 'sent' | 'failed' | 'retried'>;
  /** Messages still in the outbox after the drain timeout (sent by `run` later). */
  pendingAfter?: number;
  durationMs: number;
}

/**
 * @example
 * const summary = await runBackfill({ config, sinceMs: 7 * 86_400_000, dryRun: true, logger });
 * process.stdout.write(formatBackfillSummary(summary));
 */
export async function runBackfill(options: BackfillOptions): Promise<BackfillSummary> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const dryRun = options.dryRun ?? false;
  const started = now();
  let sinceMs = options.sinceMs;
  if (sinceMs > GUARDDUTY_RETENTION_MS) {
    logger.warn('GuardDuty keeps findings 90 days; backfilling 90 days', { asked: formatDuration(sinceMs) });
    sinceMs = GUARDDUTY_RETENTION_MS;
  }
  const from = started - sinceMs;
  const regions = options.regions && options.regions.length > 0 ? options.regions : await resolvePollRegions(config.poll, env);

  // A dry run writes nothing, so it may run beside the daemon; a real one must not (it would race the daemon's sends).
  const lockAs = !dryRun && options.lock !== false ? 'backfill' : false;
  return withPollingSession({ ...options, env, now, lockAs }, async (session) => {
    const { runtime } = session;
    const summary: BackfillSummary = {
      dryRun,
      from: new Date(from).toISOString(),
      to: new Date(started).toISOString(),
      regions: [],
      read: 0,
      passedOn: 0,
      decisions: { notify: 0, digest: 0, suppress: 0 },
      suppressedBy: {},
      messagesQueued: 0,
      durationMs: 0,
    };
    const progress = createProgressReporter({ stream: options.progress ?? process.stderr, regions, from, to: started, now });
    // The daemon's chain, without the group wait: every page is an ingest of its own, still one at a time.
    const { poller } = createPollIngest({
      config,
      regions,
      session,
      logger,
      now,
      signal: options.signal,
      windowMs: 0,
      dryRun,
      respond: options.respond === true,
      pollerOptions: options.pollerOptions,
      onPage: (p) => progress.page(p),
      onIngested(result) {
        summary.passedOn += result.findings;
        summary.messagesQueued += result.messagesQueued;
        for (const d of result.decisions) {
          // Findings that threw are in result.findingErrors, never among the decisions.
          if (d.outcome === 'error') continue;
          summary.decisions[d.outcome] += 1;
          if (d.outcome === 'suppress') {
            const kind = decisionReasonLabel(d.reason);
            summary.suppressedBy[kind] = (summary.suppressedBy[kind] ?? 0) + 1;
          }
        }
      },
    });

    logger.info('Backfill started', { regions, since: formatDuration(sinceMs), dryRun });
    const results = await Promise.all(
      regions.map(async (region) => {
        const [result] = await poller.tick({ from, updateCursors: !dryRun, regions: [region] });
        if (result) progress.regionDone(result);
        return result;
      }),
    );
    progress.end();
    for (const r of results) {
      if (!r) continue;
      summary.read += r.findings;
      summary.regions.push({
        region: r.region,
        ok: r.ok,
        findings: r.findings,
        ...(r.ok ? {} : { error: regionFailure(r) }),
      });
    }

    if (!dryRun) {
      const drainTimeoutMs = options.drainTimeoutMs ?? 300_000;
      const drained = await runtime.pipeline.drain({ deadlineMs: now() + drainTimeoutMs });
      summary.delivery = { sent: drained.sent, failed: drained.failed, retried: drained.retried };
      summary.pendingAfter = (await runtime.store.stats()).pending;
    }
    summary.durationMs = now() - started;
    return summary;
  });
}

export function formatBackfillSummary(s: BackfillSummary): string {
  const lines: string[] = [];
  lines.push(`Backfill ${s.dryRun ? '(dry run: nothing recorded or sent) ' : ''}from ${s.from} to ${s.to}, ${formatDuration(s.durationMs)}`);
  for (const r of s.regions) lines.push(`  ${r.region}: ${r.ok ? `${r.findings} findings` : `FAILED: ${r.error}`}`);
  lines.push(`  findings: ${s.read} read, ${s.passedOn} passed to the policy${s.read > s.passedOn ? ` (${s.read - s.passedOn} archived or repeated, dropped)` : ''}`);
  const reasons = Object.entries(s.suppressedBy)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`  decisions: ${s.decisions.notify} notify, ${s.decisions.digest} in digests, ${s.decisions.suppress} suppressed${reasons ? ` (${reasons})` : ''}`);
  if (s.dryRun) {
    lines.push(`  messages: ${s.messagesQueued} would be sent`);
  } else {
    const d = s.delivery ?? { sent: 0, failed: 0, retried: 0 };
    lines.push(`  messages: ${s.messagesQueued} queued, ${d.sent} sent, ${d.failed} failed${s.pendingAfter ? `, ${s.pendingAfter} still queued (run delivers them)` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
