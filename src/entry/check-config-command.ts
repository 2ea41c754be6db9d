import type { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import { checkConfig, type DeployFacts } from '../config/check.js';
import type { Config } from '../config/schema.js';
import { EXIT, exitWith } from './cli-options.js';
import { loadDeployConfigModule } from './deploy-config-module.js';

/**
 * `check-config [FILE] [--config FILE]`: validates a notifier config, or the CDK app's deploy config (infra/config.yaml,
 * recognised by its `regions:` key), in one pass, and says what it will do. Needs no secret: a secret that will not
 * resolve here is a warning.
 */
export function registerCheckConfigCommand(program: Command): Command {
  return program
    .command('check-config')
    .description('Validate a config file (the notifier\'s, or the CDK app\'s infra/config.yaml): every problem with its path, or OK with what it will do.')
    .argument('[file]', 'the config file (YAML); the same as --config')
    .option('-c, --config <file>', 'the config file (YAML)')
    .addHelpText('after', '\nExamples:\n  guardduty-notifier check-config --config notifier.yaml\n  guardduty-notifier check-config infra/config.yaml')
    .action(async (file: string | undefined, opts: { config?: string }) => {
      if (file !== undefined && opts.config !== undefined && file !== opts.config) {
        exitWith(`check-config: two files given (${file} and --config ${opts.config}); check one at a time`, EXIT.usage);
      }
      const path = opts.config ?? file;
      if (path === undefined) exitWith('check-config: which file? guardduty-notifier check-config --config FILE', EXIT.usage);
      const { config, deploy } = await loadAnyConfig(path);
      const { summary, warnings } = checkConfig(config, { file: path, env: process.env, ...(deploy ? { deploy } : {}) });
      process.stdout.write(`${summary.join('\n')}\n`);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    });
}

/** The notifier config of either kind of file; every problem of an invalid one printed, exit 2. */
async function loadAnyConfig(path: string): Promise<{ config: Config; deploy?: DeployFacts }> {
  const { readConfigDocument, parseConfig } = await import('../config/load.js');
  try {
    const document = await readConfigDocument(path);
    if (!isDeployDocument(document)) return { config: parseConfig(document, path) };
    const deployModule = await loadDeployConfigModule();
    const deploy = deployModule.loadInfraConfig(path);
    return { config: parseConfig(deployModule.toAppConfig(deploy), path), deploy };
  } catch (error) {
    // By name as well: the deploy validator may come from its own bundle entry.
    if (error instanceof ConfigError || (error as Error).name === 'ConfigError') exitWith((error as Error).message, EXIT.usage);
    throw error;
  }
}

/** The deploy config names where to deploy (`regions: { home }`); the notifier's own config has no such key. */
function isDeployDocument(document: unknown): boolean {
  return typeof document === 'object' && document !== null && !Array.isArray(document) && Object.hasOwn(document, 'regions');
}
