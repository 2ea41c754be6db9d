import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bandOf } from '../finding/finding.js';
import { SamplesUsageError } from './errors.js';
import { generateSampleFindings, matchingTemplates, typeSlug, type SampleSeverity } from './samples.js';

/**
 * The body of `guardduty-notifier samples` (its flags are wired in entry/samples-command.ts): sample findings in the
 * EventBridge shape, like GuardDuty's "Generate sample findings". Without `--out`, one JSON array on stdout, so
 * `samples | replay -c x.yaml` works; with `--out DIR`, one file per finding (`<type-slug>-<n>.json`) and their paths
 * on stdout.
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
