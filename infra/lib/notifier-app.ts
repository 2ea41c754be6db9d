import { Tags, Validations, type App, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { InfraConfig } from './config.js';
import { ForwarderStack } from './forwarder-stack.js';
import { NotifierStack } from './notifier-stack.js';

export interface NotifierStacks {
  home: NotifierStack;
  independent: NotifierStack[];
  forwarders: ForwarderStack[];
  all: Stack[];
}

export interface AddStacksOptions {
  /** Account for every stack; default config.account, else undefined (account-agnostic templates). */
  account?: string;
  /** Handler source for the notifier function (tests); default src/entry/lambda.ts. */
  entry?: string;
}

/**
 * Every stack the config asks for: the notifier in the home region, a full notifier in each independent region, a
 * forwarder in each forward region. cdk-nag's AwsSolutions pack checks all of them on every synth.
 */
export function addNotifierStacks(app: App, config: InfraConfig, options: AddStacksOptions = {}): NotifierStacks {
  const account = options.account ?? config.account;
  const env = (region: string) => ({ account, region });
  const notifier = (region: string) =>
    new NotifierStack(app, `${config.stackName}-${region}`, {
      config,
      env: env(region),
      description: `guardduty-notifier: GuardDuty findings in ${region}${region === config.regions.home && config.regions.forward.length > 0 ? ` (and forwarded from ${config.regions.forward.join(', ')})` : ''} to Slack`,
      ...(options.entry && { entry: options.entry }),
    });
  const home = notifier(config.regions.home);
  const independent = config.regions.independent.map(notifier);
  const forwarders = config.regions.forward.map((region) => {
    const stack = new ForwarderStack(app, `${config.stackName}-forwarder-${region}`, {
      config,
      homeRegion: config.regions.home,
      env: env(region),
      description: `guardduty-notifier: forwards GuardDuty findings from ${region} to ${config.regions.home}`,
    });
    // Deploy the receiving side first (ordering only: the bus ARN is built, not imported).
    stack.addStackDependency(home);
    return stack;
  });
  Tags.of(app).add('app', 'guardduty-notifier');
  for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { home, independent, forwarders, all: [home, ...independent, ...forwarders] };
}
