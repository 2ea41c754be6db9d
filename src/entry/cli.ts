import { Command, Option, InvalidArgumentError } from 'commander';
import type { Config } from '../config/schema.js';
import { createAccountNameResolver } from '../enrich/account-names.js';
import { previewAs } from '../pipeline/render-finding.js';
import { eachFinding } from '../sources/finding-inputs.js';
import { ingestInBatches } from '../pipeline/replay-batches.js';
import { openStore } from '../pipeline/open-store.js';
import { createConsoleLogger, logLevelFromEnv } from '../core/console-logger.js';
import { summarizeReplay, formatReplaySummary, formatReplayDecisions, formatReplayRespond, replayRespondJson, countDecisions, type ReplaySummary } from '../pipeline/replay-summary.js';
import type { IngestResult } from '../pipeline/pipeline-types.js';
import { formatStatus, formatStatusJson, readStatus } from '../state/status-report.js';
import { addMute, checkMuteRequest, listMutes, removeMute } from '../actions/mutes.js';
import { formatMuteAdded, formatMuteList, muteAddUsage } from '../actions/mutes-report.js';
import { MuteNotFoundError, MuteRuleError } from '../actions/errors.js';
import { jsonBytesForTerminal, jsonForTerminal, safeForTerminal, safeForTerminalLines } from '../core/terminal-text.js';
import { createChunkedWriter } from '../core/chunked-writer.js';
import { registerSamplesCommand } from './samples-command.js';
import { registerDaemonCommands } from './daemon-commands.js';
import { registerBlockCommands } from './block-commands.js';
import { registerAuditCommand } from './audit-command.js';
import { registerAckCommand } from './ack-command.js';
import { registerResendCommand } from './resend-command.js';
import { registerCheckConfigCommand } from './check-config-command.js';
import { registerDoctorCommand } from './doctor-command.js';
import { shortenAwsSdkNodeNotice } from './aws-sdk-node-notice.js';
import { BY_HELP_DEFAULT, CliExit, DEFAULT_LIST_LIMIT, EXIT, cliLogger, defaultActor, durationArg, exitOnStartError, exitWith, limitArg, loadConfigOrExit, logFormatOption, markRequiredOptions } from './cli-options.js';
import type { DaemonLock } from '../daemon/state-lock.js';
import { DaemonLockError } from '../daemon/errors.js';

/**
 * The command line. Every command is thin: read input, call the pipeline, print. Output meant for other tools goes
 * to stdout (JSON); diagnostics go to stderr. Exit status: 0 all good, 1 some input or delivery failed, 2 usage or
 * configuration error.
 */

/** Where the inputs' problems are printed (`FILE: reason`). */
const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

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
    .description('Print the message each finding makes, in input order: the Slack payloads as a JSON array, the SNS/e-mail text as plain text (--format text), the Teams cards (--format teams), or all as JSON (--format full).')
    .argument('[files...]', 'finding files (any GuardDuty / Security Hub shape, JSON or JSON Lines); stdin when none')
    .option('-c, --config <file>', 'use account names from this config')
    .addOption(
      new Option('-f, --format <format>', 'slack: the Slack payloads (JSON); text: the SNS/e-mail subject and body as plain text, a line of dashes between findings; teams: the Teams Adaptive Cards (JSON); full: all of them plus SNS attributes (JSON)')
        .choices(['slack', 'text', 'teams', 'full'])
        .default('slack'),
    )
    .option('--now <iso-time>', 'render as if at this time (for reproducible output)')
    .addHelpText('after', '\nExample:\n  guardduty-notifier render finding.json | jq \'.[0].text\'\n  cat events.jsonl | guardduty-notifier render --format text')
    .action(async (files: string[], opts: { config?: string; format: 'slack' | 'text' | 'teams' | 'full'; now?: string }) => {
      const config = opts.config ? await loadConfigOrExit(opts.config) : undefined;
      const now = opts.now ? Date.parse(opts.now) : Date.now();
      if (Number.isNaN(now)) throw new InvalidArgumentError(`--now: not a date-time: ${opts.now}`);
      const accountNames = createAccountNameResolver({ names: config?.accounts ?? {} });
      // Streamed: each finding is rendered (only in the format asked for), written and forgotten. The output is the
      // JSON.stringify(list, null, 2) it always was, built element by element, made terminal-safe chunk by chunk
      // (jsonBytesForTerminal: the bytes jsonForTerminal would give, checked in bulk).
      const problems = { count: 0 };
      if (opts.format === 'text') {
        await renderPlainText(files, problems, { accountNames, now });
        if (problems.count > 0) throw new CliExit(1);
        return;
      }
      const out = createChunkedWriter(process.stdout, { beforeWrite: jsonBytesForTerminal });
      let printed = 0;
      try {
        for await (const { finding, input } of eachFinding(files, problems, toStderr)) {
          const { payload, error } = await previewAs(finding, opts.format, { accountNames, now });
          if (error !== undefined) {
            const id = typeof finding.id === 'string' ? finding.id : '?';
            process.stderr.write(`${input}: finding ${safeForTerminal(id)} could not be shown in full (${error.stage}: ${safeForTerminal(error.message)}); printed a plain fallback\n`);
            problems.count += 1;
          }
          // `[payload]` pretty-printed is the element indented as inside the list: cut its brackets.
          await out.write(printed === 0 ? '[\n' : ',\n');
          await out.write(JSON.stringify([payload], null, 2).slice(2, -2));
          printed += 1;
        }
        await out.write(printed === 0 ? '[]\n' : '\n]\n');
        await out.end();
      } catch (error) {
        // The reader went away (`render … | head`): stop rendering, quietly, like any Unix filter.
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
      }
      if (problems.count > 0) throw new CliExit(1);
    });

  program
    .command('replay')
    .description('Push findings through the whole pipeline (routing, policy, state, delivery) and print a summary.')
    .argument('[files...]', 'finding files; stdin when none (so `guardduty-notifier samples | guardduty-notifier replay -c x.yaml` works)')
    .requiredOption('-c, --config <file>', 'notifier config (YAML)')
    .option('--dry-run', 'decide and render, print the decisions, send and record nothing')
    .option('--json', 'print the summary as JSON')
    .addOption(new Option('--timeout <duration>', 'how long to keep delivering before giving up (undelivered messages stay in the outbox)').argParser(durationArg).default(300_000, '5m'))
    .addOption(logFormatOption())
    .addHelpText('after', '\nExample:\n  SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… guardduty-notifier replay -c notifier.yaml findings/*.json')
    .action(async (files: string[], opts: { config: string; dryRun?: boolean; json?: boolean; timeout: number; logFormat: 'text' | 'json' }) => {
      const config = await loadConfigOrExit(opts.config);
      const logger = cliLogger(opts);
      // Read as a stream and decided in batches (replay-batches.ts): a JSON Lines export of any size stays flat.
      const reading = { count: 0 };
      const findings = (async function* () {
        for await (const { finding } of eachFinding(files, reading, toStderr)) yield finding;
      })();
      // One sender per SQLite state file: a replay next to a running daemon would drain the same outbox twice.
      let lock: DaemonLock | undefined;
      if ('sqlite' in config.state && !opts.dryRun) {
        try {
          // Loaded here, like the runtime below: `render` and `--help` never load SQLite or the sinks.
          const { acquireDaemonLock } = await import('../daemon/state-lock.js');
          lock = acquireDaemonLock({ statePath: config.state.sqlite, command: 'replay' });
        } catch (error) {
          if (error instanceof DaemonLockError) {
            process.stderr.write(`replay: ${error.message}\n`);
            throw new CliExit(1);
          }
          throw error;
        }
      }
      // A dry run sends nothing, so it needs no secret: the webhook URL or token may be unset here.
      const runtime = await createRuntimeOrExit(config, logger, { sendNothing: opts.dryRun === true }).catch((error: unknown) => {
        lock?.release();
        throw error;
      });
      try {
        // The decisions are printed by a dry run (so kept); otherwise only counted, batch by batch.
        const counted: ReplaySummary['destinations'] = {};
        const printsDecisions = opts.dryRun === true && opts.json !== true;
        const ingest = await ingestInBatches(findings, (batch) => runtime.pipeline.ingestFindings(batch, { dryRun: opts.dryRun }), {
          ...(!printsDecisions && { onDecisions: (decisions: IngestResult['decisions']) => countDecisions(decisions, counted) }),
        });
        const problems = reading.count;
        const drain = opts.dryRun ? undefined : await runtime.pipeline.drain({ deadlineMs: Date.now() + opts.timeout });
        const summary = summarizeReplay({ ingest, drain, unreadable: problems, dryRun: opts.dryRun ?? false, state: config.state, counted });
        if (opts.dryRun && !opts.json) process.stdout.write(formatReplayDecisions(ingest.decisions));
        const respond = ingest.respond;
        const respondJson = respond && replayRespondJson(respond);
        process.stdout.write(opts.json ? `${jsonForTerminal(JSON.stringify(respondJson ? { ...summary, respond: respondJson } : summary, null, 2))}\n` : safeForTerminalLines(formatReplaySummary(summary)));
        // What respond decided, as the finding messages say it (respond: in the config).
        if (respond && !opts.json) process.stdout.write(formatReplayRespond(respond, opts.dryRun === true));
        const targetFailed = respond?.converge?.outcomes.some((o) => !o.ok) ?? false;
        // Exit 1 also when messages are still pending at --timeout: kept in the outbox, but not delivered.
        if (problems > 0 || summary.failed > 0 || summary.pending > 0 || targetFailed) throw new CliExit(1);
      } finally {
        await runtime.close();
        lock?.release();
      }
    });

  program
    .command('status')
    .description('Show the outbox (pending, failed with their errors), the blocks in force per respond target, the most recent decisions and the actions taken from Slack.')
    .requiredOption('-c, --config <file>', 'notifier config (YAML); its state: is read')
    .option('-n, --limit <n>', 'how many recent decisions and failed messages to show', limitArg, DEFAULT_LIST_LIMIT)
    .option('--json', 'print as JSON')
    .action(async (opts: { config: string; limit: number; json?: boolean }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        const report = await readStatus(store, opts.limit, Date.now(), config.respond === undefined ? {} : { respond: config.respond });
        process.stdout.write(opts.json ? formatStatusJson(report) : formatStatus(report, Date.now()));
      } finally {
        await store.close();
      }
    });

  // Next to `status`, whose failed list it takes its ids from.
  registerResendCommand(program);

  const mute = program.command('mute').description('Mute findings for a while (kept in the state store; the Slack "Mute similar" button writes the same rules).');
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
    .option('--by <who>', `who added it (${BY_HELP_DEFAULT})`)
    .action(async (opts: { config: string; type?: string; account?: string; resourceType?: string; finding?: string; for: number; reason: string; by?: string }) => {
      const request = { type: opts.type, account: opts.account, resourceType: opts.resourceType, findingId: opts.finding, forMs: opts.for, reason: opts.reason };
      // Checked before the config is read: a usage error is reported as one whatever the config says.
      try {
        checkMuteRequest(request);
      } catch (error) {
        if (error instanceof MuteRuleError) exitWith(muteAddUsage(error), EXIT.usage);
        throw error;
      }
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        const rule = await addMute(store, request, { now: Date.now(), createdBy: opts.by ?? defaultActor() });
        process.stdout.write(formatMuteAdded(rule, opts.for));
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
        const rules = await listMutes(store, Date.now());
        if (opts.json) {
          process.stdout.write(`${jsonForTerminal(JSON.stringify(rules, null, 2))}\n`);
          return;
        }
        process.stdout.write(formatMuteList(rules, config.mutes));
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
        await removeMute(store, id).catch((error: unknown) => {
          if (error instanceof MuteNotFoundError) exitWith(`mute remove: no mute rule "${id}" (see \`mute list\`)`, EXIT.failed);
          throw error;
        });
        process.stdout.write(`removed ${id}\n`);
      } finally {
        await store.close();
      }
    });

  program
    .command('demo')
    .description('Run the local demo: sample findings through the real pipeline, shown as Slack draws them, plus a preview box.')
    .option('-p, --port <port>', 'port on 127.0.0.1 (default $PORT or 8080; a free one if taken)', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--pace <duration>', 'time between sample findings').argParser(durationArg).default(1_500, '1.5s'))
    .addOption(logFormatOption())
    .action(async (opts: { port?: number; pace: number; logFormat: 'text' | 'json' }) => {
      const { runDemo } = await import('../demo/demo.js');
      // The demo logs warnings only, unless LOG_LEVEL=debug.
      const logger = createConsoleLogger({ level: logLevelFromEnv(process.env) === 'debug' ? 'debug' : 'warn', json: opts.logFormat === 'json' });
      await runDemo({ port: opts.port, paceMs: opts.pace, logger });
    });

  registerSamplesCommand(program);
  registerDaemonCommands(program);
  registerBlockCommands(program);
  registerAuditCommand(program);
  registerAckCommand(program);
  registerCheckConfigCommand(program);
  // Right after check-config: the next thing to run before a first real message.
  registerDoctorCommand(program);
  markRequiredOptions(program);
  return program;
}

/** Between two findings in `render --format text`. */
export const TEXT_SEPARATOR = '-'.repeat(72);

/**
 * `render --format text`: each finding's SNS/e-mail text as a person reads it, `Subject: …`, a blank line, the body,
 * and a line of dashes between findings; terminal-safe line by line (the text carries finding content).
 */
async function renderPlainText(files: string[], problems: { count: number }, context: { accountNames: ReturnType<typeof createAccountNameResolver>; now: number }): Promise<void> {
  const out = createChunkedWriter(process.stdout);
  let printed = 0;
  try {
    for await (const { finding, input } of eachFinding(files, problems, toStderr)) {
      const { payload, error } = await previewAs(finding, 'text', context);
      if (error !== undefined) {
        const id = typeof finding.id === 'string' ? finding.id : '?';
        process.stderr.write(`${input}: finding ${safeForTerminal(id)} could not be shown in full (${error.stage}: ${safeForTerminal(error.message)}); printed a plain fallback\n`);
        problems.count += 1;
      }
      const { subject, body } = payload as { subject: string; body: string };
      await out.write(safeForTerminalLines(`${printed === 0 ? '' : `${TEXT_SEPARATOR}\n`}Subject: ${subject}\n\n${body.replace(/\n*$/, '')}\n`));
      printed += 1;
    }
    await out.end();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  }
}

async function createRuntimeOrExit(config: Config, logger: ReturnType<typeof createConsoleLogger>, options: { sendNothing?: boolean } = {}) {
  const { createRuntime } = await import('../pipeline/runtime.js');
  return createRuntime(config, { logger, ...options }).catch(exitOnStartError);
}

/**
 * Commander copies `exitOverride()` to a subcommand only when the subcommand is created after it; set afterwards, on
 * the root alone, a usage error in `block add` or `mute add` would call process.exit(1) itself. So: on every command,
 * once the tree is built, and every usage error comes back to `main()` as a CommanderError (exit status 2).
 */
function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideEverywhere(sub);
}

export async function main(argv: string[] = process.argv): Promise<number> {
  shortenAwsSdkNodeNotice(process, (line) => process.stderr.write(line));
  const program = buildProgram();
  exitOverrideEverywhere(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // A command that ended with a status (it printed why).
    if (error instanceof CliExit) return error.exitCode;
    const code = (error as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      const exitCode = (error as { exitCode?: number }).exitCode ?? 2;
      // Help and version exit 0; any other commander error is a usage error, already printed by commander: 2.
      return exitCode === 0 ? 0 : 2;
    }
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`guardduty-notifier: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
