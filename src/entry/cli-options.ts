import { userInfo } from 'node:os';
import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
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

/** The stderr logger of the commands that log: level from the environment (LOG_LEVEL), `--log-format text|json`. */
export function cliLogger(opts: { logFormat?: 'text' | 'json' } = {}) {
  return createConsoleLogger({ level: logLevelFromEnv(process.env), json: opts.logFormat === 'json' });
}

/** `-n, --limit`: one default for every command that lists (status, audit), so `-n` means the same everywhere. */
export const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 100_000;

/** Commander argument parser for `-n, --limit <n>`: a whole number from 1 to 100,000. */
export function limitArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_LIMIT) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_LIST_LIMIT}`);
  return n;
}

/** `--log-format text|json`, on every command that logs (stderr; json for journald and log shippers). */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'log lines on stderr: text, or json for journald/log shippers').choices(['text', 'json']).default('text');
}

/**
 * Who runs the command, for `--by`'s default: the login name ($USER, else $LOGNAME, else the account's name), or `cli`
 * when none can be read (a container without a passwd entry).
 */
export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = (env.USER ?? '').trim() || (env.LOGNAME ?? '').trim();
  if (fromEnv) return fromEnv;
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}

/** `--by`'s help, saying its real default. */
export const BY_HELP_DEFAULT = 'default: your login name ($USER), else "cli"';

/**
 * Commander's help does not say which options are mandatory: every `requiredOption` gets "(required)" in its
 * description, on every command, so `--help` shows what a command cannot run without.
 */
export function markRequiredOptions(command: Command): void {
  for (const option of command.options as Option[]) {
    if (option.mandatory && !option.description.endsWith('(required)')) option.description = `${option.description} (required)`;
  }
  for (const sub of command.commands) markRequiredOptions(sub);
}
