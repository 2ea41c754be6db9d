import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { cdkJsonContext } from '../../lib/app-setup.js';
import { loadInfraConfig, parseInfraConfig, type InfraConfig, type InfraConfigInput } from '../../lib/config.js';
import { addNotifierStacks, type NotifierStacks } from '../../lib/notifier-app.js';

export const TEST_ACCOUNT = '123456789012';
export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));

/** The feature flags infra/cdk.json gives `cdk synth`, so tests synthesise what the CLI does. */
export { cdkJsonContext } from '../../lib/app-setup.js';

export function exampleConfig(): InfraConfig {
  return loadInfraConfig(EXAMPLE_CONFIG_PATH);
}

/** A small valid config; `overrides` replace top-level keys. */
export function testConfig(overrides: Partial<InfraConfigInput> = {}): InfraConfig {
  return parseInfraConfig(
    {
      regions: { home: 'eu-west-1', forward: ['us-east-1'] },
      destinations: [{ name: 'security', type: 'slack-webhook', secret: 'guardduty-notifier/slack-security' }],
      alarms: { email: 'secops@example.com' },
      ...overrides,
    },
    'test config',
  );
}

export interface Synthesized {
  app: App;
  stacks: NotifierStacks;
  home: Template;
  forwarders: Template[];
}

export interface SynthOptions {
  /** Bundle the function with the local esbuild (default: skipped; the asset is then the unbundled source). */
  bundle?: boolean;
  outdir?: string;
  /**
   * CDK's built-in CloudFormation template validation (on by default in `cdk synth`). Off by default here: it takes
   * seconds per synth; infra/test/cdk-nag.test.ts runs it once on the example deployment.
   */
  cfnValidation?: boolean;
}

/** Cloud assemblies written by the test file that imports this module, removed after it. */
const assemblies: string[] = [];
afterAll(() => {
  for (const dir of assemblies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temporary directory for a cloud assembly, removed after the test file. */
export function tempOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdn-infra-test-'));
  assemblies.push(dir);
  return dir;
}

/** Builds the app for `config` in account 123456789012 and synthesises it (cdk-nag runs, and fails it on errors). */
export function synth(config: InfraConfig, options: SynthOptions = {}): Synthesized {
  const outdir = options.outdir ?? tempOutdir();
  const app = new App({
    context: { ...cdkJsonContext(), ...(!options.bundle && { 'aws:cdk:bundling-stacks': [] }) },
    builtinCloudFormationValidation: options.cfnValidation ?? false,
    outdir,
  });
  const stacks = addNotifierStacks(app, config, { account: TEST_ACCOUNT });
  return {
    app,
    stacks,
    home: Template.fromStack(stacks.home),
    forwarders: stacks.forwarders.map((s) => Template.fromStack(s)),
  };
}
