import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import { createGuardDutyPoller, GUARDDUTY_RETENTION_MS, type GuardDutyPollerOptions, type PageProgress, type RegionResult } from '../sources/guardduty-poller.js';
import { acquireDaemonLock, type DaemonLock } from './daemon-lock.js';
import { clientFactory, DEFAULT_POLL, resolvePollRegions, type DaemonOptions } from './daemon.js';
import type { Logger } from '../core/logger.js';
import type { DrainSummary } from '../pipeline/pipeline-types.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../pipeline/runtime.js';

/**
 * `guardduty-notifier backfill --since 7d [--dry-run]`: walks the past through the same poller and pipeline as the
 * daemon (same policy, ledger, digests, outbox), then delivers. The ledger makes a second backfill, or a backfill over
 * what the daemon already sent, silent. Cursors only ever move forward, so a later `run` continues where it ended.
 */

export interface BackfillOptions {
  config: Config;
  /** How far back, in ms (GuardDuty keeps 90 days; more is clamped). */
  sinceMs: number;
  dryRun?: boolean;
  /** Only these regions (default: poll.regions or the SDK's region). */
  regions?: string[];
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  runtime?: Runtime;
  runtimeOptions?: Omit<RuntimeOptions, 'logger' | 'env' | 'now'>;
  clientFor?: (region: string) => GuardDutyClient;
  clientOptions?: DaemonOptions['clientOptions'];
  pollerOptions?: Partial<Pick<GuardDutyPollerOptions, 'throttleBackoff' | 'batchSize' | 'sleep'>>;
  /** How long to keep delivering after the walk (undelivered messages stay in the outbox for `run`). Default 5 min. */
  drainTimeoutMs?: number;
  /** Where progress goes (default stderr); a TTY gets a redrawn bar, anything else plain lines. */
  progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Stops the walk's backoff waits (Ctrl-C); what was committed stays committed. */
  signal?: AbortSignal;
  lock?: boolean;
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

const BAR_WIDTH = 30;

/** Progress as the share of the time range walked: pages come in `updatedAt` order, so time is a fair measure. */
export function createProgressReporter(options: {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  regions: string[];
  from: number;
  to: number;
  now?: () => number;
}): { page(progress: PageProgress): void; regionDone(result: RegionResult): void; end(): void } {
  const { stream, from, to } = options;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const fraction = new Map(options.regions.map((r) => [r, 0]));
  const read = new Map(options.regions.map((r) => [r, 0]));
  let lastLineAt = 0;
  let lastDecile = -1;
  let drawn = false;

  function overall(): number {
    const values = [...fraction.values()];
    return values.length === 0 ? 1 : values.reduce((a, b) => a + b, 0) / values.length;
  }
  function total(): number {
    return [...read.values()].reduce((a, b) => a + b, 0);
  }
  function draw(force = false): void {
    const share = overall();
    const pct = Math.floor(share * 100);
    if (tty) {
      const filled = Math.round(share * BAR_WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(pct).padStart(3)}%  ${total()} findings`);
      drawn = true;
      return;
    }
    // Plain lines: one per 10 % or at most every 5 s, so logs stay readable.
    const decile = Math.floor(pct / 10);
    const at = now();
    if (force || decile > lastDecile || at - lastLineAt >= 5_000) {
      stream.write(`backfill: ${pct}% of the time range, ${total()} findings read\n`);
      lastDecile = decile;
      lastLineAt = at;
    }
  }
  return {
    page(p) {
      const span = Math.max(1, to - from);
      const walked = p.lastUpdatedAt === undefined ? 0 : Math.min(1, Math.max(0, (p.lastUpdatedAt - from) / span));
      fraction.set(p.region, Math.max(fraction.get(p.region) ?? 0, walked));
      read.set(p.region, p.findings);
      draw();
    },
    regionDone(result) {
      fraction.set(result.region, 1);
      read.set(result.region, result.findings);
      if (tty) {
        draw();
        return;
      }
      stream.write(
        result.ok
          ? `backfill: ${result.region} done, ${result.findings} findings\n`
          : `backfill: ${result.region} FAILED: ${result.error ?? result.detectors.find((d) => d.error)?.error ?? 'error'}\n`,
      );
    },
    end() {
      if (tty && drawn) stream.write('\n');
      else if (!tty) draw(true);
    },
  };
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
  let lock: DaemonLock | undefined;
  if (!dryRun && options.lock !== false && 'sqlite' in config.state) {
    lock = acquireDaemonLock({ statePath: config.state.sqlite, command: 'backfill', now });
  }
  let runtime: Runtime | undefined;
  let ownClients: ReturnType<typeof clientFactory> | undefined;
  const clientFor = options.clientFor ?? (ownClients = clientFactory(config, { env, now, clientOptions: options.clientOptions }));
  try {
    runtime = options.runtime ?? (await createRuntime(config, { ...options.runtimeOptions, logger, env, now }));
    const { pipeline, store } = runtime;
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
    // One ingest at a time (see createIngestBatcher in daemon.ts for why).
    let chain: Promise<void> = Promise.resolve();
    const poller = createGuardDutyPoller({
      regions,
      overlapMs: config.poll?.overlap ?? DEFAULT_POLL.overlap,
      includeArchived: config.poll?.includeArchived ?? DEFAULT_POLL.includeArchived,
      store,
      clientFor,
      logger,
      now,
      signal: options.signal,
      ...options.pollerOptions,
      onPage: (p) => progress.page(p),
      onFindings: (findings) => {
        const run = chain.then(async () => {
          const result = await pipeline.ingest([{ Findings: findings }], { dryRun });
          summary.passedOn += result.findings;
          summary.messagesQueued += result.messagesQueued;
          for (const d of result.decisions) {
            summary.decisions[d.outcome] += 1;
            if (d.outcome === 'suppress') {
              const kind = d.reason.split(/[;:]/, 1)[0]?.trim() || 'unknown';
              summary.suppressedBy[kind] = (summary.suppressedBy[kind] ?? 0) + 1;
            }
          }
        });
        chain = run.catch(() => {});
        return run;
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
        ...(r.ok ? {} : { error: r.error ?? r.detectors.find((d) => d.error)?.error ?? 'failed' }),
      });
    }

    if (!dryRun) {
      const drainTimeoutMs = options.drainTimeoutMs ?? 300_000;
      const drained = await pipeline.drain({ deadlineMs: now() + drainTimeoutMs });
      summary.delivery = { sent: drained.sent, failed: drained.failed, retried: drained.retried };
      summary.pendingAfter = (await store.stats()).pending;
    }
    summary.durationMs = now() - started;
    return summary;
  } finally {
    ownClients?.destroyAll();
    if (!options.runtime) await runtime?.close().catch(() => {});
    lock?.release();
  }
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
