#!/usr/bin/env node
/**
 * `npm run synth`: synthesises the CDK app offline (no AWS account, no Docker, no CDK CLI) into infra/cdk.out and
 * prints every stack's CloudFormation template as YAML on stdout, then a summary on stderr: resources per stack and
 * the cdk-nag AwsSolutions result with every acknowledgement and its reason. cdk-nag errors fail the synth.
 *
 *   npm run synth [-- --config path/to/config.yaml] [-- --quiet]   (npm run synth -- --help: the usage)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { cdkJsonContext, INFRA_DIR, resolveConfigPath } from '../lib/app-setup.js';
import { loadInfraConfig } from '../lib/config.js';
import { addNotifierStacks } from '../lib/notifier-app.js';

const USAGE = `Usage: npm run synth [-- [--config FILE] [--quiet] [--outdir DIR]]

Synthesises the CDK app offline (no AWS account, no Docker, no CDK CLI): every stack's CloudFormation on stdout,
resources per stack and the cdk-nag AwsSolutions result on stderr; a cdk-nag error fails it.

Options:
  -c, --config FILE   the deploy config (default: infra/config.yaml, or infra/config.example.yaml when there is none);
                      "config=FILE" as with the cdk CLI works too
  -q, --quiet         no templates on stdout, only the summary
  --outdir DIR        where the cloud assembly goes (default: infra/cdk.out)
  -h, --help          this text
`;

let parsed: ReturnType<typeof parseSynthArgs>;
try {
  parsed = parseSynthArgs();
} catch (error) {
  // parseArgs' own message names the flag (`Unknown option '--nope'`); then the usage, never a stack trace.
  process.stderr.write(`synth: ${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { values } = parsed;

function parseSynthArgs() {
  return parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      quiet: { type: 'boolean', short: 'q', default: false },
      outdir: { type: 'string', default: resolve(INFRA_DIR, 'cdk.out') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
// `-c config=path` as with the cdk CLI, or `--config path`.
const configArg = values.config?.startsWith('config=') ? values.config.slice('config='.length) : values.config;

const app = new App({ outdir: values.outdir, context: cdkJsonContext() });
let stacks: ReturnType<typeof addNotifierStacks>;
try {
  const config = loadInfraConfig(resolveConfigPath(configArg));
  stacks = addNotifierStacks(app, config, { account: config.account });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`Invalid deployment config:\n${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const assembly = app.synth();
const summary: string[] = [];
for (const stack of stacks.all) {
  const artifact = assembly.getStackByName(stack.stackName);
  const template = artifact.template as { Resources?: Record<string, unknown> };
  const resources = Object.keys(template.Resources ?? {}).length;
  summary.push(`${stack.stackName} (${stack.region}): ${resources} resources`);
  if (!values.quiet) process.stdout.write(`# ${stack.stackName} (${stack.region})\n---\n${stringify(template, { lineWidth: 0 })}\n`);
}

// The synth above already failed on any cdk-nag error; count what is left and list what was acknowledged.
const report = new AwsSolutionsChecks(app).validateScope(app);
const errors = report.violations.filter((v) => v.severity === 'error').length;
const warnings = report.violations.length - errors;
const acknowledged = app.node.findAll().flatMap((construct) =>
  construct.node.metadata
    .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => `  ${id.replace(/^annotation::/i, '')} on ${construct.node.path}: ${reason}`)),
);
summary.push(`cdk-nag AwsSolutions: ${errors} errors, ${warnings} warnings, ${acknowledged.length} acknowledged:`, ...acknowledged);
summary.push(`Templates and assets: ${assembly.directory}`);
process.stderr.write(`${summary.join('\n')}\n`);
