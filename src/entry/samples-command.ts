import { InvalidArgumentError, type Command } from 'commander';
import { SAMPLE_TEMPLATES } from '../sources/sample-templates.js';
import { MAX_SAMPLE_COUNT, SAMPLE_SEVERITIES, parseSampleSeverity, type SampleSeverity } from '../sources/samples.js';
import { SamplesUsageError } from '../sources/errors.js';
import { runSamplesCommand, type SamplesCommandOptions } from '../sources/samples-command.js';
import { EXIT, exitWith } from './cli-options.js';

/** `samples`' flags and their checks; the body is sources/samples-command.ts. */

function countArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLE_COUNT) throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_SAMPLE_COUNT}`);
  return n;
}

function severityArg(value: string): SampleSeverity {
  const band = parseSampleSeverity(value);
  if (!band) throw new InvalidArgumentError(`expected one of ${SAMPLE_SEVERITIES.join(', ')}`);
  return band;
}

function seedArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('expected a whole number from 0 to 4294967295');
  return n;
}

function accountArg(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('expected a 12-digit AWS account id');
  return value;
}

function regionArg(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) throw new InvalidArgumentError('expected an AWS region like us-east-1');
  return value;
}

/** Adds `samples` to the CLI; the lead's cli.ts calls this once. */
export function registerSamplesCommand(program: Command): Command {
  return program
    .command('samples')
    .description(
      `Write sample GuardDuty findings (EventBridge events, marked sample: true), like GuardDuty's "Generate sample findings": ${SAMPLE_TEMPLATES.length} types over EC2, IAM, S3, EKS, Runtime Monitoring, Malware Protection, RDS and Lambda, every severity band.`,
    )
    .option('-t, --types <glob>', 'only these types; `*` matches any run of characters, comma-separate several (e.g. "*:EC2/*,Recon:*")')
    .option('-n, --count <n>', 'how many findings (default: one per matching type; more cycles through them with fresh ids)', countArg)
    .option('-s, --severity <band>', `only types of this band: ${SAMPLE_SEVERITIES.join(', ')}`, severityArg)
    .option('-o, --out <dir>', 'write one file per finding into DIR (<type>-<n>.json) and print their paths, instead of a JSON array on stdout')
    .option('--seed <n>', 'same seed and options, same findings (default: new ids each run)', seedArg)
    .option('--account <id>', 'account id for every finding (default: the AWS example accounts in turn)', accountArg)
    .option('--region <region>', 'region for every finding (default: a few regions in turn)', regionArg)
    .option('--list', 'list the sample types and their bands')
    .addHelpText(
      'after',
      '\nExamples:\n  guardduty-notifier samples | guardduty-notifier replay -c notifier.yaml\n  guardduty-notifier samples --types "*:S3/*" --severity High --out ./samples',
    )
    .action(async (opts: SamplesCommandOptions) => {
      try {
        await runSamplesCommand(opts, { stdout: process.stdout });
      } catch (error) {
        // One line and exit 2, like every usage error (main() would print a second line for a non-commander error).
        if (error instanceof SamplesUsageError) exitWith(error.message, EXIT.usage);
        throw error;
      }
    });
}
