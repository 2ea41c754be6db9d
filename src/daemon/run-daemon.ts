import { setTimeout as delay } from 'node:timers/promises';
import type { Finding as SdkFinding, GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config/schema.js';
import { formatDuration } from '../core/duration.js';
import { createGuardDutyClient, defaultSdkRegion, type AwsCredentials, type GuardDutyClientOptions } from '../sources/guardduty-client.js';
import { createGuardDutyPoller, type GuardDutyPollerOptions, type RegionResult } from '../sources/guardduty-poller.js';
import { acquireDaemonLock, type DaemonLock } from './daemon-lock.js';
import { createDaemonMetrics, type DaemonMetrics } from './daemon-metrics.js';
import { createHealthTracker, startHealthServer, type HealthServer } from './health-server.js';
import type { Logger } from '../core/logger.js';
import type { IngestResult } from '../pipeline/pipeline-types.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../pipeline/runtime.js';

/**
 * `guardduty-notifier run`: the polling daemon. Thin wiring only:
 *
 *   lock the state file ─ open the runtime (store, sinks, pipeline) ─ start /healthz + /metrics
 *   every poll.interval:  poller.tick()  (regions in parallel; per detector: pages → GetFindings → onFindings)
 *       onFindings ─ group wait (digest.window) ─▶ pipeline.ingest  (decisions + outbox committed; then the cursor)
 *   meanwhile:            drain loop ─▶ pipeline.drain  (sinks, rate limits, retries)
 *   SIGTERM/SIGINT:       finish the tick ─ drain for a bounded time ─ close the store ─ release the lock ─ exit 0
 */

export const DEFAULT_POLL = {
  interval: 60_000,
  overlap: 600_000,
  includeArchived: false,
  listen: '127.0.0.1:9464',
} as const;

/** How long SIGTERM may spend delivering what is queued (systemd's TimeoutStopSec must be longer). */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 10_000;
/** One drain pass at most this long, so that shutdown never waits on a long pass. */
const DRAIN_SLICE_MS = 5_000;
/** With nothing new, look at the outbox this often for retries that became due. */
const DRAIN_IDLE_MS = 2_000;
/** Findings per ingest at most (memory and transaction size); a full batch is ingested without waiting the window. */
const MAX_INGEST_BATCH = 500;

export type PollConfig = NonNullable<Config['poll']>;

export interface DaemonOptions {
  config: Config;
  logger: Logger;
  /** Abort to stop: the current tick finishes, the outbox drains for `shutdownDrainMs`, the store closes. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** A runtime to use (tests); otherwise one is created from `config` and closed on exit. */
  runtime?: Runtime;
  /** Passed to `createRuntime` when the daemon creates the runtime (e.g. sink overrides). */
  runtimeOptions?: Omit<RuntimeOptions, 'logger' | 'env' | 'now'>;
  /** GuardDuty client per region; default: `createGuardDutyClient` with `poll.assumeRole` / `poll.regionRoles`. */
  clientFor?: (region: string) => GuardDutyClient;
  /** Extra options for the default clients (tests: dummy credentials, a fast retry strategy). */
  clientOptions?: Partial<Omit<GuardDutyClientOptions, 'region' | 'assumeRole'>> & { credentials?: AwsCredentials };
  /** Overrides `poll.listen`; `false` starts no listener. */
  listen?: string | false;
  /** Stop after this many ticks (`run --once`, tests). */
  maxTicks?: number;
  shutdownDrainMs?: number;
  /** Poller tuning (tests: a fast throttling backoff). */
  pollerOptions?: Partial<Pick<GuardDutyPollerOptions, 'throttleBackoff' | 'batchSize' | 'detectorCacheTicks' | 'sleep'>>;
  /** Take the state-file lock (default true; only SQLite state has a file to lock). */
  lock?: boolean;
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

/** Regions to poll: `poll.regions`, else the SDK's region (AWS_REGION, AWS_DEFAULT_REGION, the profile's). */
export async function resolvePollRegions(poll: PollConfig | undefined, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (poll?.regions && poll.regions.length > 0) return [...new Set(poll.regions)];
  const region = await defaultSdkRegion(env);
  if (!region) {
    throw new Error('No region to poll: set poll.regions in the config (e.g. [us-east-1]) or AWS_REGION in the environment.');
  }
  return [region];
}

/** The role to assume in a region: `poll.regionRoles[region]`, else `poll.assumeRole`, else none. */
export function roleFor(poll: PollConfig | undefined, region: string): string | undefined {
  return poll?.regionRoles?.[region] ?? poll?.assumeRole;
}

/**
 * Builds the default GuardDuty client factory from config (one client per region, created once). `destroyAll()`
 * closes their connection pools on shutdown.
 */
export function clientFactory(
  config: Config,
  options: { env: NodeJS.ProcessEnv; now?: () => number; clientOptions?: DaemonOptions['clientOptions'] },
): ((region: string) => GuardDutyClient) & { destroyAll(): void } {
  const clients = new Map<string, GuardDutyClient>();
  const clientFor = (region: string): GuardDutyClient => {
    let client = clients.get(region);
    if (!client) {
      client = createGuardDutyClient({ ...options.clientOptions, region, assumeRole: roleFor(config.poll, region), env: options.env, now: options.now });
      clients.set(region, client);
    }
    return client;
  };
  return Object.assign(clientFor, {
    destroyAll() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  });
}

/**
 * Group wait: findings handed over within `windowMs` of the first become one ingest, so that a burst split across
 * regions, detectors or pages still becomes one digest. Ingests run one at a time: two ingests deciding on the same
 * finding concurrently could both read the ledger before either commits and send it twice.
 */
export function createIngestBatcher<T = SdkFinding>(options: {
  windowMs: number;
  maxBatch: number;
  ingest(findings: T[]): Promise<void>;
}): { add(findings: T[]): Promise<void>; flush(): void } {
  let pending: { findings: T[]; waiters: Array<{ resolve(): void; reject(error: unknown): void }> } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = undefined;
    if (!batch) return;
    chain = chain.then(async () => {
      try {
        await options.ingest(batch.findings);
        for (const w of batch.waiters) w.resolve();
      } catch (error) {
        for (const w of batch.waiters) w.reject(error);
      }
    });
  }

  return {
    add(findings) {
      if (!pending) {
        pending = { findings: [], waiters: [] };
        timer = setTimeout(flush, options.windowMs);
      }
      const batch = pending;
      batch.findings.push(...findings);
      const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
      if (batch.findings.length >= options.maxBatch || options.windowMs <= 0) flush();
      return done;
    },
    flush,
  };
}

/** Sleeps `ms`, or less when `signal` aborts (resolving either way: stopping is not an error here). */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(Math.max(0, ms), undefined, { signal }).catch(() => undefined);
}

/** A wake-up signal for the drain loop: `kick()` ends the current `wait()` early. */
function createKicker(): { kick(): void; wait(ms: number): Promise<void> } {
  let wake: (() => void) | undefined;
  let kicked = false;
  return {
    kick() {
      kicked = true;
      wake?.();
    },
    wait(ms) {
      if (kicked) {
        kicked = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          wake = undefined;
          kicked = false;
          resolve();
        }
        wake = done;
      });
    },
  };
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
  const { config, logger, signal } = options;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const poll = config.poll;
  const intervalMs = poll?.interval ?? DEFAULT_POLL.interval;
  const overlapMs = poll?.overlap ?? DEFAULT_POLL.overlap;
  const regions = await resolvePollRegions(poll, env);

  let lock: DaemonLock | undefined;
  if (options.lock !== false && 'sqlite' in config.state) {
    lock = acquireDaemonLock({ statePath: config.state.sqlite, command: 'run', now });
  } else if ('dynamodb' in config.state) {
    logger.warn('State is in DynamoDB: no instance lock is taken; run one daemon per table', { table: config.state.dynamodb });
  }

  let runtime: Runtime | undefined;
  let server: HealthServer | undefined;
  let ownClients: ReturnType<typeof clientFactory> | undefined;
  const clientFor = options.clientFor ?? (ownClients = clientFactory(config, { env, now, clientOptions: options.clientOptions }));
  let ticks = 0;
  try {
    runtime = options.runtime ?? (await createRuntime(config, { ...options.runtimeOptions, logger, env, now }));
    const { pipeline, store } = runtime;
    const metrics: DaemonMetrics = createDaemonMetrics();
    const health = createHealthTracker({ regions, intervalMs, now });
    const configured = options.listen ?? poll?.listen ?? DEFAULT_POLL.listen;
    const listen = configured === 'off' ? false : configured;
    if (listen !== false) {
      server = await startHealthServer({
        listen,
        logger,
        health: () => health.report(),
        metrics: async () => ({ body: await metrics.render(), contentType: metrics.contentType }),
      });
    }

    // --- Delivery runs beside polling: a slow Slack never delays the next poll, and retries come due on their own.
    const kicker = createKicker();
    let stopping = false;
    async function drainOnce(deadlineMs: number): Promise<void> {
      try {
        const summary = await pipeline.drain({ deadlineMs });
        metrics.recordDrain(summary);
        if (summary.sent + summary.failed > 0) logger.info('Delivered', { sent: summary.sent, failed: summary.failed, retried: summary.retried });
      } catch (error) {
        logger.error('Draining the outbox failed; it is tried again shortly', { error: String(error) });
      }
      try {
        metrics.setOutbox(await store.stats());
      } catch {
        // the gauge stays as it was
      }
    }
    const drainLoop = (async () => {
      while (!stopping) {
        await drainOnce(now() + DRAIN_SLICE_MS);
        if (!stopping) await kicker.wait(DRAIN_IDLE_MS);
      }
    })();

    // --- Polling.
    let ingested = { findings: 0, queued: 0 };
    const batcher = createIngestBatcher({
      windowMs: config.digest.window,
      maxBatch: MAX_INGEST_BATCH,
      async ingest(findings) {
        const result: IngestResult = await pipeline.ingest([{ Findings: findings }]);
        metrics.recordIngest(result);
        ingested.findings += result.findings;
        ingested.queued += result.messagesQueued;
        for (const e of result.errors.slice(0, 5)) logger.warn('A GuardDuty finding could not be read', { path: e.path, error: e.message });
        if (result.messagesQueued > 0) kicker.kick();
      },
    });
    // On stop, ingest what the group wait holds now instead of at the end of the window.
    const flushOnStop = (): void => batcher.flush();
    signal?.addEventListener('abort', flushOnStop, { once: true });
    const poller = createGuardDutyPoller({
      regions,
      overlapMs,
      includeArchived: poll?.includeArchived ?? DEFAULT_POLL.includeArchived,
      store,
      clientFor,
      logger,
      now,
      metrics: metrics.poller,
      signal,
      ...options.pollerOptions,
      onFindings: (findings) => batcher.add(findings),
    });

    logger.info('Daemon started', {
      regions,
      interval: formatDuration(intervalMs),
      overlap: formatDuration(overlapMs),
      ...(server ? { listen: server.url } : {}),
    });
    options.onReady?.({ url: server?.url, regions });

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
      }
      ticks += 1;
      const at = now();
      for (const r of results) {
        if (r.ok) health.recordSuccess(r.region, at);
        else health.recordFailure(r.region, r.error ?? r.detectors.find((d) => d.error)?.error ?? 'failed');
        for (const d of r.detectors) if (d.cursorAfter !== undefined) metrics.setCursor(r.region, d.detectorId, d.cursorAfter);
      }
      logTick(logger, results, ingested, ticks);
      options.onTick?.(results, ticks);
      if (options.maxTicks !== undefined && ticks >= options.maxTicks) break;
      await (options.sleep ?? abortableSleep)(Math.max(0, intervalMs - (now() - started)), signal);
    }

    // --- Shutdown: the tick above finished; deliver what is queued, for a bounded time.
    const shutdownDrainMs = options.shutdownDrainMs ?? DEFAULT_SHUTDOWN_DRAIN_MS;
    logger.info(signal?.aborted ? 'Stopping: delivering what is queued' : 'Last tick done: delivering what is queued', {
      within: formatDuration(shutdownDrainMs),
    });
    signal?.removeEventListener('abort', flushOnStop);
    const deadline = now() + shutdownDrainMs;
    stopping = true;
    kicker.kick();
    await drainLoop;
    await drainOnce(deadline);
    const left = await store.stats().catch(() => undefined);
    if (left && left.pending > 0) {
      logger.warn('Stopped with messages still queued; they are sent on the next start', { pending: left.pending });
    }
    logger.info('Daemon stopped', { ticks });
    return { exitCode: 0, ticks };
  } finally {
    ownClients?.destroyAll();
    await server?.close().catch(() => {});
    if (!options.runtime) await runtime?.close().catch((error: unknown) => logger.error('Closing the store failed', { error: String(error) }));
    lock?.release();
  }
}

/**
 * SIGTERM and SIGINT abort the returned signal (the daemon then finishes its tick and drains); a second signal exits
 * at once with status 130. `dispose()` removes the handlers.
 */
export function abortOnTermination(logger: Logger, proc: NodeJS.Process = process): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      logger.warn('Second signal: exiting now', { signal: name });
      proc.exit(130);
    }
    logger.info('Signal received: finishing the current tick, then stopping', { signal: name });
    controller.abort();
  };
  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      proc.off('SIGTERM', onSignal);
      proc.off('SIGINT', onSignal);
    },
  };
}
