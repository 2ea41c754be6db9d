import type { Logger } from '../core/logger.js';
import type { Pipeline } from '../pipeline/pipeline-types.js';
import type { Store } from '../state/store.js';
import type { DaemonMetrics } from './metrics.js';
import type { Escalator } from '../pipeline/escalate.js';

/** One drain pass at most this long, so that shutdown never waits on a long pass. */
const DRAIN_SLICE_MS = 5_000;
/** The depth gauge counts pending and failed rows up to this (then it shows this). */
const OUTBOX_DEPTH_LIMIT = 10_000;
/** With nothing new, look at the outbox this often for retries that became due. */
const DRAIN_IDLE_MS = 2_000;

export interface DrainLoop {
  /** Something was queued: drain now instead of at the end of the idle wait. */
  kick(): void;
  /** Ends the loop after its current pass, then drains once more until `deadlineMs` (the shutdown's bounded drain). */
  stop(deadlineMs: number): Promise<void>;
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

/**
 * Delivery beside polling: a slow Slack never delays the next poll, and retries come due on their own. Each pass
 * drains for a bounded slice, counts what it did and refreshes the outbox gauge; a failed pass is logged and tried
 * again at the next wake-up.
 *
 * @example
 * const drain = startDrainLoop({ pipeline, store, metrics, logger, now: Date.now });
 * drain.kick();                          // after an ingest queued messages
 * await drain.stop(Date.now() + 10_000); // on SIGTERM
 */
export function startDrainLoop(options: {
  pipeline: Pipeline;
  store: Store;
  metrics: DaemonMetrics;
  logger: Logger;
  now: () => number;
  /** Due escalations, committed to the outbox before each pass (so an escalation leaves within one pass of its deadline). */
  escalator?: Escalator;
}): DrainLoop {
  const { pipeline, store, metrics, logger, now, escalator } = options;
  const kicker = createKicker();
  let stopping = false;
  async function drainOnce(deadlineMs: number): Promise<void> {
    if (escalator !== undefined) {
      try {
        await escalator.run(now());
      } catch (error) {
        logger.error('Checking escalations failed; they are checked again shortly', { error: String(error) });
      }
    }
    try {
      const summary = await pipeline.drain({ deadlineMs });
      metrics.recordDrain(summary);
      if (summary.sent + summary.failed > 0) logger.info('Delivered', { sent: summary.sent, failed: summary.failed, retried: summary.retried });
    } catch (error) {
      logger.error('Draining the outbox failed; it is tried again shortly', { error: String(error) });
    }
    try {
      // Bounded whatever the store keeps (a DynamoDB table's sent rows are never read here).
      metrics.setOutbox(await store.outboxDepth(OUTBOX_DEPTH_LIMIT));
    } catch {
      // the gauge stays as it was
    }
  }
  const loop = (async () => {
    while (!stopping) {
      await drainOnce(now() + DRAIN_SLICE_MS);
      if (!stopping) await kicker.wait(DRAIN_IDLE_MS);
    }
  })();
  return {
    kick: () => kicker.kick(),
    async stop(deadlineMs) {
      stopping = true;
      kicker.kick();
      await loop;
      await drainOnce(deadlineMs);
    },
  };
}
