import type { Config, SecretRef } from '../config/schema.js';
import { checkConfig } from '../config/check.js';
import { ConfigError } from '../config/errors.js';
import { createSecretResolver, type SecretResolver } from '../config/secrets.js';
import { checkAwsIdentity, checkGuardDutyRegion, checkRespondTarget } from './aws-checks.js';
import { fail, pass, type CheckResult } from './check-result.js';
import { destinationSecretKeys, probeDestination } from './destination-checks.js';
import { checkState } from './state-check.js';

/**
 * `guardduty-notifier doctor --config FILE`: every check a first real run depends on, one line each, in the order a
 * person fixes them — the config, the state, the secrets, each destination, AWS (when polling), the respond targets,
 * interact. Read-only: no message is posted, nothing is written (state, outbox, targets, GuardDuty). Later checks that
 * need what an earlier one could not give (a destination whose secret is missing) say so instead of guessing.
 */

export interface DoctorOptions {
  env: NodeJS.ProcessEnv;
  /** Each result as soon as it is known (the CLI prints it). */
  onResult(result: CheckResult): void;
  /** The config file's loader (the CLI's: zod and yaml loaded on first use). */
  loadConfig(path: string): Promise<Config>;
  fetch?: typeof globalThis.fetch;
  /** Per request to a service. Default 10 s. */
  timeoutMs?: number;
  secrets?: SecretResolver;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Where a secret comes from, in words that hold no secret. */
function describeSecret(ref: SecretRef): string {
  if (typeof ref === 'string') return 'written in the config file';
  if ('env' in ref) return `env ${ref.env}`;
  return `Secrets Manager ${ref.secretArn}${ref.key === undefined ? '' : ` key ${ref.key}`}`;
}

function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'string' || (typeof value === 'object' && value !== null && ('env' in value || 'secretArn' in value));
}

/**
 * Runs every check; true when all passed.
 *
 * @example
 * const ok = await runDoctor('notifier.yaml', { env: process.env, loadConfig: loadConfigFile, onResult: (r) => console.log(formatCheck(r)) });
 */
export async function runDoctor(configPath: string, options: DoctorOptions): Promise<boolean> {
  const { env } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetch = options.fetch ?? globalThis.fetch;
  let allOk = true;
  const report = (result: CheckResult): void => {
    if (!result.ok) allOk = false;
    options.onResult(result);
  };

  // 1. The config, as check-config reads it.
  let config: Config;
  try {
    config = await options.loadConfig(configPath);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report(fail('config', `${configPath} is not valid (${error.problems.length} problem(s)); fix each, then run doctor again:\n  ${error.message.split('\n').join('\n  ')}`));
    return false;
  }
  const { warnings } = checkConfig(config, { file: configPath, env });
  report(
    pass(
      'config',
      `${configPath} is valid: ${config.destinations.length} destination(s), ${config.routes.length} route(s)` +
        (warnings.length === 0 ? '' : `; warnings:\n  ${warnings.join('\n  ')}`),
    ),
  );

  // 2. The state.
  report(await checkState(config, { timeoutMs }));

  // 3. Every secret, resolved where the notifier would resolve it (never printed).
  const secrets = options.secrets ?? createSecretResolver({ env });
  const resolveSecret = async (ref: SecretRef, where: string): Promise<string | undefined> => {
    const label = `secret ${where} (${describeSecret(ref)})`;
    try {
      const value = await secrets.resolve(ref, where);
      if (value === '') {
        report(fail(label, 'empty: give it a value'));
        return undefined;
      }
      report(
        typeof ref === 'string'
          ? pass(label, 'set; prefer { env: NAME } or { secretArn: … } to keeping it in the file')
          : pass(label, 'set'),
      );
      return value;
    } catch (error) {
      const fix = typeof ref === 'object' && 'env' in ref ? `: set ${ref.env} in the environment the notifier runs in` : '';
      report(fail(label, `${(error as Error).message}${fix}`));
      return undefined;
    }
  };
  const destinationSecrets = new Map<string, Record<string, string> | undefined>();
  for (const [i, destination] of config.destinations.entries()) {
    const resolved: Record<string, string> = {};
    let complete = true;
    for (const key of destinationSecretKeys(destination)) {
      const ref = (destination as unknown as Record<string, unknown>)[key];
      if (ref === undefined || !isSecretRef(ref)) continue;
      const value = await resolveSecret(ref, `destinations[${i}].${key}`);
      if (value === undefined) complete = false;
      else resolved[key] = value;
    }
    destinationSecrets.set(destination.name, complete ? resolved : undefined);
  }
  const interactSecrets: Record<string, string | undefined> = {};
  if (config.interact !== undefined) {
    interactSecrets.signingSecret = await resolveSecret(config.interact.signingSecret, 'interact.signingSecret');
    if (config.interact.token !== undefined) interactSecrets.token = await resolveSecret(config.interact.token, 'interact.token');
  }

  // 4. Each destination, through its entry of DESTINATION_CHECKS: nothing is posted or published.
  for (const destination of config.destinations) {
    const label = `destination ${destination.name} (${destination.type})`;
    const resolved = destinationSecrets.get(destination.name);
    if (resolved === undefined) {
      report(fail(label, 'not checked: its secret could not be read (see above)'));
      continue;
    }
    try {
      const outcome = await probeDestination(destination, { secrets: resolved, env, fetch, timeoutMs });
      report({ ok: outcome.ok, label, detail: outcome.detail });
    } catch (error) {
      report(fail(label, `the check itself failed: ${(error as Error).message}`));
    }
  }

  // 5. AWS, when the daemon polls GuardDuty: who we are, then a detector in every region.
  if (config.poll !== undefined) {
    const regions = config.poll.regions ?? (env.AWS_REGION ? [env.AWS_REGION] : []);
    if (regions.length === 0) {
      report(fail('GuardDuty', 'no region to poll: set poll.regions in the config (e.g. [us-east-1]) or AWS_REGION'));
    } else {
      report(await checkAwsIdentity(regions[0] as string, { timeoutMs }));
      for (const region of regions) report(await checkGuardDutyRegion(config, region, { timeoutMs, env }));
    }
  }

  // 6. Every respond target, read (never written).
  for (const target of config.respond?.targets ?? []) report(await checkRespondTarget(target, { timeoutMs, env }));

  // 7. Slack actions: the signing secret every request is verified with.
  if (config.interact !== undefined) {
    report(
      interactSecrets.signingSecret === undefined
        ? fail('interact', 'the signing secret is missing (see above): Slack clicks would all be refused; copy it from the app\'s "Basic Information" page')
        : pass('interact', 'signing secret set: Slack requests can be verified'),
    );
  }
  return allOk;
}
