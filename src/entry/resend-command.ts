import { Option, type Command } from 'commander';
import { requeueForResend, selectForResend, waitForResend, type ResendOutcome } from '../actions/resend.js';
import { formatRefused, formatResendOutcomes, formatResendPlan } from '../actions/resend-report.js';
import { formatDuration } from '../core/duration.js';
import { safeForTerminal } from '../core/terminal-text.js';
import { openStore } from '../pipeline/open-store.js';
import type { Runtime } from '../pipeline/runtime.js';
import type { DaemonLock } from '../daemon/state-lock.js';
import { DaemonLockError } from '../daemon/errors.js';
import { BY_HELP_DEFAULT, cliLogger, defaultActor, durationArg, EXIT, exitOnStartError, exitWith, loadConfigOrExit, logFormatOption, CliExit } from './cli-options.js';

/**
 * `guardduty-notifier resend --config FILE (--failed | ID…) [--dry-run] [--timeout 5m]`: failed messages back in the
 * outbox as due, delivered now (src/actions/resend.ts does the work). Exit status: 0 every resent message went; 1 one
 * failed again, is still queued at --timeout, or an id is not a failed message; 2 usage or configuration error.
 *
 * Who sends: on SQLite state the one holder of the state file's lock (src/daemon/state-lock.ts). Without a daemon
 * this command takes the lock and drains, as `replay` does; with a daemon running it only puts the rows back, and
 * the daemon's drain loop (every 2 s) sends them as any due row while this command waits and reports. On DynamoDB
 * there is no lock: the command drains, each row leased to one drainer, so a concurrent Lambda never doubles one.
 */

/** How often to look at the rows while the daemon sends them. */
const WAIT_POLL_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface ResendOptions {
  config: string;
  failed?: boolean;
  dryRun?: boolean;
  timeout: number;
  by?: string;
  logFormat: 'text' | 'json';
}

/**
 * @example
 * registerResendCommand(program);
 * await program.parseAsync(['node', 'gdn', 'resend', '--config', 'notifier.yaml', '--failed']);
 */
export function registerResendCommand(program: Command): void {
  program
    .command('resend')
    .description('Send failed messages again once their destination is fixed: put them back in the outbox as due and deliver them now.')
    .argument('[ids...]', "outbox ids of failed messages (the first column of `status`'s failed list)")
    .requiredOption('-c, --config <file>', 'notifier config (YAML); its state: holds the outbox')
    .option('--failed', 'every failed message (the newest 1000 per run)')
    .option('--dry-run', 'list what would be resent; change and send nothing')
    .addOption(new Option('--timeout <duration>', 'how long to keep delivering before giving up (undelivered messages stay in the outbox)').argParser(durationArg).default(300_000, '5m'))
    .option('--by <who>', `who resends, for the audit trail (${BY_HELP_DEFAULT})`)
    .addOption(logFormatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  guardduty-notifier status -c notifier.yaml            # failed messages, with their ids\n  guardduty-notifier resend -c notifier.yaml --failed --dry-run\n  guardduty-notifier resend -c notifier.yaml 3f0c9a1d2b4e5f60718293a4b5c6d7e8',
    )
    .action(async (ids: string[], opts: ResendOptions) => {
      if (opts.failed === true && ids.length > 0) exitWith('resend: give either --failed or ids, not both', EXIT.usage);
      if (opts.failed !== true && ids.length === 0) exitWith("resend: say what to resend: --failed (every failed message) or ids from `status`", EXIT.usage);
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config).catch(exitOnStartError);
      let lock: DaemonLock | undefined;
      let runtime: Runtime | undefined;
      let status: number;
      try {
        const selection = await selectForResend(store, opts.failed === true ? { allFailed: true } : { ids });
        for (const line of formatRefused(selection.refused)) process.stderr.write(`${line}\n`);
        const refusedStatus = selection.refused.length > 0 ? EXIT.failed : EXIT.ok;
        if (opts.dryRun === true || selection.rows.length === 0) {
          process.stdout.write(formatResendPlan(selection));
          status = refusedStatus;
        } else {
          // Who sends (see above): this command, or the daemon that holds the SQLite state file.
          let daemon: string | undefined;
          const statePath = 'sqlite' in config.state ? config.state.sqlite : undefined;
          if (statePath !== undefined) {
            const { acquireDaemonLock } = await import('../daemon/state-lock.js');
            try {
              lock = acquireDaemonLock({ statePath, command: 'resend' });
            } catch (error) {
              if (!(error instanceof DaemonLockError) || error.code !== 'lock_held') exitOnStartError(error);
              const owner = error.owner;
              daemon = owner === undefined ? 'the running guardduty-notifier' : `\`${safeForTerminal(owner.command)}\` (pid ${owner.pid} on ${safeForTerminal(owner.host)})`;
            }
          }
          if (daemon === undefined) {
            // Built before anything changes: a secret that cannot be read stops the command with the rows still failed.
            const { createRuntime } = await import('../pipeline/runtime.js');
            runtime = await createRuntime(config, { store, logger: cliLogger(opts) }).catch(exitOnStartError);
          }
          const deadlineMs = Date.now() + opts.timeout;
          const requeued = await requeueForResend(store, selection.rows, { now: Date.now(), by: opts.by ?? defaultActor() });
          let outcomes: ResendOutcome[];
          let othersSent = 0;
          if (runtime !== undefined) {
            const drained = await runtime.pipeline.drain({ deadlineMs });
            // On DynamoDB a Lambda may hold a row's lease: wait for it as for the daemon.
            outcomes = await waitForResend(store, requeued, { deadlineMs, pollMs: WAIT_POLL_MS, now: Date.now, sleep });
            othersSent = Math.max(0, drained.sent - outcomes.filter((o) => o.outcome === 'sent').length);
          } else {
            process.stderr.write(`resend: ${daemon} holds ${safeForTerminal(statePath ?? 'the state file')}: it sends the resent messages at its next drain; waiting up to ${formatDuration(opts.timeout)}.\n`);
            outcomes = await waitForResend(store, requeued, { deadlineMs, pollMs: WAIT_POLL_MS, now: Date.now, sleep });
          }
          if (requeued.length < selection.rows.length) {
            process.stderr.write(`resend: ${selection.rows.length - requeued.length} message(s) changed meanwhile (another resend?) and were left as they are.\n`);
          }
          process.stdout.write(formatResendOutcomes(outcomes, { more: selection.more, now: Date.now() }));
          if (othersSent > 0) process.stdout.write(`The drain also delivered ${othersSent} other queued message(s).\n`);
          const allSent = outcomes.length === selection.rows.length && outcomes.every((o) => o.outcome === 'sent');
          status = allSent ? refusedStatus : EXIT.failed;
        }
      } finally {
        await runtime?.close();
        await store.close();
        lock?.release();
      }
      if (status !== EXIT.ok) throw new CliExit(status);
    });
}
