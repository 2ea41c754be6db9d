/**
 * What `/healthz` says: a region is stale when its last successful poll is older than a few intervals, and the daemon
 * is healthy while no region is stale.
 */

/** A region is stale when its last successful poll is older than this many intervals. */
export const STALE_AFTER_INTERVALS = 3;

export interface RegionHealth {
  region: string;
  /** Epoch ms of the last poll in which every detector of the region succeeded. */
  lastSuccessAt?: number;
  lastError?: string;
  stale: boolean;
}

export interface HealthReport {
  ok: boolean;
  /** Milliseconds without a successful poll after which a region is stale. */
  staleAfterMs: number;
  regions: RegionHealth[];
  stale: string[];
}

export interface HealthTracker {
  recordSuccess(region: string, at: number): void;
  recordFailure(region: string, error: string): void;
  report(): HealthReport;
}

/**
 * Until a region's first success, the daemon's start counts as its last success: a fresh daemon is healthy for three
 * intervals, then unhealthy if the region never answered.
 *
 * @example
 * const health = createHealthTracker({ regions: ['us-east-1'], intervalMs: 60_000 });
 * health.recordSuccess('us-east-1', Date.now());
 * health.report().ok; // true
 */
export function createHealthTracker(options: { regions: readonly string[]; intervalMs: number; now?: () => number; startedAt?: number }): HealthTracker {
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? now();
  const staleAfterMs = STALE_AFTER_INTERVALS * options.intervalMs;
  const state = new Map<string, { lastSuccessAt?: number; lastError?: string }>(options.regions.map((r) => [r, {}]));
  return {
    recordSuccess(region, at) {
      state.set(region, { lastSuccessAt: at });
    },
    recordFailure(region, error) {
      const current = state.get(region) ?? {};
      state.set(region, { ...current, lastError: error });
    },
    report() {
      const at = now();
      const regions = [...state].map(([region, s]) => ({
        region,
        ...(s.lastSuccessAt !== undefined ? { lastSuccessAt: s.lastSuccessAt } : {}),
        ...(s.lastError !== undefined ? { lastError: s.lastError } : {}),
        stale: at - (s.lastSuccessAt ?? startedAt) > staleAfterMs,
      }));
      const stale = regions.filter((r) => r.stale).map((r) => r.region);
      return { ok: stale.length === 0, staleAfterMs, regions, stale };
    },
  };
}
