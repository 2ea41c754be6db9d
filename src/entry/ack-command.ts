import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { acknowledgeFindings, type AcknowledgeResult } from '../actions/acknowledge.js';
import { safeForTerminal } from '../core/terminal-text.js';
import { openStore } from '../pipeline/open-store.js';
import { CliExit, EXIT, loadConfigOrExit } from './cli-options.js';

/**
 * `guardduty-notifier ack FINDING_ID… --by WHO --config FILE`: acknowledge findings from a script, through the same
 * gate as the Slack button and PagerDuty. Recorded once (a second ack is told who was first); PagerDuty alerts of the
 * finding get `acknowledge` and its chat messages a note, queued in the outbox for the daemon's drain or the Lambda's
 * schedule to deliver; escalations stop at once. Exit 0 when every finding is acknowledged (now or before), 1 when one
 * is unknown to the store.
 */

function line(result: AcknowledgeResult): string {
  const id = safeForTerminal(result.findingId);
  switch (result.result) {
    case 'done':
      return `${id}: acknowledged${result.told.length > 0 ? `; telling ${safeForTerminal(result.told.join(', '))} (queued)` : ''}\n`;
    case 'already':
      return `${id}: already acknowledged by ${safeForTerminal(result.ack.byName ?? result.ack.by)} via ${result.ack.via} at ${new Date(result.ack.at).toISOString()}\n`;
    case 'not-found':
      return `${id}: not found: this state store never notified anyone of it (check the id and --config)\n`;
  }
}

export function registerAckCommand(program: Command): void {
  program
    .command('ack')
    .description('Acknowledge findings: stops their escalation and acknowledges them in PagerDuty and Slack (the Acknowledge button does the same).')
    .argument('<findingIds...>', 'finding ids (as in the message, `status` or `audit`)')
    .requiredOption('-c, --config <file>', 'notifier config (YAML); its state: is written')
    .requiredOption('--by <who>', 'who acknowledges (recorded and shown: "Acknowledged in the command line by WHO")')
    .addHelpText('after', '\nExample:\n  guardduty-notifier ack 9ec5b9a3f4c1e2d3b4a5968778695a4b --by alice --config notifier.yaml')
    .action(async (findingIds: string[], opts: { config: string; by: string }) => {
      const config = await loadConfigOrExit(opts.config);
      const store = await openStore(config);
      let results: AcknowledgeResult[];
      try {
        results = await acknowledgeFindings(
          { config, store },
          { findingIds, by: `cli:${opts.by}`, byName: opts.by, via: 'cli', at: Date.now(), requestId: `cli-${randomUUID()}` },
        );
      } finally {
        await store.close();
      }
      for (const result of results) process.stdout.write(line(result));
      if (results.some((r) => r.result === 'not-found')) throw new CliExit(EXIT.failed);
    });
}
