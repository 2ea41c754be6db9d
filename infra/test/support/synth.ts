import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadInfraConfig, parseInfraConfig, type InfraConfig, type InfraConfigInput } from '../../lib/config.js';
import { addNotifierStacks, type NotifierStacks } from '../../lib/notifier-app.js';

export const TEST_ACCOUNT = '123456789012';
export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));

/** The feature flags infra/cdk.json gives `cdk synth`, so tests synthesise what the CLI does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

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

/**
 * Builds the app for `config` in account 123456789012. Bundling is skipped unless `bundle` (the Lambda asset is then
 * the unbundled source, which is all a template test needs); bundling runs the local esbuild.
 */
export function synth(config: InfraConfig, options: { bundle?: boolean; outdir?: string } = {}): Synthesized {
  const app = new App({
    context: { ...cdkJsonContext(), ...(!options.bundle && { 'aws:cdk:bundling-stacks': [] }) },
    ...(options.outdir && { outdir: options.outdir }),
  });
  const stacks = addNotifierStacks(app, config, { account: TEST_ACCOUNT });
  return {
    app,
    stacks,
    home: Template.fromStack(stacks.home),
    forwarders: stacks.forwarders.map((s) => Template.fromStack(s)),
  };
}
