import { CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, SecretError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { createConsoleLogger, logLevelFromEnv } from '../core/console-logger.js';
import { parseDuration } from '../core/duration.js';
import { DaemonLockError } from '../daemon/errors.js';

/**
 * What every command of the CLI shares: argument parsers, loading the config, the logger, and the one way a command
 * ends with a status. Exit status: 0 all good, 1 some input, region or delivery failed / the lock is held / a runtime
 * error, 2 usage or configuration error.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * A command's end with an exit status, after it printed why. A CommanderError (code `commander.guarddutyNotifierExit`),
 * so that commander's `exitOverride()` passes it through like its own exits; `main()` turns it into the status.
 */
export class CliExit extends CommanderError {
  constructor(exitCode: number, message = `exit ${exitCode}`) {
    super(exitCode, 'commander.guarddutyNotifierExit', message);
  }
}

/** Prints `message` on stderr and ends the command with `exitCode`. */
export function exitWith(message: string, exitCode: number): never {
  process.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  throw new CliExit(exitCode, message);
}

/** Commander argument parser for durations (`90s`, `10m`, `12h`, `7d`) → milliseconds. */
export function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration like 90s, 10m, 12h or 7d');
  return ms;
}

/**
 * Loads and validates the config; an invalid one prints every problem with its path and exits 2. The loader (zod and
 * yaml, ~90 ms to import) is loaded here, on first use: `render` without `-c` and `--help` never pay for it.
 */
export async function loadConfigOrExit(path: string): Promise<Config> {
  try {
    const { loadConfigFile } = await import('../config/load.js');
    return await loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message, EXIT.usage);
    throw error;
  }
}

/**
 * Turns what can stop a command from starting into a clear line and a status: a held lock 1, a config or secret
 * problem 2, anything else 1. A `CliExit` passes through.
 */
export function exitOnStartError(error: unknown): never {
  if (error instanceof CliExit) throw error;
  if (error instanceof DaemonLockError) exitWith(error.message, EXIT.failed);
  if (error instanceof ConfigError || error instanceof SecretError) exitWith(error.message, EXIT.usage);
  exitWith(`guardduty-notifier: ${(error as Error).message ?? String(error)}`, EXIT.failed);
}

/** Runs a command body that returns an exit status; a non-zero one ends the command with it. */
export async function exitWithStatus(body: () => Promise<number>): Promise<void> {
  let status: number;
  try {
    status = await body();
  } catch (error) {
    exitOnStartError(error);
  }
  if (status !== EXIT.ok) throw new CliExit(status);
}

/** The stderr logger of long-running commands: level from the environment, `--log-format text|json`. */
export function cliLogger(opts: { logFormat?: 'text' | 'json' } = {}) {
  return createConsoleLogger({ level: logLevelFromEnv(process.env), json: opts.logFormat === 'json' });
}
