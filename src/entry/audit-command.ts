import { Option, type Command } from 'commander';
import { formatAudit, formatAuditJson } from '../interact/audit-report.js';
import { openStore } from '../pipeline/open-store.js';
import { DEFAULT_LIST_LIMIT, durationArg, limitArg, loadConfigOrExit } from './cli-options.js';
import { formatDuration } from '../core/duration.js';

/**
 * `guardduty-notifier audit [--since 7d] [--json] --config FILE`: who did what from Slack (and the demo), allowed or
 * refused, newest first, from the store the config names (SQLite file or DynamoDB table). Records are kept 90 days.
 */

const DEFAULT_SINCE_MS = 7 * 86_400_000;

/**
 * @example
 * registerAuditCommand(program);
 * await program.parseAsync(['node', 'gdn', 'audit', '--config', 'notifier.yaml', '--since', '24h']);
 */
export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('Show the actions taken on findings from Slack: who, what, which finding, when, and how it ended (allowed or refused).')
    .requiredOption('-c, --config <file>', 'notifier config (YAML); its state: is read')
    .addOption(new Option('--since <duration>', 'how far back, e.g. 24h, 7d, 90d (records are kept 90 days)').argParser(durationArg).default(DEFAULT_SINCE_MS, formatDuration(DEFAULT_SINCE_MS)))
    .option('-n, --limit <n>', 'at most this many records, newest first', limitArg, DEFAULT_LIST_LIMIT)
    .option('--json', 'print the records as JSON')
    .addHelpText('after', '\nExamples:\n  guardduty-notifier audit -c notifier.yaml\n  guardduty-notifier audit -c notifier.yaml --since 30d --json | jq \'.[] | select(.action == "block")\'')
    .action(async (opts: { config: string; since: number; limit: number; json?: boolean }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      try {
        const since = Date.now() - opts.since;
        const records = await store.listAudit({ since, limit: opts.limit });
        process.stdout.write(opts.json ? formatAuditJson(records) : formatAudit(records, since));
      } finally {
        await store.close();
      }
    });
}
