import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretRef } from './schema.js';
import { SecretError } from './errors.js';

export interface SecretResolver {
  /** The secret's value. `where` names the config key for errors (`destinations[0].url`). Never logs the value. */
  resolve(ref: SecretRef, where: string): Promise<string>;
}

/**
 * Resolves `{ env }`, `{ secretArn, key? }` and literal secrets. Secrets Manager values are cached for the life of the
 * process (a Lambda container), which is how AWS recommends keeping GetSecretValue calls and cost down.
 * @example
 * const secrets = createSecretResolver({ env: process.env });
 * const url = await secrets.resolve({ env: 'SLACK_WEBHOOK_URL' }, 'destinations[0].url');
 */
export function createSecretResolver(options: { env: NodeJS.ProcessEnv; client?: SecretsManagerClient }): SecretResolver {
  const cache = new Map<string, Promise<string>>();
  let client = options.client;

  async function fetchSecret(secretArn: string, where: string): Promise<string> {
    try {
      // Loaded on first use: configs with no Secrets Manager reference never pay for the client's import.
      const { GetSecretValueCommand, SecretsManagerClient: Client } = await import('@aws-sdk/client-secrets-manager');
      client ??= new Client({});
      const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (out.SecretString === undefined) throw new SecretError(`${where}: secret ${secretArn} has no string value`);
      return out.SecretString;
    } catch (error) {
      if (error instanceof SecretError) throw error;
      const name = (error as { name?: string }).name ?? 'Error';
      throw new SecretError(`${where}: cannot read secret ${secretArn} from Secrets Manager (${name})`, { cause: error });
    }
  }

  return {
    async resolve(ref, where) {
      if (typeof ref === 'string') return ref;
      if ('env' in ref) {
        const value = options.env[ref.env];
        if (value === undefined || value.trim() === '') {
          throw new SecretError(`${where}: environment variable ${ref.env} is not set`);
        }
        return value.trim();
      }
      let pending = cache.get(ref.secretArn);
      if (!pending) {
        pending = fetchSecret(ref.secretArn, where);
        cache.set(ref.secretArn, pending);
        pending.catch(() => cache.delete(ref.secretArn));
      }
      const raw = await pending;
      if (ref.key === undefined) return raw.trim();
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new SecretError(`${where}: secret ${ref.secretArn} is not JSON, so key "${ref.key}" cannot be read`);
      }
      const value = (parsed as Record<string, unknown>)[ref.key];
      if (typeof value !== 'string' || value === '') {
        throw new SecretError(`${where}: secret ${ref.secretArn} has no string key "${ref.key}"`);
      }
      return value;
    },
  };
}
