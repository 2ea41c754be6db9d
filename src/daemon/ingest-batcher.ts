import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';

export interface IngestBatcher<T> {
  /** Hands findings over; resolves once the ingest that took them has committed (rejects when it failed). */
  add(findings: T[]): Promise<void>;
  /** Ingests what the group wait holds now instead of at the end of the window (shutdown). */
  flush(): void;
}

/**
 * Group wait: findings handed over within `windowMs` of the first become one ingest, so that a burst split across
 * regions, detectors or pages still becomes one digest. Ingests run one at a time: two ingests deciding on the same
 * finding concurrently could both read the ledger before either commits and send it twice.
 *
 * With `windowMs: 0` every `add` is an ingest of its own, still one at a time (backfill).
 *
 * @example
 * const batcher = createIngestBatcher({ windowMs: 2_000, maxBatch: 500, ingest: (findings) => ingestOnce(findings) });
 * const poller = createGuardDutyPoller({ ..., onFindings: (findings) => batcher.add(findings) });
 */
export function createIngestBatcher<T = SdkFinding>(options: {
  windowMs: number;
  maxBatch: number;
  ingest(findings: T[]): Promise<void>;
}): IngestBatcher<T> {
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
