import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';

export interface IngestBatcher<T> {
  /**
   * Hands over findings of `region`. Resolves once they are committed (rejects when their ingest failed), or, while a
   * burst is held, once the held group took them: the caller's cursor is then kept back (see `cursors`) until it commits.
   */
  add(findings: T[], region?: string): Promise<void>;
  /** A poll tick begins over these regions: what they hand over until each has handed over or finished is one ingest. */
  beginTick(regions: readonly string[]): void;
  /** `region` has finished its part of the tick (with or without findings). */
  regionDone(region: string): void;
  /** The tick is over: anything still gathered for it is ingested. */
  endTick(): void;
  /** When the held burst's window ends (epoch ms, the batcher's clock), if one is held. */
  heldUntil(): number | undefined;
  /** Ingests the held burst if its window has ended by `at`; resolves once that ingest is done. */
  flushDue(at: number): Promise<void>;
  /** Ingests everything gathered or held now (shutdown); resolves once every ingest so far is done. */
  flush(): Promise<void>;
  /**
   * The cursors of findings the held burst took, kept back until it commits: the poller writes through this so its
   * next tick continues from where it read (no re-walk) while the stored cursor still covers only committed findings.
   */
  readonly cursors: DeferredCursors;
}

/** The poller's cursor store as the batcher lets it see it (CursorStore of src/state/store.ts). */
export interface DeferredCursors {
  getCursor(key: string): Promise<number | undefined>;
  setCursor(key: string, value: number): Promise<void>;
}

export interface IngestBatcherOptions<T> {
  /** The group wait (`digest.window`): how long a burst is held for more of it to arrive. 0: no grouping at all (backfill). */
  windowMs: number;
  /** A burst is more than this many findings within the window (`digest.threshold`). */
  burstThreshold: number;
  /** Findings per ingest at most; a full group is ingested at once. */
  maxBatch: number;
  ingest(findings: T[]): Promise<void>;
  /** Where cursors are kept; `cursors` writes through to it, or keeps values back while a burst is held. */
  cursorStore: DeferredCursors;
  now?: () => number;
  /** Called after a held burst's ingest failed: its findings are read again from the stored cursors. */
  onHeldIngestFailed?(error: unknown): void;
  /**
   * What makes a finding news (GuardDuty: id and updatedAt). Every tick re-reads the overlap window, so a burst counts
   * only findings not handed over before; without it, every finding counts.
   */
  identify?(finding: T): string;
}

/** Findings remembered as already handed over (for telling a burst from re-reads); the oldest are forgotten past this. */
const REMEMBERED_FINDINGS = 50_000;

/** Appends without spreading into `push` (a page of 200,000 findings would overflow the call stack). */
function append<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Group<T> {
  findings: T[];
  waiters: Waiter[];
  /** When its first findings were handed over. */
  startedAt: number;
  /** Held groups: cursors of the findings it holds (with the epoch they were read in), written once it is committed. */
  cursors: Map<string, { value: number; epoch: number }>;
  held: boolean;
}

/**
 * The daemon's group wait. Two rules:
 *
 * 1. **One tick, one ingest.** Within a poll tick, what the regions (and their detectors) hand over is gathered until
 *    every region of the tick has handed over or finished, then ingested together: a burst split across regions is one
 *    digest, and a lone finding is decided the moment its tick has read it. (A region that is slow, e.g. throttled,
 *    holds the others back for at most `windowMs`.)
 * 2. **Hold only a burst.** When a tick's new findings (`identify`: re-reads of the overlap are not news), with those
 *    of the last `windowMs`, are more than `burstThreshold`,
 *    a burst is under way: the group is held until `windowMs` after it began (or `maxBatch`), taking in what the next
 *    ticks read, so that the burst becomes one digest instead of one per tick. Otherwise nothing waits.
 *
 * A held group's callers are released at once (the poller must go on to the next tick), so the poller's cursors must
 * not move past findings that are not committed: the poller reads and writes cursors through `cursors`, which keeps
 * the values of a held group back and writes them after its commit (on failure, drops them: the next tick re-reads).
 * Ingests run one at a time: two ingests deciding on the same finding concurrently could both read the ledger before
 * either commits and send it twice.
 *
 * @example
 * const batcher = createIngestBatcher({ windowMs: 10_000, burstThreshold: 5, maxBatch: 500, cursorStore: store, ingest });
 * const poller = createGuardDutyPoller({ ..., store: batcher.cursors, onFindings: (f, { region }) => batcher.add(f, region) });
 */
export function createIngestBatcher<T = SdkFinding>(options: IngestBatcherOptions<T>): IngestBatcher<T> {
  const now = options.now ?? Date.now;
  const { windowMs, maxBatch, cursorStore } = options;
  let chain: Promise<void> = Promise.resolve();
  /** Findings handed over recently (time, count): is a burst under way? */
  let recent: Array<{ at: number; count: number }> = [];

  // --- The tick being gathered.
  let tick: { regions: Set<string>; parked: Set<string>; done: Set<string>; group?: Group<T>; timer?: NodeJS.Timeout } | undefined;
  // --- The held burst, and held groups flushed but not yet committed (oldest first).
  let held: Group<T> | undefined;
  const uncommitted: Array<Group<T>> = [];
  /**
   * Bumped when a held group's ingest fails: a cursor read before that may build on findings that are now not
   * committed, so no cursor read in an older epoch is written (the next tick re-reads from the stored cursor).
   */
  let epoch = 0;
  const readInEpoch = new Map<string, number>();

  function newGroup(isHeld = false): Group<T> {
    return { findings: [], waiters: [], startedAt: now(), cursors: new Map(), held: isHeld };
  }

  /** The held groups whose findings are not committed yet, newest first. */
  function heldGroups(): Array<Group<T>> {
    return [...(held ? [held] : []), ...uncommitted.slice().reverse()];
  }

  /** Keys of findings handed over before, oldest first (Map order), bounded. */
  const seen = new Map<string, true>();
  function newsIn(findings: readonly T[]): number {
    if (!options.identify) return findings.length;
    let news = 0;
    for (const finding of findings) {
      const key = options.identify(finding);
      if (seen.has(key)) continue;
      news += 1;
      seen.set(key, true);
    }
    for (const oldest of seen.keys()) {
      if (seen.size <= REMEMBERED_FINDINGS) break;
      seen.delete(oldest);
    }
    return news;
  }

  function recentCount(at: number): number {
    recent = recent.filter((r) => r.at > at - windowMs);
    return recent.reduce((n, r) => n + r.count, 0);
  }

  /** Queues an ingest of `group`: its waiters (none for a held group) learn the outcome; a held group's cursors follow it. */
  function ingest(group: Group<T>): Promise<void> {
    if (group.held) uncommitted.push(group);
    const run = chain.then(async () => {
      try {
        await options.ingest(group.findings);
        if (group.held) uncommitted.splice(uncommitted.indexOf(group), 1);
        for (const [key, c] of group.cursors) if (c.epoch === epoch) await cursorStore.setCursor(key, c.value);
        for (const w of group.waiters) w.resolve();
      } catch (error) {
        if (group.held) {
          uncommitted.splice(uncommitted.indexOf(group), 1);
          // Not committed: its cursors, and every cursor read since they were kept back, are dropped.
          epoch += 1;
          options.onHeldIngestFailed?.(error);
        }
        for (const w of group.waiters) w.reject(error);
      }
    });
    chain = run;
    return run;
  }

  function flushHeld(): Promise<void> {
    const group = held;
    held = undefined;
    if (!group || group.findings.length === 0) return chain;
    return ingest(group);
  }

  /** The tick's group is complete (or the wait for slow regions ran out): ingest it, or hold it as part of a burst. */
  function tickGroupReady(): void {
    if (!tick?.group) return;
    if (tick.timer) clearTimeout(tick.timer);
    tick.timer = undefined;
    const group = tick.group;
    tick.group = undefined;
    tick.parked.clear();
    const at = now();
    const news = newsIn(group.findings);
    const burst = held !== undefined || recentCount(at) + news > options.burstThreshold;
    recent.push({ at, count: news });
    if (!burst || windowMs <= 0) {
      void ingest(group);
      return;
    }
    // Part of a burst: into the held group; its callers go on (their cursors are kept back, see `cursors`).
    if (held === undefined) held = { ...newGroup(true), startedAt: group.startedAt };
    append(held.findings, group.findings);
    for (const w of group.waiters) w.resolve();
    if (held.findings.length >= maxBatch) void flushHeld();
  }

  function checkTickReady(): void {
    if (!tick?.group) return;
    for (const region of tick.regions) {
      if (!tick.parked.has(region) && !tick.done.has(region)) return;
    }
    tickGroupReady();
  }

  const cursors: DeferredCursors = {
    async getCursor(key) {
      readInEpoch.set(key, epoch);
      for (const group of heldGroups()) {
        const kept = group.cursors.get(key);
        if (kept !== undefined) return kept.value;
      }
      return cursorStore.getCursor(key);
    },
    async setCursor(key, value) {
      const readIn = readInEpoch.get(key) ?? epoch;
      // Read before a held ingest failed: it may skip findings that are not committed. The next tick re-reads.
      if (readIn !== epoch) return;
      // While findings of a burst are uncommitted, the newest held group keeps the cursor (the poller sets a cursor
      // right after its findings were taken, which is that group or one before it: keeping it longer is safe).
      const owner = heldGroups()[0];
      if (owner) {
        owner.cursors.set(key, { value, epoch: readIn });
        return;
      }
      await cursorStore.setCursor(key, value);
    },
  };

  return {
    cursors,

    add(findings, region) {
      // Backfill (no window): every hand-over is an ingest of its own, still one at a time.
      if (windowMs <= 0 || tick === undefined || region === undefined) {
        const group = { ...newGroup(), findings: findings.slice() };
        const done = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
        void ingest(group);
        return done;
      }
      const current = tick;
      current.group ??= newGroup();
      const group = current.group;
      append(group.findings, findings);
      const done = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
      current.parked.add(region);
      // A region that stays slow (throttled) holds the others back for at most the window.
      current.timer ??= setTimeout(() => tick === current && tickGroupReady(), windowMs);
      if (group.findings.length >= maxBatch) tickGroupReady();
      else checkTickReady();
      return done;
    },

    beginTick(regions) {
      tick = { regions: new Set(regions), parked: new Set(), done: new Set() };
    },

    regionDone(region) {
      if (!tick) return;
      tick.done.add(region);
      tick.parked.delete(region);
      checkTickReady();
    },

    endTick() {
      tickGroupReady();
      tick = undefined;
    },

    heldUntil() {
      return held === undefined ? undefined : held.startedAt + windowMs;
    },

    async flushDue(at) {
      if (held !== undefined && at >= held.startedAt + windowMs) await flushHeld();
    },

    async flush() {
      tickGroupReady();
      await flushHeld();
      await chain;
    },
  };
}
