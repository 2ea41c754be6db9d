import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { safeForTerminal } from '../core/terminal-text.js';
import type { Store } from '../state/store.js';

export interface DeliverQueuedOptions {
  config: Config;
  /** The command's store: left open (the caller closes it). */
  store: Store;
  logger: Logger;
  /** The command, for the daemon lock and the messages (`block`). */
  command: string;
  /** How long to keep delivering; what is left stays in the outbox. */
  timeoutMs: number;
  /** A line for stdout (`Announced in …`). */
  print(line: string): void;
  /** A line for stderr (why something is not delivered now). */
  warn(line: string): void;
  now?: () => number;
}

/**
 * Sends the outbox's pending rows through the configured sinks (the runtime's drainer: rate limits, retries, threads),
 * so "Blocked … by alice" reaches the channel before the command returns. A daemon holding the SQLite state file is
 * the one sender of that outbox (the lock of ./state-lock.ts): then the rows are left to it. Loaded only when something is pending. False when a
 * message could not be delivered (it stays in the outbox) or the sinks could not be built.
 *
 * @example
 * const ok = await deliverQueued({ config, store, logger, command: 'block', timeoutMs: 60_000, print, warn });
 */
export async function deliverQueued(options: DeliverQueuedOptions): Promise<boolean> {
  const { config, store, logger, command, print, warn, now = Date.now } = options;
  if ((await store.outboxDepth(1)).pending === 0) return true;
  let lock: { release(): void } | undefined;
  if ('sqlite' in config.state) {
    const [{ acquireDaemonLock }, { DaemonLockError }] = await Promise.all([import('./state-lock.js'), import('./errors.js')]);
    try {
      lock = acquireDaemonLock({ statePath: config.state.sqlite, command });
    } catch (error) {
      if (!(error instanceof DaemonLockError)) throw error;
      warn(`${command}: announcement queued; the daemon running on this state file sends it.`);
      return true;
    }
  }
  try {
    const { createRuntime } = await import('../pipeline/runtime.js');
    let runtime: Awaited<ReturnType<typeof createRuntime>>;
    try {
      runtime = await createRuntime(config, { store, logger });
    } catch (error) {
      // A destination's secret cannot be read here (the block itself is done): say so, keep the message queued.
      warn(`${command}: announcement queued, not sent now: ${safeForTerminal((error as Error).message ?? String(error))}`);
      return false;
    }
    try {
      const drained = await runtime.pipeline.drain({ deadlineMs: now() + options.timeoutMs });
      const sentTo = Object.entries(drained.byDestination).filter(([, c]) => c.sent > 0).map(([d]) => d);
      if (sentTo.length > 0) print(`Announced in ${sentTo.join(', ')}.`);
      if (drained.retried > 0) warn(`${command}: ${drained.retried} message(s) not delivered yet; they stay in the outbox for the next drain.`);
      if (drained.failed > 0) {
        warn(`${command}: ${drained.failed} message(s) could not be delivered (see \`status\`).`);
        return false;
      }
      return true;
    } finally {
      await runtime.close(); // the store is the caller's
    }
  } finally {
    lock?.release();
  }
}
