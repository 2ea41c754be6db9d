import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../pipeline/runtime.js';
import { clientFactory, type GuardDutyClientFactory, type GuardDutyClientOverrides } from './guardduty-clients.js';
import type { PollerTuning } from './poll-ingest.js';
import { lockStateFile } from './state-lock.js';

/** What `run` and `backfill` hold while they poll. */
export interface PollingSession {
  runtime: Runtime;
  clientFor(region: string): GuardDutyClient;
}

/** What `run` and `backfill` take alike: the config, the seams, and the resources to use instead of their own. */
export interface PollingCommandOptions {
  config: Config;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Abort to stop (SIGTERM / Ctrl-C): what was committed stays committed. */
  signal?: AbortSignal;
  /** A runtime to use (tests); otherwise one is created from `config` and closed at the end. */
  runtime?: Runtime;
  /** Passed to `createRuntime` when the command creates the runtime (e.g. sink overrides). */
  runtimeOptions?: Omit<RuntimeOptions, 'logger' | 'env' | 'now'>;
  /** GuardDuty client per region; default: `createGuardDutyClient` with `poll.assumeRole` / `poll.regionRoles`. */
  clientFor?: (region: string) => GuardDutyClient;
  /** Extra options for the default clients (tests: dummy credentials, a fast retry strategy). */
  clientOptions?: GuardDutyClientOverrides;
  /** Poller tuning (tests: a fast throttling backoff). */
  pollerOptions?: PollerTuning;
  /** Take the state-file lock (default true; only SQLite state has a file to lock). */
  lock?: boolean;
}

export type PollingSessionOptions = Omit<PollingCommandOptions, 'env' | 'now' | 'lock'> & {
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** Take the state-file lock for this command (`run`, `backfill`); false takes none (a dry run, `lock: false`). */
  lockAs: string | false;
};

/**
 * Takes the state-file lock, opens the runtime and the GuardDuty clients, runs `body`, and releases all of it in
 * reverse order however `body` ends: one daemon or backfill per state file, and nothing left open.
 *
 * @example
 * const summary = await withPollingSession({ config, logger, env, now, lockAs: 'backfill' }, async ({ runtime, clientFor }) => walk());
 */
export async function withPollingSession<T>(options: PollingSessionOptions, body: (session: PollingSession) => Promise<T>): Promise<T> {
  const { config, logger, env, now } = options;
  const lock = options.lockAs === false ? undefined : lockStateFile(config, options.lockAs, now);
  let runtime: Runtime | undefined;
  let ownClients: GuardDutyClientFactory | undefined;
  const clientFor = options.clientFor ?? (ownClients = clientFactory(config, { env, now, clientOptions: options.clientOptions }));
  try {
    runtime = options.runtime ?? (await createRuntime(config, { ...options.runtimeOptions, logger, env, now }));
    return await body({ runtime, clientFor });
  } finally {
    ownClients?.destroyAll();
    if (!options.runtime) await runtime?.close().catch((error: unknown) => logger.error('Closing the store failed', { error: String(error) }));
    lock?.release();
  }
}
