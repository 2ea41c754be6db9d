import type { Config, DestinationConfig } from '../config/schema.js';
import { createSecretResolver, type SecretResolver } from '../config/secrets.js';
import { createUnsentSink } from '../deliver/unsent.js';
import { createSink } from '../deliver/create-sink.js';
import type { Sink } from '../deliver/sink.js';
import { createAccountNameResolver } from '../enrich/account-names.js';
import type { Store } from '../state/store.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { openStore } from './open-store.js';
import { createPipeline } from './pipeline.js';
import type { Pipeline } from './pipeline-types.js';
import type { BlockTarget } from '../respond/targets/target.js';
import { createResponder, type Responder } from './responder.js';
import { createEscalator, type Escalator } from './escalate.js';

/** Everything a running notifier holds: config, state, sinks and the pipeline over them. */
export interface Runtime {
  config: Config;
  store: Store;
  sinks: Map<string, Sink>;
  pipeline: Pipeline;
  logger: Logger;
  /** respond/ when the config has `respond:`: prune and converge on a schedule, `block` commands. */
  responder?: Responder;
  /** Carries out due escalations (routes with `escalate:`): the daemon every drain pass, the Lambda on its schedule. */
  escalator: Escalator;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Sinks to use instead of building them from config (the demo's inbox, tests). Missing names are built. */
  sinks?: Map<string, Sink>;
  /** A store to use instead of opening the one the config names. Not closed by `close()`. */
  store?: Store;
  /** How to open the configured store (the Lambda passes a DynamoDB-only opener to keep SQLite out of its bundle). */
  openStore?: (config: Config) => Promise<Store>;
  secrets?: SecretResolver;
  /**
   * A run that sends nothing (`replay --dry-run`): each destination gets a sink that refuses to send, and no secret is
   * resolved, so a dry run works without the webhook URL or token set.
   */
  sendNothing?: boolean;
  /** respond targets to use instead of building them from `respond.targets` (tests: SDK clients on the stand-ins). */
  respondTargets?: ReadonlyMap<string, BlockTarget>;
}

function secretOf(dest: DestinationConfig): { ref: Parameters<SecretResolver['resolve']>[0]; where: string } | undefined {
  if (dest.type === 'slack-webhook' || dest.type === 'teams-workflow') return { ref: dest.url, where: 'url' };
  if (dest.type === 'slack-api') return { ref: dest.token, where: 'token' };
  if (dest.type === 'pagerduty') return { ref: dest.routingKey, where: 'routingKey' };
  return undefined;
}

/** Builds one sink per destination, resolving secrets (env / Secrets Manager) once. Errors name the config key. */
export async function createSinks(
  config: Config,
  options: { secrets: SecretResolver; overrides?: Map<string, Sink>; sendNothing?: boolean },
): Promise<Map<string, Sink>> {
  const sinks = new Map<string, Sink>();
  for (const [i, dest] of config.destinations.entries()) {
    const override = options.overrides?.get(dest.name);
    if (override) {
      sinks.set(dest.name, override);
      continue;
    }
    if (options.sendNothing) {
      sinks.set(dest.name, createUnsentSink(dest));
      continue;
    }
    const secret = secretOf(dest);
    const value = secret ? await options.secrets.resolve(secret.ref, `destinations[${i}].${secret.where}`) : undefined;
    sinks.set(dest.name, createSink({ config: dest, secret: value }));
  }
  return sinks;
}

/**
 * @example
 * const runtime = await createRuntime(await loadConfigFile('notifier.yaml'), { logger });
 * await runtime.pipeline.ingest(documents);
 * await runtime.pipeline.drain();
 * await runtime.close();
 */
export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const secrets = options.secrets ?? createSecretResolver({ env });
  const sinks = await createSinks(config, { secrets, overrides: options.sinks, sendNothing: options.sendNothing === true });
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await (options.openStore ?? openStore)(config));
  const accountNames = createAccountNameResolver({
    names: config.accounts,
    organizations: config.organizations.enabled
      ? {
          cacheTtlMs: config.organizations.cacheTtl,
          timeoutMs: config.organizations.timeout,
          ...(config.organizations.assumeRole === undefined ? {} : { assumeRole: config.organizations.assumeRole, env }),
        }
      : undefined,
    logger,
    now: options.now,
  });
  const respond = config.respond;
  const responder =
    respond === undefined
      ? undefined
      : createResponder({
          config: { ...config, respond },
          store,
          logger,
          ...(options.now ? { now: options.now } : {}),
          ...(options.respondTargets ? { targets: options.respondTargets } : {}),
        });
  const pipeline = createPipeline({ config, store, sinks, accountNames, logger, now: options.now, responder });
  let closed = false;
  return {
    config,
    store,
    sinks,
    pipeline,
    logger,
    ...(responder ? { responder } : {}),
    escalator: createEscalator({ config, store, logger }),
    async close() {
      if (closed) return;
      closed = true;
      if (ownsStore) await store.close();
    },
  };
}
