import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { bandOf } from '../finding/finding.js';
import { SAMPLE_TEMPLATES } from '../sources/sample-templates.js';
import {
  MAX_SAMPLE_COUNT,
  SAMPLE_SEVERITIES,
  generateSampleFindings,
  matchingTemplates,
  parseSampleSeverity,
  typeSlug,
  type SampleSeverity,
} from '../sources/samples.js';

/**
 * `guardduty-notifier samples`: sample findings in the EventBridge shape, like GuardDuty's "Generate sample
 * findings". Without `--out`, one JSON array on stdout, so `samples | replay -c x.yaml` works; with `--out DIR`, one
 * file per finding (`<type-slug>-<n>.json`) and their paths on stdout.
 */

export interface SamplesCommandOptions {
  /** Type glob(s), comma-separated, e.g. `*:EC2/*,Recon:*`. */
  types?: string;
  count?: number;
  severity?: SampleSeverity;
  /** Directory for one file per finding. */
  out?: string;
  seed?: number;
  account?: string;
  region?: string;
  /** Print the types and their bands instead of findings. */
  list?: boolean;
  /** Epoch ms for the timestamps (default: now). */
  now?: number;
}

export interface SamplesCommandResult {
  count: number;
  /** Files written with `--out`. */
  files: string[];
}

/** A usage problem (nothing matched); the CLI prints it and exits 2. */
export class SamplesUsageError extends Error {
  override readonly name = 'SamplesUsageError';
}

/**
 * Writes and waits until written. A reader that went away (`samples | head`) is not an error worth a stack trace:
 * EPIPE ends the output quietly, as Unix tools do.
 */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? resolve() : reject(error));
    stream.once('error', onError);
    stream.write(text, (error) => {
      // On failure the stream also emits 'error' on a later tick: the once-listener stays to take it.
      if (!error) {
        stream.off('error', onError);
        resolve();
      } else onError(error as NodeJS.ErrnoException);
    });
  });
}

/**
 * @example
 * await runSamplesCommand({ types: '*:S3/*', count: 3 }, { stdout: process.stdout });
 */
export async function runSamplesCommand(
  options: SamplesCommandOptions,
  io: { stdout: NodeJS.WritableStream },
): Promise<SamplesCommandResult> {
  if (options.list) {
    const lines = matchingTemplates(options).map((t) => `${bandOf(t.severity).name.padEnd(8)} ${String(t.severity).padEnd(4)} ${t.feature.padEnd(18)} ${t.type}`);
    await write(io.stdout, `${lines.join('\n')}\n`);
    return { count: lines.length, files: [] };
  }
  const events = generateSampleFindings({
    types: options.types,
    count: options.count,
    severity: options.severity,
    seed: options.seed,
    accountId: options.account,
    region: options.region,
    now: options.now ?? Date.now(),
  });
  if (events.length === 0) {
    const filters = [options.types ? `--types "${options.types}"` : '', options.severity ? `--severity ${options.severity}` : ''].filter(Boolean);
    throw new SamplesUsageError(`samples: no finding type matches ${filters.join(' and ')} (see \`guardduty-notifier samples --list\`)`);
  }
  if (options.out === undefined) {
    await write(io.stdout, `${JSON.stringify(events, null, 2)}\n`);
    return { count: events.length, files: [] };
  }
  await mkdir(options.out, { recursive: true });
  const perType = new Map<string, number>();
  const files: string[] = [];
  for (const event of events) {
    const slug = typeSlug(event.detail.type);
    const n = (perType.get(slug) ?? 0) + 1;
    perType.set(slug, n);
    const file = join(options.out, `${slug}-${n}.json`);
    await writeFile(file, `${JSON.stringify(event, null, 2)}\n`);
    files.push(file);
  }
  await write(io.stdout, `${files.join('\n')}\n`);
  return { count: events.length, files };
}

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
    .action(async (opts: SamplesCommandOptions, command: Command) => {
      try {
        await runSamplesCommand(opts, { stdout: process.stdout });
      } catch (error) {
        if (error instanceof SamplesUsageError) command.error(error.message, { exitCode: 2, code: 'samples.noMatch' });
        throw error;
      }
    });
}
