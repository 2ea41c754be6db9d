#!/usr/bin/env node
/**
 * The CDK app: `npm run synth` / `npm run deploy` (run in infra/, see infra/cdk.json).
 * Config: `-c config=path/to/config.yaml`; default infra/config.yaml, else infra/config.example.yaml (synth only
 * makes sense with the example: its secrets and e-mail are placeholders).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../src/config/errors.js';
import { loadInfraConfig } from '../lib/config.js';
import { addNotifierStacks } from '../lib/notifier-app.js';

const INFRA_DIR = fileURLToPath(new URL('../', import.meta.url));

function configPath(app: App): string {
  const given: unknown = app.node.tryGetContext('config');
  if (typeof given === 'string' && given !== '') return given;
  const own = `${INFRA_DIR}config.yaml`;
  if (existsSync(own)) return own;
  process.stderr.write('guardduty-notifier: no infra/config.yaml, using infra/config.example.yaml (fine for synth; copy and edit it to deploy)\n');
  return `${INFRA_DIR}config.example.yaml`;
}

const app = new App();
try {
  const config = loadInfraConfig(configPath(app));
  addNotifierStacks(app, config, { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Invalid deployment config:\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
app.synth();
