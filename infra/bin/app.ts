#!/usr/bin/env node
/**
 * The CDK app, run by the `cdk` CLI in infra/ (see infra/cdk.json): `cdk deploy --all`, `cdk diff`, `cdk destroy`.
 * Config: infra/config.yaml (cdk.json's `config` context), or `-c config=path/to/config.yaml` relative to infra/.
 * `npm run synth` (infra/bin/synth.ts) builds the same app without the CLI.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../src/config/errors.js';
import { resolveConfigPath } from '../lib/app-setup.js';
import { loadInfraConfig } from '../lib/config.js';
import { addNotifierStacks } from '../lib/notifier-app.js';

const app = new App();
try {
  const config = loadInfraConfig(resolveConfigPath(app.node.tryGetContext('config')));
  // No credentials (synth offline): account-agnostic templates; `cdk deploy` fills in the credentials' account.
  addNotifierStacks(app, config, { account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Invalid deployment config:\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
app.synth();
