import type { Command } from 'commander';
import type { BlockActionDeps } from '../actions/blocks.js';
import type { Config } from '../config/schema.js';
import { safeForTerminal } from '../core/terminal-text.js';
import { formatBlockJson, formatBlockTable, formatNothingToSync, formatPruned, formatTargetOutcomes } from '../actions/blocks-report.js';
import { deliverQueued } from '../daemon/deliver-queued.js';
import { openStore } from '../pipeline/open-store.js';
import type { ConvergeReport } from '../pipeline/responder.js';
import type { BlockRecord } from '../respond/block-record.js';
import type { TargetOutcome } from '../respond/targets/converge.js';
import { enforcementOf, readTargetHeld } from '../state/block-status.js';
import type { Store } from '../state/store.js';
import { BY_HELP_DEFAULT, cliLogger, defaultActor, durationArg, EXIT, exitWith, loadConfigOrExit, logFormatOption, CliExit } from './cli-options.js';

/**
 * `block list|add|remove|prune|sync`, registered on the CLI's program: flags, help and printing; the bodies are
 * src/actions/blocks.ts (the same code the Slack "Block IP" menu calls) and the runtime's responder
 * (src/pipeline/responder.ts). Every command takes `--config`. Exit status: 0 done; 1 refused, not found, a target
 * could not be written (the row is stored: the next sync tries again) or an announcement could not be delivered (it
 * stays in the outbox); 2 usage or configuration error.
 *
 * `add`, `remove`, `prune` and `sync` queue their announcements (and a target's alert) in the outbox, the pipeline's
 * way, then deliver them before they return — unless a daemon holds the SQLite state file: it sends them itself.
 */

/** How long a block command keeps delivering its announcements; what is left stays in the outbox. */
const DELIVER_TIMEOUT_MS = 60_000;

interface Opened {
  config: Config & { respond: NonNullable<Config['respond']> };
  store: Store;
  deps: BlockActionDeps;
  /** src/actions/blocks.ts, loaded with the command (it reaches zod through respond/: ~55 ms no other command should pay). */
  blocks: typeof import('../actions/blocks.js');
  converge(options?: { dryRun?: boolean }): Promise<ConvergeReport>;
  sync(prune: boolean): Promise<ConvergeReport & { pruned: readonly BlockRecord[] }>;
  /** Delivers what is queued in the outbox now (the command's announcements first of all); the exit status. */
  deliver(): Promise<number>;
}

/** Opens the store and a responder; the sinks are built only to deliver what a command queued (`deliver`). */
async function open(configPath: string, command: string, logFormat: 'text' | 'json'): Promise<Opened> {
  const config = await loadConfigOrExit(configPath);
  const respond = config.respond;
  if (!respond) exitWith(`block ${command}: ${configPath} has no respond: section (see docs/blocking.md)`, EXIT.usage);
  // Loaded here, not at start-up: every other command (render, --help) would load them (and zod) for nothing.
  const [blocks, { blockActionDeps }, { createResponder }] = await Promise.all([
    import('../actions/blocks.js'),
    import('../pipeline/block-actions.js'),
    import('../pipeline/responder.js'),
  ]);
  const store = await openStore(config);
  const logger = cliLogger({ logFormat });
  const responder = createResponder({ config: { ...config, respond }, store, logger });
  const deps = blockActionDeps({ store, responder, config });
  if (!deps) throw new Error('respond is configured but no responder was built');
  return {
    config: { ...config, respond },
    store,
    deps,
    blocks,
    converge: (options) => responder.converge(options?.dryRun ? { dryRun: true } : {}),
    sync: (prune) => responder.sync({ prune }),
    deliver: async () =>
      (await deliverQueued({ config, store, logger, command: 'block', timeoutMs: DELIVER_TIMEOUT_MS, print, warn: (line) => process.stderr.write(`${line}\n`) }))
        ? EXIT.ok
        : EXIT.failed,
  };
}

async function withOpened(opts: { config: string; logFormat?: 'text' | 'json' }, command: string, body: (opened: Opened) => Promise<number>): Promise<void> {
  const opened = await open(opts.config, command, opts.logFormat ?? 'text');
  let status: number;
  try {
    status = await body(opened);
  } finally {
    await opened.store.close();
  }
  if (status !== EXIT.ok) throw new CliExit(status);
}

function print(line: string): void {
  process.stdout.write(`${safeForTerminal(line)}\n`);
}

/** Prints one line per target; true when every target was read (and written) fine. */
function printOutcomes(outcomes: readonly TargetOutcome[], dryRun: boolean): boolean {
  const { lines, ok } = formatTargetOutcomes(outcomes, dryRun);
  for (const line of lines) print(line);
  return ok;
}

/**
 * @example
 * const program = new Command('guardduty-notifier');
 * registerBlockCommands(program);
 * await program.parseAsync(['node', 'gdn', 'block', 'list', '--config', 'notifier.yaml']);
 */
export function registerBlockCommands(program: Command): void {
  const block = program
    .command('block')
    .description('Blocks of attacker addresses in Network Firewall / WAF (respond:): list, add, remove, prune, sync.');

  block
    .command('list')
    .description('List blocks: IP, target, since, until, finding, rule, state (standing and ended; an active one enforced or pending).')
    .requiredOption('-c, --config <file>', 'notifier config (YAML) with a respond: section')
    .addOption(logFormatOption())
    .option('--target <name>', 'only this target')
    .option('--json', 'print as JSON')
    .action(async (opts: { config: string; target?: string; json?: boolean }) => {
      await withOpened(opts, 'list', async ({ deps, blocks, store }) => {
        const rows = await blocks.listBlocks(deps, opts.target === undefined ? {} : { target: opts.target });
        // Enforced (the target holds it) or pending (stored, not yet written), from what the last converges recorded.
        const held = await readTargetHeld(store, rows.map((r) => r.target));
        const enforcement = (r: BlockRecord) => (r.until > Date.now() ? enforcementOf(r, held.get(r.target) ?? { heldAt: 0 }) : undefined);
        if (opts.json) {
          process.stdout.write(formatBlockJson(rows, enforcement));
          return EXIT.ok;
        }
        process.stdout.write(formatBlockTable(rows, enforcement));
        return EXIT.ok;
      });
    });

  block
    .command('add')
    .description('Block an address (same safety rules as the pipeline: never-block ranges, allow list, caps; there is no --force).')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .requiredOption('-c, --config <file>', 'notifier config (YAML) with a respond: section')
    .addOption(logFormatOption())
    .option('--target <name>', 'the respond target (default: every target)')
    .requiredOption('--for <duration>', 'how long, e.g. 24h (at most 7d)', durationArg)
    .requiredOption('--reason <text>', 'why (kept with the block, shown in block list --json)')
    .option('--by <who>', `who asks (${BY_HELP_DEFAULT})`)
    .option('--finding <id>', 'the finding the block is for: announced where it was (on slack-api in its thread), kept in the row')
    .addHelpText('after', '\nExample:\n  guardduty-notifier block add 185.220.101.1 --target edge --for 24h --reason "SSH brute force on bastion" -c notifier.yaml')
    .action(async (ip: string, opts: { config: string; target?: string; for: number; reason: string; by?: string; finding?: string; logFormat: 'text' | 'json' }) => {
      await withOpened(opts, 'add', async ({ deps, blocks, deliver }) => {
        const outcome = await blocks.addBlock(deps, {
          ip,
          ...(opts.target !== undefined ? { target: opts.target } : {}),
          forMs: opts.for,
          reason: opts.reason,
          actor: opts.by ?? defaultActor(),
          ...(opts.finding !== undefined ? { findingId: opts.finding } : {}),
        });
        for (const line of outcome.lines) print(line);
        if (outcome.refusal?.reason === 'unknown-target' || outcome.refusal?.reason === 'invalid-duration') return EXIT.usage;
        if (!outcome.blocked) {
          // A refusal at a cap, or a block stored but not written, is news (announced); other refusals are only printed.
          if (outcome.converge) printOutcomes(outcome.converge.outcomes, false);
          if (outcome.announced > 0) await deliver();
          return EXIT.failed;
        }
        const written = outcome.converge ? printOutcomes(outcome.converge.outcomes, false) : true;
        if (outcome.dryRun) print('respond.mode is dry-run: recorded, not written to any target.');
        const delivered = await deliver();
        return written ? delivered : EXIT.failed;
      });
    });

  block
    .command('remove')
    .description('Unblock an address now (in one target, or every target that blocks it).')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .requiredOption('-c, --config <file>', 'notifier config (YAML) with a respond: section')
    .addOption(logFormatOption())
    .option('--target <name>', 'only this target')
    .option('--by <who>', `who asks (${BY_HELP_DEFAULT})`)
    .action(async (ip: string, opts: { config: string; target?: string; by?: string; logFormat: 'text' | 'json' }) => {
      await withOpened(opts, 'remove', async ({ deps, blocks, deliver }) => {
        const outcome = await blocks.removeBlock(deps, { ip, ...(opts.target !== undefined ? { target: opts.target } : {}), actor: opts.by ?? defaultActor() });
        for (const line of outcome.lines) print(line);
        if (outcome.removed.length === 0) return EXIT.failed;
        const written = outcome.converge ? printOutcomes(outcome.converge.outcomes, false) : true;
        const delivered = await deliver();
        return written ? delivered : EXIT.failed;
      });
    });

  block
    .command('prune')
    .description('End the blocks whose time is up and converge every target now (the Lambda and the daemon do this every 5 min).')
    .requiredOption('-c, --config <file>', 'notifier config (YAML) with a respond: section')
    .addOption(logFormatOption())
    .action(async (opts: { config: string }) => {
      await withOpened(opts, 'prune', async ({ sync, deliver }) => {
        const report = await sync(true);
        for (const line of formatPruned(report.pruned)) print(line);
        const written = printOutcomes(report.outcomes, report.dryRun);
        const delivered = await deliver();
        return written ? delivered : EXIT.failed;
      });
    });

  block
    .command('sync')
    .description('Converge every target to the blocks in force now, without pruning (after a hand edit, a failed write).')
    .requiredOption('-c, --config <file>', 'notifier config (YAML) with a respond: section')
    .addOption(logFormatOption())
    .option('--dry-run', 'read and compare only: say what would change, write nothing')
    .action(async (opts: { config: string; dryRun?: boolean }) => {
      await withOpened(opts, 'sync', async ({ converge, deliver }) => {
        const report = await converge({ dryRun: opts.dryRun === true });
        const written = printOutcomes(report.outcomes, report.dryRun);
        const nothing = formatNothingToSync(report.outcomes);
        if (nothing !== undefined) print(nothing);
        // A target that cannot be written alerts (queued by the converge): delivered now, like the Lambda would.
        const delivered = opts.dryRun === true ? EXIT.ok : await deliver();
        return written ? delivered : EXIT.failed;
      });
    });
}
