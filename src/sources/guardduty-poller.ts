import { backoffDelay, sleep as abortableSleep } from '../core/backoff.js';
import {
  GetFindingsCommand,
  ListDetectorsCommand,
  ListFindingsCommand,
  type Finding as SdkFinding,
  type GuardDutyClient,
} from '@aws-sdk/client-guardduty';
import type { Logger } from '../core/logger.js';
import type { CursorStore } from '../state/store.js';

/**
 * The polling source: every tick, per region and per detector, it asks GuardDuty for the findings updated since its
 * cursor and hands them to the pipeline. Nothing here decides or sends; `onFindings` does, and the cursor moves only
 * after `onFindings` resolved (the findings are committed), so a crash re-reads and never skips.
 *
 * Per (region, detector) and tick:
 *   ListFindings  criterion updatedAt >= cursor − overlap, sorted by updatedAt ascending, 50 ids a page, all pages
 *   GetFindings   the ids of each page (≤ 50 a call)
 *   onFindings    in chunks of `batchSize`, each awaited
 *   setCursor     `${region}/${detectorId}` = the largest `updatedAt` committed (never the wall clock)
 *
 * So a tick costs max(1, ⌈N/50⌉) ListFindings + ⌈N/50⌉ GetFindings calls for N findings in the window, plus one
 * ListDetectors when the region's detector ids are not cached.
 *
 * Why the cursor is safe (see also the tests "updates during a walk"):
 * - `>=` (not `>`) re-reads findings with the cursor's exact timestamp, so equal timestamps are never skipped; the
 *   overlap re-reads what GuardDuty indexed late. The ledger makes re-reads silent.
 * - GuardDuty's `nextToken` is opaque; in the worst case it is an offset into a result set that is re-evaluated on each
 *   page. A finding updated mid-walk then moves to the end (its `updatedAt` grows), shifting the rest one place left,
 *   so one not-yet-read finding can slip behind the offset. Updates only ever move a finding towards the end, where
 *   the walk lists it again, so a repeated id proves a shift happened after the page where the id was first seen.
 *   Everything skipped by that shift sorts after that page, so the cursor is held at the largest `updatedAt` read up
 *   to that page: the next tick re-reads the rest. The moved finding itself is caught on this tick (at the end of the
 *   walk) or the next (its new `updatedAt` is above the held cursor).
 * - Archived findings are filtered here, not with a `service.archived` criterion: archiving a finding mid-walk would
 *   otherwise *remove* it from the result set, a shift no repeated id reveals.
 */

/** GuardDuty's page and batch limit. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ListFindings.html (maxResults 1–50), API_GetFindings.html (findingIds 0–50 items). */
export const GUARDDUTY_PAGE_SIZE = 50;
/** GuardDuty keeps findings 90 days. Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings.html */
export const GUARDDUTY_RETENTION_MS = 90 * 86_400_000;

/** The poller keeps its cursors in the store's cursor group (any Store will do; tests pass a map). */
export type { CursorStore };

export type ApiOperation = 'ListDetectors' | 'ListFindings' | 'GetFindings';
export type ApiOutcome = 'ok' | 'throttled' | 'error';

/** What the poller reports; the daemon maps it onto Prometheus metrics. All optional. */
export interface PollerMetrics {
  /** One logical API call finished (after the SDK's own retries); `attempts` counts the HTTP attempts. */
  apiCall?(region: string, operation: ApiOperation, outcome: ApiOutcome, attempts: number): void;
  /** Findings read from GetFindings (archived ones included). */
  findingsSeen?(region: string, count: number): void;
  /** Findings read but not passed on (archived, with includeArchived off). */
  findingsDropped?(region: string, reason: 'archived', count: number): void;
  /** One region polled: how long, and whether every detector in it succeeded. */
  regionPolled?(region: string, seconds: number, ok: boolean, at: number): void;
}

export interface FindingsContext {
  region: string;
  detectorId: string;
}

export interface PageProgress {
  region: string;
  detectorId: string;
  /** 0-based page index in this walk. */
  page: number;
  /** Findings read so far in this walk. */
  findings: number;
  /** Lower bound of the walk (epoch ms). */
  from: number;
  /** The largest `updatedAt` read so far (epoch ms), for a time-based progress bar. */
  lastUpdatedAt?: number;
}

export interface GuardDutyPollerOptions {
  regions: readonly string[];
  /** Re-read window behind the cursor (config `poll.overlap`). */
  overlapMs: number;
  /** Pass archived findings on (config `poll.includeArchived`); otherwise they are read but dropped here. */
  includeArchived: boolean;
  store: CursorStore;
  /** One client per region (cached by the caller or not; the poller asks once per region and keeps it). */
  clientFor(region: string): GuardDutyClient;
  logger: Logger;
  /**
   * Receives SDK `Finding` objects (GetFindings output, PascalCase); must resolve only once they are committed
   * (decisions + outbox). Rejecting fails this detector for this tick; its cursor stays where it was.
   */
  onFindings(findings: SdkFinding[], context: FindingsContext): Promise<void>;
  now?: () => number;
  metrics?: PollerMetrics;
  /** Findings per `onFindings` call (bounds memory in a long backfill). Default 500. */
  batchSize?: number;
  /** Detector ids are listed again after this many ticks (and whenever a detector call says it is gone). Default 60. */
  detectorCacheTicks?: number;
  /**
   * Our own backoff when a call is still throttled after the SDK's adaptive retries: wait base·2^n (jittered, capped)
   * and try again, `retries` times. Default 1 s, 20 s, 3.
   */
  throttleBackoff?: { baseMs: number; maxMs: number; retries: number };
  /** Walks stop after this many pages (a runaway guard; the cursor then covers only what was read). Default 20,000. */
  maxPagesPerWalk?: number;
  /** Called after every page (backfill progress). */
  onPage?(progress: PageProgress): void;
  /** Aborts our own throttling backoff waits (shutdown). In-flight calls still finish. */
  signal?: AbortSignal;
  /** Injectable sleep, for tests. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface DetectorResult {
  detectorId: string;
  ok: boolean;
  /** Findings read (archived included). */
  findings: number;
  /** Findings passed to `onFindings`. */
  delivered: number;
  pages: number;
  cursorBefore?: number;
  cursorAfter?: number;
  /** A finding was listed twice in this walk (updated while walking): the cursor was held back. */
  shiftDetected: boolean;
  error?: string;
}

export interface RegionResult {
  region: string;
  ok: boolean;
  durationMs: number;
  findings: number;
  delivered: number;
  detectors: DetectorResult[];
  /** Why the region (ListDetectors) failed, if it did. */
  error?: string;
}

export interface TickOptions {
  /** Walk from this time (epoch ms) instead of `cursor − overlap` (backfill). */
  from?: number;
  /** Write cursors (default true; backfill --dry-run passes false). */
  updateCursors?: boolean;
  /** Only these regions (default all). */
  regions?: readonly string[];
}

export interface GuardDutyPoller {
  /** Polls every region once, in parallel; one region failing never stops the others. */
  tick(options?: TickOptions): Promise<RegionResult[]>;
  /** Forgets cached detector ids (all regions, or one). */
  invalidateDetectors(region?: string): void;
}

export function cursorKey(region: string, detectorId: string): string {
  return `${region}/${detectorId}`;
}

interface SdkErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $retryable?: { throttling?: boolean };
}

/** The throttling error names the SDK itself treats as throttling (@smithy/core retry THROTTLING_ERROR_CODES), plus 429. */
export function isThrottlingError(error: unknown): boolean {
  const e = error as SdkErrorLike | undefined;
  if (!e || typeof e !== 'object') return false;
  return (
    e.name === 'ThrottlingException' ||
    e.name === 'TooManyRequestsException' ||
    e.name === 'Throttling' ||
    e.name === 'RequestLimitExceeded' ||
    e.$metadata?.httpStatusCode === 429 ||
    e.$retryable?.throttling === true
  );
}

/** GuardDuty answers a detector that no longer exists with 400 BadRequestException "...detectorId..." (or 404). */
function isDetectorGone(error: unknown): boolean {
  const e = error as SdkErrorLike | undefined;
  if (!e) return false;
  if (e.name === 'ResourceNotFoundException') return true;
  return e.name === 'BadRequestException' && /detector/i.test(e.message ?? '');
}

export function describeError(error: unknown): string {
  const e = error as SdkErrorLike | undefined;
  if (e && typeof e === 'object' && (e.name || e.message)) {
    const status = e.$metadata?.httpStatusCode;
    return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`.trim();
  }
  return String(error);
}

/** Sleeps `ms`, or less when `signal` aborts (resolving either way: stopping is not an error here). */
function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return abortableSleep(ms, signal).catch(() => undefined);
}

function updatedAtOf(finding: SdkFinding): number | undefined {
  if (typeof finding.UpdatedAt !== 'string') return undefined;
  const ms = Date.parse(finding.UpdatedAt);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * @example
 * const poller = createGuardDutyPoller({
 *   regions: ['us-east-1', 'eu-west-1'], overlapMs: 600_000, includeArchived: false, store,
 *   clientFor: (region) => createGuardDutyClient({ region }), logger,
 *   onFindings: async (findings) => { await pipeline.ingest([{ Findings: findings }]); },
 * });
 * const results = await poller.tick();
 */
export function createGuardDutyPoller(options: GuardDutyPollerOptions): GuardDutyPoller {
  const { store, logger, metrics } = options;
  const now = options.now ?? Date.now;
  const batchSize = Math.max(1, options.batchSize ?? 500);
  const cacheTicks = Math.max(1, options.detectorCacheTicks ?? 60);
  const backoff = options.throttleBackoff ?? { baseMs: 1_000, maxMs: 20_000, retries: 3 };
  const maxPages = options.maxPagesPerWalk ?? 20_000;
  const sleep = options.sleep ?? defaultSleep;
  const clients = new Map<string, GuardDutyClient>();
  const detectorCache = new Map<string, { ids: string[]; listedAtTick: number }>();
  let tickCount = 0;

  function clientOf(region: string): GuardDutyClient {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = options.clientFor(region)));
    return client;
  }

  /** One API call: the SDK retries (adaptive); if it still comes back throttled, we back off and try again. */
  async function call<T extends { $metadata?: { attempts?: number } }>(
    region: string,
    operation: ApiOperation,
    send: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const out = await send();
        metrics?.apiCall?.(region, operation, 'ok', out.$metadata?.attempts ?? 1);
        return out;
      } catch (error) {
        const attempts = (error as SdkErrorLike).$metadata?.attempts ?? 1;
        const throttled = isThrottlingError(error);
        metrics?.apiCall?.(region, operation, throttled ? 'throttled' : 'error', attempts);
        if (!throttled || attempt >= backoff.retries || options.signal?.aborted) throw error;
        // Full jitter (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/).
        const delayMs = backoffDelay(attempt, backoff);
        logger.warn('GuardDuty is throttling us, backing off', { region, operation, attempt: attempt + 1, delayMs });
        await sleep(delayMs, options.signal);
      }
    }
  }

  async function detectorsOf(region: string): Promise<string[]> {
    const cached = detectorCache.get(region);
    if (cached && tickCount - cached.listedAtTick < cacheTicks) return cached.ids;
    const client = clientOf(region);
    const ids: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 100; page += 1) {
      const out = await call(region, 'ListDetectors', () =>
        client.send(new ListDetectorsCommand({ MaxResults: GUARDDUTY_PAGE_SIZE, NextToken: token })),
      );
      ids.push(...(out.DetectorIds ?? []));
      token = out.NextToken || undefined;
      if (!token) break;
    }
    if (ids.length === 0) logger.warn('GuardDuty has no detector in this region (is it enabled?)', { region });
    detectorCache.set(region, { ids, listedAtTick: tickCount });
    return ids;
  }

  async function walkDetector(region: string, detectorId: string, tickOptions: TickOptions): Promise<DetectorResult> {
    const client = clientOf(region);
    const key = cursorKey(region, detectorId);
    const cursorBefore = await store.getCursor(key);
    const startedAt = now();
    const from = tickOptions.from ?? (cursorBefore ?? startedAt) - options.overlapMs;
    // The cursor the walk starts from; a first run (no cursor) starts at "now", so that a restart after a long stop
    // still re-reads from the first run on.
    const baseline = cursorBefore ?? from + options.overlapMs;
    const result: DetectorResult = { detectorId, ok: false, findings: 0, delivered: 0, pages: 0, cursorBefore, shiftDetected: false };

    // id → page where first listed, and the updatedAt read then.
    const firstSeen = new Map<string, { page: number; updatedAt: number | undefined }>();
    const relisted = new Set<string>();
    let maxUpdatedAt: number | undefined;
    let buffer = new Map<string, SdkFinding>();

    async function flush(): Promise<void> {
      if (buffer.size === 0) return;
      const batch = [...buffer.values()];
      buffer = new Map();
      await options.onFindings(batch, { region, detectorId });
      result.delivered += batch.length;
    }

    let token: string | undefined;
    let page = 0;
    for (; page < maxPages; page += 1) {
      const listed = await call(region, 'ListFindings', () =>
        client.send(
          new ListFindingsCommand({
            DetectorId: detectorId,
            FindingCriteria: { Criterion: { updatedAt: { GreaterThanOrEqual: from } } },
            SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'ASC' },
            MaxResults: GUARDDUTY_PAGE_SIZE,
            NextToken: token,
          }),
        ),
      );
      const ids = listed.FindingIds ?? [];
      for (const id of ids) {
        if (firstSeen.has(id)) relisted.add(id);
      }
      if (ids.length > 0) {
        // A page is at most 50 ids, GetFindings' limit too: one call per page.
        const got = await call(region, 'GetFindings', () => client.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids })));
        const findings = got.Findings ?? [];
        metrics?.findingsSeen?.(region, findings.length);
        result.findings += findings.length;
        const byId = new Map(findings.filter((f) => typeof f.Id === 'string').map((f) => [f.Id as string, f]));
        let archived = 0;
        for (const id of ids) {
          const finding = byId.get(id);
          const updatedAt = finding ? updatedAtOf(finding) : undefined;
          if (!firstSeen.has(id)) firstSeen.set(id, { page, updatedAt });
          if (!finding) continue;
          if (updatedAt !== undefined && (maxUpdatedAt === undefined || updatedAt > maxUpdatedAt)) maxUpdatedAt = updatedAt;
          if (!options.includeArchived && finding.Service?.Archived === true) {
            archived += 1;
            continue;
          }
          const previous = buffer.get(id);
          if (!previous || (updatedAtOf(previous) ?? 0) <= (updatedAt ?? 0)) buffer.set(id, finding);
        }
        if (archived > 0) metrics?.findingsDropped?.(region, 'archived', archived);
        if (buffer.size >= batchSize) await flush();
      }
      result.pages = page + 1;
      options.onPage?.({ region, detectorId, page, findings: result.findings, from, lastUpdatedAt: maxUpdatedAt });
      token = listed.NextToken || undefined;
      if (!token) break;
    }
    if (token) {
      logger.error('GuardDuty walk stopped at the page limit; the rest is read on the next tick', { region, detectorId, pages: maxPages });
    }
    await flush();

    // Everything read is committed: move the cursor.
    let cursor = maxUpdatedAt;
    if (relisted.size > 0) {
      result.shiftDetected = true;
      let firstShiftPage = Number.POSITIVE_INFINITY;
      for (const id of relisted) firstShiftPage = Math.min(firstShiftPage, firstSeen.get(id)?.page ?? 0);
      let held: number | undefined;
      for (const [id, seen] of firstSeen) {
        if (seen.page > firstShiftPage || relisted.has(id) || seen.updatedAt === undefined) continue;
        if (held === undefined || seen.updatedAt > held) held = seen.updatedAt;
      }
      cursor = held === undefined || cursor === undefined ? held : Math.min(cursor, held);
      logger.info('Findings changed while the pages were walked; the cursor is held back to re-read them', {
        region,
        detectorId,
        relisted: relisted.size,
      });
    }
    const next = Math.max(baseline, cursor ?? baseline);
    result.cursorAfter = next;
    if (tickOptions.updateCursors !== false && next !== cursorBefore) await store.setCursor(key, next);
    result.ok = true;
    return result;
  }

  async function pollRegion(region: string, tickOptions: TickOptions): Promise<RegionResult> {
    const started = now();
    const result: RegionResult = { region, ok: false, durationMs: 0, findings: 0, delivered: 0, detectors: [] };
    try {
      const detectorIds = await detectorsOf(region);
      // Detectors of one region one after the other: they share the region's API rate limit.
      for (const detectorId of detectorIds) {
        try {
          const walked = await walkDetector(region, detectorId, tickOptions);
          result.detectors.push(walked);
        } catch (error) {
          if (isDetectorGone(error)) detectorCache.delete(region);
          const message = describeError(error);
          logger.error('Polling a GuardDuty detector failed; the next tick tries again', { region, detectorId, error: message });
          result.detectors.push({ detectorId, ok: false, findings: 0, delivered: 0, pages: 0, shiftDetected: false, error: message });
        }
      }
      result.ok = result.detectors.every((d) => d.ok);
    } catch (error) {
      detectorCache.delete(region);
      result.error = describeError(error);
      logger.error('Polling a GuardDuty region failed; the next tick tries again', { region, error: result.error });
    }
    for (const d of result.detectors) {
      result.findings += d.findings;
      result.delivered += d.delivered;
    }
    const finished = now();
    result.durationMs = finished - started;
    metrics?.regionPolled?.(region, result.durationMs / 1000, result.ok, finished);
    return result;
  }

  return {
    async tick(tickOptions = {}) {
      tickCount += 1;
      const regions = tickOptions.regions ?? options.regions;
      // Regions in parallel: each has its own endpoint, rate limit and failure modes.
      return Promise.all(regions.map((region) => pollRegion(region, tickOptions)));
    },
    invalidateDetectors(region) {
      if (region === undefined) detectorCache.clear();
      else detectorCache.delete(region);
    },
  };
}
