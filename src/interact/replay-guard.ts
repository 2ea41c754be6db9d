/**
 * Refuses a signed Slack request seen before. A signature covers the timestamp and the whole body, so the same
 * signature inside the accepted window is the same request sent again (a replay); outside the window the timestamp
 * check refuses it anyway, which is why an entry can be forgotten once its window is over.
 *
 * One process (the daemon, one warm Lambda container) can hold the seen signatures in memory. Several Lambda
 * containers answer one Function URL, so there the guard must be shared: pipeline/interact-ports.ts backs it with the
 * store (`createStoreReplayGuard`: a conditional put of the signature with a TTL at `expiresAt`), which is why `claim`
 * is asynchronous. The daemon uses the store's guard too, so a restart within the window does not reopen a request.
 */
export type ReplayClaim = 'fresh' | 'replayed' | 'unavailable';

export interface ReplayGuard {
  /**
   * Records `key` until `expiresAt` (epoch ms): `fresh` the first time inside its window (go on), `replayed` when it
   * was already claimed, `unavailable` when the guard cannot record it (full; the store failing), and then
   * refusing is the safe answer: accepting unrecorded would let the same request through twice.
   */
  claim(key: string, expiresAt: number, now: number): Promise<ReplayClaim>;
}

/** Entries held at most. Only requests with a valid signature reach the guard, so filling it takes genuine clicks. */
export const DEFAULT_REPLAY_CAPACITY = 10_000;

/**
 * An in-memory guard with a bounded size. Expired entries are dropped as new ones arrive (a Map keeps insertion order,
 * and entries arrive in roughly increasing expiry, so the oldest sit at the front). When every one of `capacity` entries
 * is still inside its window, a new request is refused rather than letting an old one be forgotten early — forgetting
 * would reopen that request to a replay. At the default capacity that takes 10,000 genuine clicks within 5 minutes.
 *
 * @example
 * const guard = createMemoryReplayGuard();
 * await guard.claim(signature, timestampMs + 300_000, Date.now()); // 'fresh', then 'replayed' for the same signature
 */
export function createMemoryReplayGuard(options: { capacity?: number } = {}): ReplayGuard & { readonly size: number } {
  const capacity = options.capacity ?? DEFAULT_REPLAY_CAPACITY;
  const seen = new Map<string, number>();

  function dropExpired(now: number): void {
    // Oldest first; stop at the first live entry, but look a little further since expiries are only roughly ordered.
    let live = 0;
    for (const [key, expiresAt] of seen) {
      if (expiresAt <= now) seen.delete(key);
      else if (++live > 16) break;
    }
  }

  return {
    get size() {
      return seen.size;
    },
    async claim(key, expiresAt, now) {
      const previous = seen.get(key);
      if (previous !== undefined && previous > now) return 'replayed';
      dropExpired(now);
      if (seen.size >= capacity) {
        // A full sweep before refusing: the cheap one above may have stopped early.
        for (const [k, at] of seen) if (at <= now) seen.delete(k);
        if (seen.size >= capacity) return 'unavailable';
      }
      seen.delete(key);
      seen.set(key, expiresAt);
      return 'fresh';
    },
  };
}
