import { Command, Option, InvalidArgumentError } from 'commander';
import { randomUUID } from 'node:crypto';
import { loadConfigFile } from '../config/load.js';
import { ConfigError, SecretError } from '../config/errors.js';
import { parseDuration, formatDuration } from '../core/duration.js';
import type { Config } from '../config/schema.js';
import { parseFindingText } from '../finding/parse.js';
import type { Finding } from '../finding/finding.js';
import { consoleUrlFor } from '../enrich/console-url.js';
import { createAccountNameResolver } from '../enrich/account-names.js';
import { renderFindingMessage } from '../render/render-message.js';
import { readInputs } from '../sources/file-input.js';
import { openStore } from '../pipeline/open-store.js';
import { createRuntime } from '../pipeline/runtime.js';
import { createConsoleLogger, logLevelFromEnv } from '../core/console-logger.js';
import { summarizeReplay, formatReplaySummary } from './replay-summary.js';
import { formatStatus } from './status-report.js';
import { safeForTerminal } from '../core/terminal-text.js';
import { registerSamplesCommand } from './samples-command.js';
import { registerDaemonCommands } from './daemon-commands.js';
import { acquireDaemonLock, DaemonLockError, type DaemonLock } from './daemon-lock.js';

/**
 * The command line. Every command is thin: read input, call the pipeline, print. Output meant for other tools goes
 * to stdout (JSON); diagnostics go to stderr. Exit status: 0 all good, 1 some input or delivery failed, 2 usage or
 * configuration error.
 */

export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration like 90s, 10m, 12h or 7d');
  return ms;
}

async function loadConfigOrExit(path: string): Promise<Config> {
  try {
    return await loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      throw new CliExit(2);
    }
    throw error;
  }
}

/** Reads the inputs and parses every finding in them; problems are printed as `FILE: reason` and counted. */
async function readFindings(files: string[]): Promise<{ findings: Finding[]; problems: number }> {
  const findings: Finding[] = [];
  let problems = 0;
  for (const input of await readInputs(files)) {
    if (input.error !== undefined || input.text === undefined) {
      process.stderr.write(`${input.name}: ${input.error ?? 'cannot read'}\n`);
      problems += 1;
      continue;
    }
    const parsed = parseFindingText(input.text);
    findings.push(...parsed.findings);
    for (const error of parsed.errors) {
      process.stderr.write(`${safeForTerminal(input.name)}: ${safeForTerminal(error.message)}\n`);
      problems += 1;
    }
  }
  return { findings, problems };
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('guardduty-notifier')
    .description('Amazon GuardDuty findings into Slack: readable, routed, never flooding, never losing one.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false });

  program
    .command('render')
    .description('Print the Slack message(s) findings make, as a JSON array (one payload per finding, input order).')
    .argument('[files...]', 'finding files (any GuardDuty / Security Hub shape, JSON or JSON Lines); stdin when none')
    .option('-c, --config <file>', 'use account names from this config')
    .addOption(
      new Option('-f, --format <format>', 'slack: the Slack payload; text: the SNS/e-mail text; full: both plus SNS attributes')
        .choices(['slack', 'text', 'full'])
        .default('slack'),
    )
    .option('--now <iso-time>', 'render as if at this time (for reproducible output)')
    .addHelpText('after', '\nExample:\n  guardduty-notifier render finding.json | jq \'.[0].text\'\n  cat events.jsonl | guardduty-notifier render --format text')
    .action(async (files: string[], opts: { config?: string; format: 'slack' | 'text' | 'full'; now?: string }) => {
      const config = opts.config ? await loadConfigOrExit(opts.config) : undefined;
      const now = opts.now ? Date.parse(opts.now) : Date.now();
      if (Number.isNaN(now)) throw new InvalidArgumentError(`--now: not a date-time: ${opts.now}`);
      const names = createAccountNameResolver({ names: config?.accounts ?? {} });
      const { findings, problems } = await readFindings(files);
      const out: unknown[] = [];
      for (const finding of findings) {
        const link = consoleUrlFor(finding);
        const message = renderFindingMessage(finding, {
          now,
          accountName: await names.nameOf(finding.accountId),
          consoleUrl: link?.url,
          consoleLabel: link?.label,
        });
        out.push(opts.format === 'slack' ? message.slack : opts.format === 'text' ? message.text : message);
      }
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      if (problems > 0) throw new CliExit(1);
    });

  program
    .command('replay')
    .description('Push findings through the whole pipeline (routing, policy, state, delivery) and print a summary.')
    .argument('[files...]', 'finding files; stdin when none (so `guardduty-notifier samples | guardduty-notifier replay -c x.yaml` works)')
    .requiredOption('-c, --config <file>', 'notifier config (YAML)')
    .option('--dry-run', 'decide and render, print the decisions, send and record nothing')
    .option('--json', 'print the summary as JSON')
    .option('--timeout <duration>', 'how long to keep delivering before giving up (undelivered messages stay in the outbox)', durationArg, 300_000)
    .addHelpText('after', '\nExample:\n  SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… guardduty-notifier replay -c notifier.yaml findings/*.json')
    .action(async (files: string[], opts: { config: string; dryRun?: boolean; json?: boolean; timeout: number }) => {
      const config = await loadConfigOrExit(opts.config);
      const logger = createConsoleLogger({ level: logLevelFromEnv(process.env) });
      const { findings, problems } = await readFindings(files);
      // One sender per SQLite state file: a replay next to a running daemon would drain the same outbox twice.
      let lock: DaemonLock | undefined;
      if ('sqlite' in config.state && !opts.dryRun) {
        try {
          lock = acquireDaemonLock({ statePath: config.state.sqlite, command: 'replay' });
        } catch (error) {
          if (error instanceof DaemonLockError) {
            process.stderr.write(`replay: ${error.message}\n`);
            throw new CliExit(1);
          }
          throw error;
        }
      }
      const runtime = await createRuntimeOrExit(config, logger).catch((error: unknown) => {
        lock?.release();
        throw error;
      });
      try {
        const ingest = await runtime.pipeline.ingestFindings(findings, { dryRun: opts.dryRun });
        const drain = opts.dryRun ? undefined : await runtime.pipeline.drain({ deadlineMs: Date.now() + opts.timeout });
        const summary = summarizeReplay({ ingest, drain, unreadable: problems, dryRun: opts.dryRun ?? false });
        if (opts.dryRun && !opts.json) {
          for (const d of ingest.decisions) {
            process.stdout.write(`${d.destination}\t${d.outcome}\t${safeForTerminal(d.reason)}\t${safeForTerminal(d.findingType)}\t${safeForTerminal(d.findingId)}\n`);
          }
        }
        process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : formatReplaySummary(summary));
        if (problems > 0 || summary.failed > 0) throw new CliExit(1);
      } finally {
        await runtime.close();
        lock?.release();
      }
    });

  program
    .command('check-config')
    .description('Validate a config file: every problem with its path, or OK with what it will do.')
    .argument('<file>', 'notifier config (YAML)')
    .action(async (file: string) => {
      const config = await loadConfigOrExit(file);
      const lines = [`${file}: OK`];
      lines.push(`  state: ${'sqlite' in config.state ? `SQLite ${config.state.sqlite}` : `DynamoDB table ${config.state.dynamodb}`}`);
      for (const d of config.destinations) {
        lines.push(`  destination ${d.name}: ${d.type}${d.minSeverity !== undefined ? `, minSeverity ${d.minSeverity}` : ''}`);
      }
      if (config.routes.length === 0) lines.push('  routes: none, every destination gets every finding');
      config.routes.forEach((r, i) => lines.push(`  routes[${i}]${r.name ? ` (${r.name})` : ''} → ${r.to.join(', ')}${r.continue ? ' (continue)' : ''}`));
      if (config.defaultRoute) lines.push(`  defaultRoute → ${config.defaultRoute.to.join(', ')}`);
      lines.push(`  digest: more than ${config.digest.threshold} messages at once for a destination become one digest`);
      const warnings: string[] = [];
      config.destinations.forEach((d, i) => {
        const ref = d.type === 'slack-webhook' ? d.url : d.type === 'slack-api' ? d.token : undefined;
        const key = d.type === 'slack-webhook' ? 'url' : 'token';
        if (ref && typeof ref === 'object' && 'env' in ref && !process.env[ref.env]) {
          warnings.push(`${file}: destinations[${i}].${key}: environment variable ${ref.env} is not set here`);
        }
        if (typeof ref === 'string') {
          warnings.push(`${file}: destinations[${i}].${key}: a secret written in the file; prefer { env: NAME } or { secretArn: … }`);
        }
      });
      process.stdout.write(`${lines.join('\n')}\n`);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    });

  program
    .command('status')
    .description('Show the outbox (pending, failed with their errors) and the most recent decisions.')
    .requiredOption('-c, --config <file>', 'notifier config (YAML); its state: is read')
    .option('-n, --limit <n>', 'how many recent decisions and failed messages to show', (v) => Number.parseInt(v, 10), 20)
    .option('--json', 'print as JSON')
    .action(async (opts: { config: string; limit: number; json?: boolean }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        const [stats, failed, pending, decisions] = await Promise.all([
          store.stats(),
          store.listOutbox({ status: 'failed', limit: opts.limit }),
          store.listOutbox({ status: 'pending', limit: opts.limit }),
          store.recentDecisions(opts.limit),
        ]);
        const report = { stats, failed, pending, decisions };
        process.stdout.write(opts.json ? `${JSON.stringify(report, (k, v) => (k === 'message' ? undefined : v), 2)}\n` : formatStatus(report, Date.now()));
      } finally {
        await store.close();
      }
    });

  const mute = program.command('mute').description('Mute findings for a while (kept in the state store; shared with Slack buttons later).');
  mute
    .command('add')
    .description('Add a mute rule. At least one of --type, --account, --resource-type, --finding.')
    .requiredOption('-c, --config <file>', 'notifier config (YAML)')
    .option('--type <glob>', "finding type glob, e.g. 'Recon:*' or 'UnauthorizedAccess:EC2/SSHBruteForce'")
    .option('--account <id>', '12-digit AWS account id')
    .option('--resource-type <type>', 'GuardDuty resource type: Instance, AccessKey, S3Bucket, EKSCluster, ...')
    .option('--finding <id>', 'one finding id')
    .requiredOption('--for <duration>', 'how long, e.g. 12h or 7d', durationArg)
    .requiredOption('--reason <text>', 'why (shown in `mute list` and in suppression logs)')
    .option('--by <who>', 'who added it', process.env.USER)
    .action(async (opts: { config: string; type?: string; account?: string; resourceType?: string; finding?: string; for: number; reason: string; by?: string }) => {
      if (!opts.type && !opts.account && !opts.resourceType && !opts.finding) {
        process.stderr.write('mute add: give at least one of --type, --account, --resource-type, --finding (a mute of everything is not allowed)\n');
        throw new CliExit(2);
      }
      if (opts.account && !/^\d{12}$/.test(opts.account)) {
        process.stderr.write(`mute add: --account: expected a 12-digit AWS account id, got "${opts.account}"\n`);
        throw new CliExit(2);
      }
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        const now = Date.now();
        const id = `m-${randomUUID().slice(0, 8)}`;
        await store.addMute({
          id,
          type: opts.type,
          account: opts.account,
          resourceType: opts.resourceType,
          findingId: opts.finding,
          reason: opts.reason,
          createdBy: opts.by,
          createdAt: now,
          expiresAt: now + opts.for,
        });
        process.stdout.write(`${id}\tmuted for ${formatDuration(opts.for)} (until ${new Date(now + opts.for).toISOString()})\n`);
      } finally {
        await store.close();
      }
    });
  mute
    .command('list')
    .description('List mute rules that have not expired.')
    .requiredOption('-c, --config <file>', 'notifier config (YAML)')
    .option('--json', 'print as JSON')
    .action(async (opts: { config: string; json?: boolean }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        const rules = await store.listMutes(Date.now());
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
          return;
        }
        if (rules.length === 0 && config.mutes.length === 0) process.stdout.write('No mute rules.\n');
        for (const r of rules) {
          const what = [r.type && `type ${r.type}`, r.account && `account ${r.account}`, r.resourceType && `resource ${r.resourceType}`, r.findingId && `finding ${r.findingId}`]
            .filter(Boolean)
            .join(', ');
          process.stdout.write(`${r.id}\t${what}\tuntil ${new Date(r.expiresAt).toISOString()}\t${r.reason}${r.createdBy ? ` (by ${r.createdBy})` : ''}\n`);
        }
        config.mutes.forEach((m, i) => process.stdout.write(`config:${i}\t${JSON.stringify(m.match)}\t${m.until ? `until ${m.until}` : 'no expiry'}\t${m.reason} (config file)\n`));
      } finally {
        await store.close();
      }
    });
  mute
    .command('remove')
    .description('Remove a mute rule by id (config-file mutes are removed by editing the file).')
    .argument('<id>', 'rule id from `mute list`')
    .requiredOption('-c, --config <file>', 'notifier config (YAML)')
    .action(async (id: string, opts: { config: string }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        if (!(await store.removeMute(id))) {
          process.stderr.write(`mute remove: no mute rule "${id}" (see \`mute list\`)\n`);
          throw new CliExit(1);
        }
        process.stdout.write(`removed ${id}\n`);
      } finally {
        await store.close();
      }
    });

  program
    .command('demo')
    .description('Run the local demo: sample findings through the real pipeline, shown as Slack draws them, plus a preview box.')
    .option('-p, --port <port>', 'port on 127.0.0.1 (default $PORT or 8080; a free one if taken)', (v) => Number.parseInt(v, 10))
    .option('--pace <duration>', 'time between sample findings', durationArg, 1_500)
    .action(async (opts: { port?: number; pace: number }) => {
      const { runDemo } = await import('./demo.js');
      await runDemo({ port: opts.port, paceMs: opts.pace });
    });

  registerSamplesCommand(program);
  registerDaemonCommands(program);
  return program;
}

async function createRuntimeOrExit(config: Config, logger: ReturnType<typeof createConsoleLogger>) {
  try {
    return await createRuntime(config, { logger });
  } catch (error) {
    if (error instanceof SecretError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      throw new CliExit(2);
    }
    throw error;
  }
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode;
    const code = (error as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      const exitCode = (error as { exitCode?: number }).exitCode ?? 2;
      // Help and version exit 0; the daemon commands carry their own status; any other commander error is a usage
      // error, already printed by commander: 2, as documented.
      if (exitCode === 0 || code === 'commander.guarddutyNotifierExit') return exitCode;
      return 2;
    }
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`guardduty-notifier: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
