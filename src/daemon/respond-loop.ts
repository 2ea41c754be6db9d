import { Counter, Gauge, type Registry } from 'prom-client';
import { sleep } from '../core/backoff.js';
import type { Logger } from '../core/logger.js';
import type { ConvergeReport, Responder } from '../pipeline/responder.js';
import { METRIC_PREFIX } from './metrics.js';

/**
 * The daemon's respond timer (`respond.syncInterval`, default 5m): prune the blocks whose time is up and converge
 * every target, so that expiry, a missed write or a hand edit of our rules heals on its own — what the Lambda's
 * 5-minute schedule does. It syncs once at start (whatever happened while the daemon was stopped), then every interval;
 * a failed sync is logged (and alerted by the responder) and tried again at the next one.
 *
 * Metrics on the daemon's registry: `guardduty_notifier_blocks_in_force{target}` and
 * `guardduty_notifier_block_write_failures_total{target}`.
 */

export interface RespondLoop {
  /** Ends the loop after the sync in flight (if any). */
  stop(): Promise<void>;
}

export interface RespondMetrics {
  record(report: ConvergeReport): void;
}

/** The two respond metrics, on a registry (the daemon's). Created once per registry. */
export function createRespondMetrics(registry: Registry): RespondMetrics {
  const registers = [registry];
  const inForce = new Gauge({
    name: `${METRIC_PREFIX}blocks_in_force`,
    help: 'Our blocks in force per respond target after the last converge (rows in force where the target could not be read).',
    labelNames: ['target'],
    registers,
  });
  const failures = new Counter({
    name: `${METRIC_PREFIX}block_write_failures_total`,
    help: 'Converges of a respond target that failed (AccessDenied, capacity, throttling past retries, …); see the logs for what to do.',
    labelNames: ['target'],
    registers,
  });
  return {
    record(report) {
      for (const [target, n] of report.inForce) inForce.set({ target }, n);
      for (const o of report.outcomes) if (!o.ok) failures.inc({ target: o.target });
    },
  };
}

/**
 * @example
 * const loop = startRespondLoop({ responder, intervalMs: config.respond.syncInterval, logger, metrics });
 * await loop.stop();
 */
export function startRespondLoop(options: {
  responder: Responder;
  intervalMs: number;
  logger: Logger;
  metrics?: RespondMetrics;
  /** The wait between syncs (tests); must return early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}): RespondLoop {
  const { responder, logger } = options;
  const stopping = new AbortController();
  // Every converge counts: the timer's, and the one after each ingest's commit.
  const unsubscribe = options.metrics ? responder.onConverge((report) => options.metrics?.record(report)) : () => undefined;
  const wait = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, signal).catch(() => undefined));
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const report = await responder.sync({ prune: true, signal: stopping.signal });
        const failed = report.outcomes.filter((o) => !o.ok).map((o) => o.target);
        if (report.pruned.length > 0 || failed.length > 0) logger.info('Respond targets synced', { pruned: report.pruned.length, failed });
      } catch (error) {
        if (!stopping.signal.aborted) logger.error('Respond sync failed; it is tried again at the next interval', { error: String(error) });
      }
      if (stopping.signal.aborted) break;
      await wait(options.intervalMs, stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
      unsubscribe();
    },
  };
}
