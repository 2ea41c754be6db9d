import type { Command } from 'commander';
import { CliExit, EXIT } from './cli-options.js';

/**
 * `guardduty-notifier doctor --config FILE`: one line per check, ✔ or ✘ with what to do (src/doctor/doctor.ts).
 * Exit status: 0 every check passed, 1 one did not. It posts nothing and changes nothing.
 */

/**
 * @example
 * registerDoctorCommand(program);
 * await program.parseAsync(['node', 'gdn', 'doctor', '--config', 'notifier.yaml']);
 */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check everything a real run needs — config, state, secrets, each destination, AWS, respond targets — without posting or changing anything.')
    .requiredOption('-c, --config <file>', 'notifier config (YAML)')
    .addHelpText('after', '\nExample:\n  SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… guardduty-notifier doctor -c notifier.yaml')
    .action(async (opts: { config: string }) => {
      // Loaded with the command: the AWS and Slack clients the checks use are imported by each check on first use.
      const [{ runDoctor }, { formatCheck }, { loadConfigFile }] = await Promise.all([
        import('../doctor/doctor.js'),
        import('../doctor/check-result.js'),
        import('../config/load.js'),
      ]);
      const ok = await runDoctor(opts.config, {
        env: process.env,
        loadConfig: loadConfigFile,
        onResult: (result) => process.stdout.write(`${formatCheck(result)}\n`),
      });
      if (!ok) throw new CliExit(EXIT.failed);
    });
}
