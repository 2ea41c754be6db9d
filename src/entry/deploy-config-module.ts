import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigInput } from '../config/schema.js';

/**
 * The deploy config's validator (infra/config.yaml) lives with the CDK app in infra/lib/config.ts, outside src/ (tsc's
 * rootDir, and not in the npm package's files). The CLI bundle carries it as its own entry, dist/cli/deploy-config.mjs
 * (scripts/build-cli.mjs), sharing the bundle's chunks; run from the sources (tsx, vitest) it is the .ts file itself.
 * Loaded only by `check-config` on a deploy config.
 */
export interface DeployConfigModule {
  /** Reads and validates a deploy config in one pass: a ConfigError lists every problem, shape and references. */
  loadInfraConfig(path: string): DeployConfig;
  /** The notifier config the stack hands the function (GDN_CONFIG). */
  toAppConfig(config: DeployConfig): ConfigInput;
}

/** What check-config reads of a valid deploy config (infra/lib/config.ts has the whole type). */
export interface DeployConfig {
  stackName: string;
  regions: { home: string; forward: string[]; independent: string[] };
}

export async function loadDeployConfigModule(): Promise<DeployConfigModule> {
  const candidates = [
    new URL('./deploy-config.mjs', import.meta.url),
    new URL('../deploy-config.mjs', import.meta.url),
    new URL('../../infra/lib/config.ts', import.meta.url),
  ];
  const found = candidates.find((url) => existsSync(fileURLToPath(url)));
  if (!found) throw new Error(`the deploy config's validator is not here (looked in ${candidates.map((u) => fileURLToPath(u)).join(', ')})`);
  return (await import(found.href)) as DeployConfigModule;
}
