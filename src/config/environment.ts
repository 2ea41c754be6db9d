import type { Config } from './schema.js';
import { ConfigError } from './errors.js';
import { parseConfig } from './validate.js';

/**
 * Lambda's configuration: `GDN_CONFIG` (inline YAML/JSON) or, for the one-webhook case, `SLACK_WEBHOOK_URL` or
 * `SLACK_WEBHOOK_SECRET_ARN` plus `MIN_SEVERITY` (default 4). `STATE_TABLE` selects the DynamoDB store.
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
  if (env.STATE_TABLE) config = { ...config, state: { dynamodb: env.STATE_TABLE } };
  return config;
}
