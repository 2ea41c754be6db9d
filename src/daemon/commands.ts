import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { formatBackfillSummary, runBackfill } from './backfill.js';
import { runDaemon } from './run-daemon.js';
import { whileNotTerminated } from './termination.js';

/**
 * The bodies of the `run` and `backfill` commands (their flags live in the CLI's wiring): the process's signals
 * become an abort, the work runs, and the result is an exit status, 0 or 1. What cannot start throws (a held lock,
 * a secret that cannot be read); the CLI words that.
 */

export interface RunCommandOptions {
  config: Config;
  logger: Logger;
  /** `--listen` / `--no-listen` (false); undefined: `poll.listen`. */
  listen?: string | false;
  /** `--once`: one tick, deliver, exit. */
  once?: boolean;
  drainTimeoutMs: number;
}

/**
 * @example
 * process.exitCode = await runCommand({ config, logger, drainTimeoutMs: 10_000 });
 */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const { config, logger } = options;
  const result = await whileNotTerminated(logger, (signal) =>
    runDaemon({ config, logger, signal, listen: options.listen, maxTicks: options.once ? 1 : undefined, shutdownDrainMs: options.drainTimeoutMs }),
  );
  return result.exitCode;
}

export interface BackfillCommandOptions {
  config: Config;
  logger: Logger;
  sinceMs: number;
  dryRun?: boolean;
  /** `--respond`: plan and write blocks like `run` (default: none for old findings). */
  respond?: boolean;
  regions?: string[];
  drainTimeoutMs: number;
  /** Print the summary as JSON. */
  json?: boolean;
  /** Where the summary goes (default stdout). */
  stdout?: NodeJS.WritableStream;
}

/**
 * Walks the past, prints the summary, and says 1 when a region failed or a message could not be delivered.
 *
 * @example
 * process.exitCode = await backfillCommand({ config, logger, sinceMs: 7 * 86_400_000, drainTimeoutMs: 300_000 });
 */
export async function backfillCommand(options: BackfillCommandOptions): Promise<number> {
  const { config, logger } = options;
  const summary = await whileNotTerminated(logger, (signal) =>
    runBackfill({ config, logger, signal, sinceMs: options.sinceMs, dryRun: options.dryRun, respond: options.respond, regions: options.regions, drainTimeoutMs: options.drainTimeoutMs }),
  );
  (options.stdout ?? process.stdout).write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatBackfillSummary(summary));
  return summary.regions.some((r) => !r.ok) || (summary.delivery?.failed ?? 0) > 0 ? 1 : 0;
}
