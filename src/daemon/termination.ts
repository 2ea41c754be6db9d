import type { Logger } from '../core/logger.js';

/**
 * SIGTERM and SIGINT abort the returned signal (the daemon then finishes its tick and drains); a second signal exits
 * at once with status 130. `dispose()` removes the handlers.
 *
 * @example
 * const termination = abortOnTermination(logger);
 * try { await runDaemon({ config, logger, signal: termination.signal }); } finally { termination.dispose(); }
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

/**
 * Runs `body` with a signal that SIGTERM/SIGINT abort (see {@link abortOnTermination}), removing the handlers after.
 *
 * @example
 * await whileNotTerminated(logger, (signal) => runDaemon({ config, logger, signal }));
 */
export async function whileNotTerminated<T>(logger: Logger, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const termination = abortOnTermination(logger);
  try {
    return await body(termination.signal);
  } finally {
    termination.dispose();
  }
}
