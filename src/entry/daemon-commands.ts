import { Command, InvalidArgumentError, Option } from 'commander';
import { parseListen } from '../daemon/health-server.js';
import { cliLogger, durationArg, exitWithStatus, loadConfigOrExit } from './cli-options.js';

/**
 * `run` and `backfill`, registered on the CLI's program by `registerDaemonCommands(program)`: their flags and help;
 * the bodies are src/daemon/commands.ts (loaded when the command runs, so the rest of the CLI starts without the AWS
 * SDK and prom-client). Exit status as for every command (src/entry/cli-options.ts): 0 all good (also after
 * SIGTERM/SIGINT), 1 a region failed or messages could not be delivered (backfill) / the lock is held / a runtime
 * error, 2 usage or configuration error.
 */

function listenArg(value: string): string {
  try {
    parseListen(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^poll\.listen: /, ''));
  }
  return value;
}

/**
 * @example
 * const program = new Command('guardduty-notifier');
 * registerDaemonCommands(program);
 * await program.parseAsync(['node', 'gdn', 'run', '--config', 'notifier.yaml']);
 */
export function registerDaemonCommands(program: Command): void {
  program
    .command('run')
    .description(
      'Run the polling daemon: every poll.interval, read the findings GuardDuty updated in each poll.regions region ' +
        'and push them through routing, policy and delivery. Serves /healthz and /metrics on poll.listen. ' +
        'SIGTERM/SIGINT finish the current poll, deliver what is queued (bounded) and exit 0.',
    )
    .requiredOption('-c, --config <file>', 'notifier config (YAML) with a poll: section and state: { sqlite: FILE }')
    .option('--listen <host:port>', 'where /healthz and /metrics listen, overriding poll.listen (default 127.0.0.1:9464)', listenArg)
    .option('--no-listen', 'start no HTTP listener at all')
    .option('--once', 'poll once, deliver, and exit (a cron-style run; cursors are kept as usual)')
    .addOption(
      new Option(
        '--drain-timeout <duration>',
        'on SIGTERM/SIGINT (or after --once), how long to keep delivering queued messages before exiting; what is left is sent on the next start',
      )
        .argParser(durationArg)
        .default(10_000, '10s'),
    )
    .addOption(new Option('--log-format <format>', 'log lines on stderr: text, or json for journald/log shippers').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      [
        '',
        'Config (notifier.yaml):',
        '  poll:',
        '    regions: [us-east-1, eu-west-1]   # default: the SDK region (AWS_REGION / profile)',
        '    interval: 60s                     # time between polls',
        '    overlap: 10m                      # re-read window behind the cursor (late-indexed findings)',
        '    includeArchived: false',
        '    assumeRole: arn:aws:iam::111122223333:role/guardduty-reader   # optional; regionRoles: { eu-west-1: ARN }',
        '    listen: 127.0.0.1:9464',
        '  state: { sqlite: /var/lib/guardduty-notifier/state.db }',
        '',
        'Credentials come from the AWS SDK default chain (env, profile/SSO, web identity, instance role).',
        'Example:',
        '  guardduty-notifier run --config /etc/guardduty-notifier/notifier.yaml --log-format json',
      ].join('\n'),
    )
    .action(async (opts: { config: string; listen?: string | false; once?: boolean; drainTimeout: number; logFormat: 'text' | 'json' }) => {
      const config = await loadConfigOrExit(opts.config);
      const logger = cliLogger(opts);
      const { runCommand } = await import('../daemon/commands.js');
      await exitWithStatus(() => runCommand({ config, logger, listen: opts.listen, once: opts.once, drainTimeoutMs: opts.drainTimeout }));
    });

  program
    .command('backfill')
    .description(
      'Walk the findings GuardDuty updated in the past (it keeps 90 days) through the same policy and delivery as ' +
        '`run`. The ledger keeps it from repeating what was already sent. Prints progress on stderr and a summary on stdout.',
    )
    .requiredOption('-c, --config <file>', 'notifier config (YAML); poll.regions, poll.assumeRole and state: are used')
    .requiredOption('--since <duration>', 'how far back, e.g. 12h, 7d, 90d (at most 90d, GuardDuty retention)', durationArg)
    .option('--dry-run', 'decide and render, print what would be sent; record, send and move no cursor (may run beside `run`)')
    .option('--respond', 'block attacker addresses as `run` does (respond:); without it a backfill blocks nothing: old findings should not block by surprise')
    .option('--region <region...>', 'only these regions (default: poll.regions, or the SDK region)')
    .addOption(
      new Option('--drain-timeout <duration>', 'how long to keep delivering after the walk; what is left stays queued for `run`')
        .argParser(durationArg)
        .default(300_000, '5m'),
    )
    .option('--json', 'print the summary as JSON')
    .addOption(new Option('--log-format <format>', 'log lines on stderr: text or json').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      [
        '',
        'Progress: a bar when stderr is a terminal, plain "backfill: NN%" lines otherwise.',
        'Exit status: 0 all regions walked and everything delivered; 1 a region failed or messages failed; 2 usage/config.',
        'Examples:',
        '  guardduty-notifier backfill -c notifier.yaml --since 7d --dry-run',
        '  guardduty-notifier backfill -c notifier.yaml --since 24h --region us-east-1 eu-west-1',
      ].join('\n'),
    )
    .action(
      async (opts: { config: string; since: number; dryRun?: boolean; respond?: boolean; region?: string[]; drainTimeout: number; json?: boolean; logFormat: 'text' | 'json' }) => {
        const config = await loadConfigOrExit(opts.config);
        const logger = cliLogger(opts);
        const { backfillCommand } = await import('../daemon/commands.js');
        await exitWithStatus(() =>
          backfillCommand({
            config,
            logger,
            sinceMs: opts.since,
            dryRun: opts.dryRun,
            respond: opts.respond,
            regions: opts.region,
            drainTimeoutMs: opts.drainTimeout,
            json: opts.json,
          }),
        );
      },
    );
}
