import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command, CommanderError } from 'commander';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerDaemonCommands } from '../../src/entry/daemon-commands.js';
import { tempDir } from './helpers.js';

function program(): { program: Command; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const p = new Command('guardduty-notifier');
  // As the CLI's main() does: errors become exceptions (set before the subcommands exist, so they inherit it).
  p.exitOverride();
  p.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerDaemonCommands(p);
  return { program: p, out, err };
}

async function parse(p: Command, args: string[]): Promise<CommanderError> {
  try {
    await p.parseAsync(['node', 'guardduty-notifier', ...args]);
  } catch (error) {
    if (error instanceof CommanderError) return error;
    throw error;
  }
  throw new Error('expected the command to exit');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('registerDaemonCommands', () => {
  it.each([
    ['run', ['--config', '--listen', '--no-listen', '--once', '--drain-timeout', '--log-format', 'poll:', 'interval', 'overlap', 'includeArchived', 'assumeRole', 'listen:', 'state:']],
    ['backfill', ['--config', '--since', '--dry-run', '--region', '--drain-timeout', '--json', '--log-format', 'at most 90d', 'Exit status']],
  ])('documents every option of `%s` in --help', async (command, expected) => {
    const { program: p, out } = program();
    const exit = await parse(p, [command, '--help']);
    expect(exit.exitCode).toBe(0);
    const help = out.join('');
    for (const text of expected) expect(help).toContain(text);
    // Every option line has a description.
    const optionLines = help.split('\n').filter((l) => /^\s+-/.test(l));
    expect(optionLines.length).toBeGreaterThan(4);
    for (const line of optionLines) expect(line.trim()).toMatch(/^\S.*\s{2,}\S/);
  });

  it('rejects a malformed --since and --listen before doing anything', async () => {
    const { program: p, err } = program();
    const exit = await parse(p, ['backfill', '--config', 'x.yaml', '--since', 'a week']);
    expect(exit.exitCode).toBe(1);
    expect(err.join('')).toContain('expected a duration like 90s, 10m, 12h or 7d');
    const second = program();
    await parse(second.program, ['run', '--config', 'x.yaml', '--listen', 'nope']);
    expect(second.err.join('')).toContain('expected host:port');
  });

  it('prints every config problem and exits 2 on an invalid config', async () => {
    const dir = tempDir('gdn-cmd-');
    try {
      const path = join(dir.path, 'notifier.yaml');
      writeFileSync(path, 'destinations: []\npoll: { interval: soon }\n');
      const stderr: string[] = [];
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stderr.push(String(chunk));
        return true;
      });
      const { program: p } = program();
      const exit = await parse(p, ['run', '--config', path]);
      expect(exit.exitCode).toBe(2);
      expect(exit.code).toMatch(/^commander\./);
      const text = stderr.join('');
      expect(text).toContain(`${path}: destinations`);
      expect(text).toContain(`${path}: poll.interval: expected a duration`);
    } finally {
      dir.remove();
    }
  });
});
