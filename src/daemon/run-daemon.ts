import { sleep } from '../core/backoff.js';
import { formatDuration } from '../core/duration.js';
import type { Logger } from '../core/logger.js';
import type { RegionResult } from '../sources/guardduty-poller.js';
import { startDrainLoop } from './drain-loop.js';
import { createRespondMetrics, startRespondLoop } from './respond-loop.js';
import { createHealthTracker, type HealthTracker } from './health.js';
import { startHealthServer } from './health-server.js';
import { createPagerDutyWebhook, pagerDutyWebhookRoute } from '../pipeline/pagerduty-webhook-runtime.js';
import { createSecretResolver } from '../config/secrets.js';
import { JOBS_SHUTDOWN_WAIT_MS, startDaemonInteraction } from './slack-actions.js';
import { createDaemonMetrics, type DaemonMetrics } from './metrics.js';
import { DEFAULT_POLL, resolvePollRegions } from './poll-config.js';
import { createPollIngest, regionFailure } from './poll-ingest.js';
import { withPollingSession, type PollingCommandOptions, type PollingSession } from './polling-session.js';

/**
 * `guardduty-notifier run`: the polling daemon.
 *
 *   lock the state file ─ open the runtime (store, sinks, pipeline) ─ start /healthz + /metrics
 *   every poll.interval:  poller.tick()  (regions in parallel; per detector: pages → GetFindings → onFindings)
 *       onFindings ─ one ingest per tick ─▶ pipeline.ingest  (decisions + outbox committed; then the cursor)
 *       a burst (> digest.threshold within digest.window) is held for the window, taking in the next ticks' findings
 *   meanwhile:            drain loop ─▶ pipeline.drain  (sinks, rate limits, retries)
 *   SIGTERM/SIGINT:       finish the tick ─ drain for a bounded time ─ close the store ─ release the lock ─ exit 0
 */

/** Outbox rows counted for logs and the depth gauge: a bounded read whatever the store keeps. */
const OUTBOX_DEPTH_LIMIT = 10_000;

/** How long SIGTERM may spend delivering what is queued (systemd's TimeoutStopSec must be longer). */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 10_000;

export interface DaemonOptions extends PollingCommandOptions {
  /** Overrides `poll.listen`; `false` starts no listener. */
  listen?: string | false;
  /**
   * Stop after this many ticks (`run --once`, tests). Such a bounded run exits 1 when a region of its last tick failed
   * or a message is still queued after the last drain, so that a cron job notices; a run stopped by a signal exits 0.
   */
  maxTicks?: number;
  /** How long the last drain may take after the last tick (default 10 s). */
  shutdownDrainMs?: number;
  /** Called when the listener is up and the first tick is about to start. */
  onReady?(info: { url?: string; regions: string[] }): void;
  /** Called after every tick. */
  onTick?(results: RegionResult[], tick: number): void;
  /** The wait between ticks (tests, benchmarks); must return early when `signal` aborts. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface DaemonResult {
  exitCode: number;
  ticks: number;
}

/** Sleeps `ms`, or less when `signal` aborts (resolving either way: stopping is not an error here). */
function sleepUnlessStopped(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, signal).catch(() => undefined);
}

/** Logs one line per tick at info, only when something happened or something failed. */
function logTick(logger: Logger, results: RegionResult[], ingested: { findings: number; queued: number }, tick: number): void {
  const failed = results.filter((r) => !r.ok).map((r) => r.region);
  const read = results.reduce((n, r) => n + r.findings, 0);
  const fields = { tick, regions: results.length, read, passedOn: ingested.findings, queued: ingested.queued, ...(failed.length ? { failed } : {}) };
  if (read > 0 || failed.length > 0) logger.info('Poll finished', fields);
  else logger.debug('Poll finished', fields);
}

/**
 * @example
 * const controller = new AbortController();
 * process.once('SIGTERM', () => controller.abort());
 * const { exitCode } = await runDaemon({ config, logger, signal: controller.signal });
 */
export async function runDaemon(options: DaemonOptions): Promise<DaemonResult> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const regions = await resolvePollRegions(config.poll, env);
  if ('dynamodb' in config.state) {
    logger.warn('State is in DynamoDB: no instance lock is taken; run one daemon per table', { table: config.state.dynamodb });
  }
  const lockAs = options.lock === false ? false : 'run';
  return withPollingSession({ ...options, env, now, lockAs }, async (session) => {
    const intervalMs = config.poll?.interval ?? DEFAULT_POLL.interval;
    const metrics = createDaemonMetrics();
    const health = createHealthTracker({ regions, intervalMs, now });
    const configured = options.listen ?? config.poll?.listen ?? DEFAULT_POLL.listen;
    const listen = configured === 'off' ? false : configured;
    // Slack actions (`interact:`): POST /slack/actions on this listener, or on `interact.listen` of its own.
    const { interact } = config;
    const actions =
      interact === undefined ? undefined : await startDaemonInteraction({ config: { ...config, interact }, session, logger, now, env, healthListen: listen });
    // PagerDuty → us (a pagerduty destination with `webhookSecret`): POST /pagerduty/webhook on the same listener.
    const pagerDuty = await createPagerDutyWebhook({
      config,
      store: session.runtime.store,
      secrets: createSecretResolver({ env }),
      logger,
      now,
    });
    if (pagerDuty !== undefined && listen === false) logger.warn('A PagerDuty webhookSecret is set but the listener is off (poll.listen: off): PagerDuty acknowledgements cannot reach this daemon');
    let server: Awaited<ReturnType<typeof startHealthServer>> | undefined;
    try {
      server =
        listen === false
          ? undefined
          : await startHealthServer({
              listen,
              logger,
              health: () => health.report(),
              metrics: async () => ({ body: await metrics.render(), contentType: metrics.contentType }),
              routes: [...(actions?.route === undefined ? [] : [actions.route]), ...(pagerDuty === undefined ? [] : [pagerDutyWebhookRoute(pagerDuty, logger)])],
            });
    } catch (error) {
      await actions?.stop(now());
      throw error;
    }
    try {
      return await pollUntilStopped(options, { regions, now, session, metrics, health, url: server?.url });
    } finally {
      // No new clicks from here; the ones being carried out finish (bounded) before the store closes.
      await server?.close().catch(() => {});
      await actions?.stop(now() + JOBS_SHUTDOWN_WAIT_MS).catch(() => {});
    }
  });
}

/** The daemon inside its session: the drain loop beside the poll loop, then the bounded last drain. */
async function pollUntilStopped(
  options: DaemonOptions,
  context: { regions: string[]; now: () => number; session: PollingSession; metrics: DaemonMetrics; health: HealthTracker; url?: string },
): Promise<DaemonResult> {
  const { config, logger, signal } = options;
  const { regions, now, metrics, health } = context;
  const { session } = context;
  const { store } = session.runtime;
  const intervalMs = config.poll?.interval ?? DEFAULT_POLL.interval;
  const overlapMs = config.poll?.overlap ?? DEFAULT_POLL.overlap;

  // --- Delivery runs beside polling.
  // Escalations are checked before every drain pass (at most DRAIN_IDLE_MS apart, and after every ingest).
  const drain = startDrainLoop({ pipeline: session.runtime.pipeline, store, metrics, logger, now, escalator: session.runtime.escalator });
  // --- respond: prune and converge every target on respond.syncInterval (the pipeline converges after each commit).
  const { responder } = session.runtime;
  const respondLoop =
    responder && config.respond
      ? startRespondLoop({ responder, intervalMs: config.respond.syncInterval, logger, metrics: createRespondMetrics(metrics.registry) })
      : undefined;

  // --- Polling.
  let ingested = { findings: 0, queued: 0 };
  const { poller, batcher } = createPollIngest({
    config,
    regions,
    session,
    logger,
    now,
    signal,
    windowMs: config.digest.window,
    metrics: metrics.poller,
    pollerOptions: options.pollerOptions,
    onIngested(result) {
      metrics.recordIngest(result);
      ingested.findings += result.findings;
      ingested.queued += result.messagesQueued;
      for (const e of result.errors.slice(0, 5)) logger.warn('A GuardDuty finding could not be read', { path: e.path, error: e.message });
      if (result.messagesQueued > 0) drain.kick();
    },
  });
  // On stop, ingest what the group wait holds now instead of at the end of the window.
  const flushOnStop = (): void => void batcher.flush().catch(() => undefined);
  signal?.addEventListener('abort', flushOnStop, { once: true });

  logger.info('Daemon started', {
    regions,
    interval: formatDuration(intervalMs),
    overlap: formatDuration(overlapMs),
    ...(context.url ? { listen: context.url } : {}),
  });
  options.onReady?.({ url: context.url, regions });

  let ticks = 0;
  /** Regions the last tick could not poll (all of them when the tick itself threw). */
  let lastFailed: string[] = [];
  while (!signal?.aborted && (options.maxTicks === undefined || ticks < options.maxTicks)) {
    const started = now();
    ingested = { findings: 0, queued: 0 };
    let results: RegionResult[];
    try {
      results = await poller.tick();
    } catch (error) {
      // tick() contains per-region failures itself; this is a bug or a broken store: log, wait, try again.
      logger.error('Poll tick failed', { error: String(error) });
      results = [];
      lastFailed = regions;
    }
    if (results.length > 0) lastFailed = results.filter((r) => !r.ok).map((r) => r.region);
    ticks += 1;
    const at = now();
    for (const r of results) {
      if (r.ok) health.recordSuccess(r.region, at);
      else health.recordFailure(r.region, regionFailure(r));
      for (const d of r.detectors) if (d.cursorAfter !== undefined) metrics.setCursor(r.region, d.detectorId, d.cursorAfter);
    }
    logTick(logger, results, ingested, ticks);
    options.onTick?.(results, ticks);
    if (options.maxTicks !== undefined && ticks >= options.maxTicks) break;
    await waitForNextTick(started + intervalMs);
  }

  /** Sleeps until the next tick, waking to ingest a held burst when its window ends (bounded: a few wake-ups). */
  async function waitForNextTick(nextTickAt: number): Promise<void> {
    const sleepFor = options.sleep ?? sleepUnlessStopped;
    for (let wake = 0; wake < 4 && !signal?.aborted; wake++) {
      const until = Math.min(nextTickAt, batcher.heldUntil() ?? Number.POSITIVE_INFINITY);
      await sleepFor(Math.max(0, until - now()), signal);
      await batcher.flushDue(now()).catch(() => undefined); // a failure is logged by the batcher's owner
      if (now() >= nextTickAt) return;
    }
  }

  // --- Shutdown: the tick above finished; deliver what is queued, for a bounded time.
  const shutdownDrainMs = options.shutdownDrainMs ?? DEFAULT_SHUTDOWN_DRAIN_MS;
  logger.info(signal?.aborted ? 'Stopping: delivering what is queued' : 'Last tick done: delivering what is queued', {
    within: formatDuration(shutdownDrainMs),
  });
  signal?.removeEventListener('abort', flushOnStop);
  // A burst still held is ingested now (committed before the last drain), not lost with the process.
  await batcher.flush().catch((error: unknown) => logger.error('Ingesting the held findings failed; the next start reads them again', { error: String(error) }));
  await respondLoop?.stop();
  await drain.stop(now() + shutdownDrainMs);
  const left = await store.outboxDepth(OUTBOX_DEPTH_LIMIT).catch(() => undefined);
  if (left && left.pending > 0) {
    logger.warn('Stopped with messages still queued; they are sent on the next start', {
      pending: left.capped?.includes('pending') ? `${left.pending} or more` : left.pending,
    });
  }
  logger.info('Daemon stopped', { ticks });
  // A bounded run (`--once`) that finished its ticks answers for them; a stop by signal is a normal end.
  const bounded = options.maxTicks !== undefined && !signal?.aborted;
  if (bounded && (lastFailed.length > 0 || (left?.pending ?? 0) > 0)) {
    logger.error('Run finished with problems', {
      ...(lastFailed.length > 0 ? { failedRegions: lastFailed } : {}),
      ...(left && left.pending > 0 ? { undelivered: left.pending } : {}),
    });
    return { exitCode: 1, ticks };
  }
  return { exitCode: 0, ticks };
}
