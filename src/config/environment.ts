import { stateSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';
import { formatPath, parseConfig } from './validate.js';

const ENV_KEYS = { dynamodb: 'STATE_TABLE', ttl: 'STATE_TTL' } as const;

/**
 * `STATE_TABLE` and `STATE_TTL` as `state: { dynamodb, ttl }`, through the config schema: an invalid `STATE_TTL` is an
 * error at start naming the variable, never a TTL silently left at its default.
 */
function stateFromEnvironment(env: NodeJS.ProcessEnv): Config['state'] | undefined {
  const table = env.STATE_TABLE?.trim() || undefined;
  const ttl = env.STATE_TTL?.trim() || undefined;
  if (table === undefined) {
    if (ttl === undefined) return undefined;
    throw new ConfigError('environment (STATE_TABLE, STATE_TTL)', [
      { path: 'STATE_TTL', message: 'is the DynamoDB ledger\'s TTL: set STATE_TABLE too, or unset STATE_TTL' },
    ]);
  }
  const result = stateSchema.safeParse({ dynamodb: table, ...(ttl === undefined ? {} : { ttl }) });
  if (!result.success) {
    throw new ConfigError(
      'environment (STATE_TABLE, STATE_TTL)',
      result.error.issues.map((issue) => {
        const key = issue.path[0];
        const name = key === 'dynamodb' || key === 'ttl' ? ENV_KEYS[key] : formatPath(issue.path);
        return { path: name, message: issue.message };
      }),
    );
  }
  return result.data;
}

/**
 * Lambda's configuration: `GDN_CONFIG` (inline YAML/JSON) or, for the one-webhook case, `SLACK_WEBHOOK_URL` or
 * `SLACK_WEBHOOK_SECRET_ARN` plus `MIN_SEVERITY` (default 4). `STATE_TABLE` selects the DynamoDB store and `STATE_TTL`
 * its ledger's TTL; without `STATE_TABLE` the Lambda keeps no state beyond the warm container (src/lambda/findings-runtime.ts).
 */
export async function configFromEnvironment(env: NodeJS.ProcessEnv): Promise<Config> {
  let config: Config;
  const inline = env.GDN_CONFIG?.trim();
  if (inline) {
    // JSON (what the CDK stack writes) needs no YAML parser; YAML is loaded only when given, keeping the Lambda bundle small.
    let json: unknown;
    let isJson = false;
    if (inline.startsWith('{')) {
      try {
        json = JSON.parse(inline);
        isJson = true;
      } catch {
        // Not JSON after all (a YAML flow mapping): the YAML parser reports it with line and column.
      }
    }
    if (isJson) {
      config = parseConfig(json, 'GDN_CONFIG');
    } else {
      const { parseConfigText } = await import('./load.js');
      config = parseConfigText(inline, 'GDN_CONFIG');
    }
  } else {
    const url = env.SLACK_WEBHOOK_SECRET_ARN
      ? { secretArn: env.SLACK_WEBHOOK_SECRET_ARN }
      : env.SLACK_WEBHOOK_URL
        ? { env: 'SLACK_WEBHOOK_URL' }
        : undefined;
    if (!url) {
      throw new ConfigError('environment', [
        { path: 'GDN_CONFIG', message: 'set GDN_CONFIG (YAML or JSON config), or SLACK_WEBHOOK_URL / SLACK_WEBHOOK_SECRET_ARN' },
      ]);
    }
    const minSeverity = env.MIN_SEVERITY === undefined || env.MIN_SEVERITY === '' ? 4 : Number(env.MIN_SEVERITY);
    config = parseConfig(
      { minSeverity, destinations: [{ name: 'slack', type: 'slack-webhook', url }] },
      'environment (SLACK_WEBHOOK_*, MIN_SEVERITY)',
    );
  }
  const state = stateFromEnvironment(env);
  if (state !== undefined) config = { ...config, state };
  return config;
}
