import type { Finding as SdkFinding, GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { IngestResult, Pipeline } from '../pipeline/pipeline-types.js';
import {
  createGuardDutyPoller,
  type GuardDutyPoller,
  type GuardDutyPollerOptions,
  type PageProgress,
  type PollerMetrics,
  type RegionResult,
} from '../sources/guardduty-poller.js';
import { createIngestBatcher, type IngestBatcher } from './ingest-batcher.js';
import { DEFAULT_POLL } from './poll-config.js';

/** Findings per ingest at most (memory and transaction size); a full batch is ingested without waiting the window. */
const MAX_INGEST_BATCH = 500;

/** Poller tuning (tests: a fast throttling backoff). */
export type PollerTuning = Partial<Pick<GuardDutyPollerOptions, 'throttleBackoff' | 'batchSize' | 'detectorCacheTicks' | 'sleep'>>;

export interface PollIngestOptions {
  config: Config;
  regions: readonly string[];
  /** The pipeline findings go through, the store the cursors are kept in, and the GuardDuty client per region. */
  session: {
    runtime: { pipeline: Pipeline; store: GuardDutyPollerOptions['store'] };
    clientFor(region: string): GuardDutyClient;
  };
  logger: Logger;
  now: () => number;
  /** Aborts the poller's own throttling backoff waits. */
  signal?: AbortSignal;
  /** Group wait in ms (the daemon: `digest.window`, held only for a burst; backfill: 0, every page an ingest of its own). */
  windowMs: number;
  /** Decide and render, commit nothing (`backfill --dry-run`). */
  dryRun?: boolean;
  /** false: plan no blocks (`backfill` without `--respond`). Default: respond like every batch. */
  respond?: boolean;
  metrics?: PollerMetrics;
  onPage?(progress: PageProgress): void;
  pollerOptions?: PollerTuning;
  /** After every ingest, with what it decided. */
  onIngested(result: IngestResult): void;
}

/**
 * The chain the daemon and backfill share: GuardDuty poller ─▶ group wait (one ingest per tick; a burst held for the
 * window, see {@link createIngestBatcher}) ─▶ `pipeline.ingest`. The poller's cursors go through the batcher, so a
 * stored cursor moves only past findings that are committed.
 *
 * @example
 * const { poller, batcher } = createPollIngest({ config, regions, session, logger, now,
 *   windowMs: config.digest.window, onIngested: (result) => metrics.recordIngest(result) });
 * await poller.tick();
 */
export function createPollIngest(options: PollIngestOptions): { poller: GuardDutyPoller; batcher: IngestBatcher<SdkFinding> } {
  const { config, logger } = options;
  const { pipeline, store } = options.session.runtime;
  const batcher = createIngestBatcher<SdkFinding>({
    windowMs: options.windowMs,
    burstThreshold: config.digest.threshold,
    maxBatch: MAX_INGEST_BATCH,
    cursorStore: store,
    now: options.now,
    async ingest(findings) {
      const ingestOptions = { ...(options.dryRun ? { dryRun: true } : {}), ...(options.respond === false ? { respond: false } : {}) };
      const result = await pipeline.ingest([{ Findings: findings }], Object.keys(ingestOptions).length > 0 ? ingestOptions : undefined);
      options.onIngested(result);
    },
    // The same finding re-read (the overlap) is not news; an update (a later updatedAt) is.
    identify: (finding) => `${finding.Id ?? ''}@${finding.UpdatedAt ?? ''}`,
    onHeldIngestFailed(error) {
      logger.error('A held burst of findings could not be committed; the next poll reads them again', { error: String(error) });
    },
  });
  const metrics: PollerMetrics = {
    ...options.metrics,
    regionPolled(region, seconds, ok, at) {
      options.metrics?.regionPolled?.(region, seconds, ok, at);
      batcher.regionDone(region);
    },
  };
  const poller = createGuardDutyPoller({
    regions: options.regions,
    overlapMs: config.poll?.overlap ?? DEFAULT_POLL.overlap,
    includeArchived: config.poll?.includeArchived ?? DEFAULT_POLL.includeArchived,
    store: batcher.cursors,
    clientFor: options.session.clientFor,
    logger,
    now: options.now,
    metrics,
    signal: options.signal,
    onPage: options.onPage,
    ...options.pollerOptions,
    onFindings: (findings, context) => batcher.add(findings, context.region),
  });
  // Every tick tells the batcher which regions take part, so their findings become one ingest.
  const tickingPoller: GuardDutyPoller = {
    ...poller,
    async tick(tickOptions) {
      batcher.beginTick(tickOptions?.regions ?? options.regions);
      try {
        return await poller.tick(tickOptions);
      } finally {
        batcher.endTick();
      }
    },
  };
  return { poller: tickingPoller, batcher };
}

/** Why a region's poll failed: its own error, else its first failing detector's. */
export function regionFailure(result: RegionResult): string {
  return result.error ?? result.detectors.find((d) => d.error)?.error ?? 'failed';
}
