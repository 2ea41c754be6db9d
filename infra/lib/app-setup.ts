import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** infra/, wherever the command runs from. */
export const INFRA_DIR = fileURLToPath(new URL('../', import.meta.url));

/**
 * The deployment config to use: the given path (relative to the working directory), else infra/config.yaml, else
 * infra/config.example.yaml (good for synth; its secret names and e-mail are placeholders).
 */
export function resolveConfigPath(given: unknown, warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): string {
  if (typeof given === 'string' && given !== '') return resolve(given);
  const own = resolve(INFRA_DIR, 'config.yaml');
  if (existsSync(own)) return own;
  warn('guardduty-notifier: no infra/config.yaml, using infra/config.example.yaml (fine for synth; copy and edit it to deploy)');
  return resolve(INFRA_DIR, 'config.example.yaml');
}

/** The context (feature flags) in infra/cdk.json, which `cdk` hands to the app; for synths without the CLI. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(INFRA_DIR, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}
