import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, Option } from 'commander';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { buildProgram } from '../../src/entry/cli.js';

/**
 * The README and every page of docs/ are a contract: the config they show must be a config the notifier accepts, and
 * every `guardduty-notifier` / `npm` command in their shell blocks must name a real command, real options and values
 * the options accept.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** ```yaml (or ```sh) blocks, also when indented under a list item (the indentation is taken off). */
function yamlBlocks(text: string, language = 'yaml'): string[] {
  return [...text.matchAll(new RegExp(`^( *)\`\`\`${language}\n([\\s\\S]*?)^ *\`\`\``, 'gm'))].map(([, indent = '', body = '']) =>
    body
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n'),
  );
}

const blocks = pages.flatMap((page) => yamlBlocks(readFileSync(`${root}${page}`, 'utf8')).map((block, i) => [page, i, block] as const));

describe('configuration shown in the README and docs/', () => {
  it('has the full example and the daemon example', () => {
    expect(blocks.some(([page, , b]) => page === 'docs/configuration.md' && b.startsWith('accounts:'))).toBe(true);
    expect(blocks.some(([page, , b]) => page === 'docs/daemon.md' && b.startsWith('poll:'))).toBe(true);
  });

  it('finds the docs pages', () => {
    expect(pages).toEqual(expect.arrayContaining(['docs/configuration.md', 'docs/daemon.md', 'docs/blocking.md', 'docs/slack-actions.md']));
  });

  it.each(blocks)('accepts %s yaml block %i', (page, _i, block) => {
    // A snippet shows only its own keys; a destination makes it a whole config.
    const text = /^destinations:/m.test(block) ? block : `${block}\ndestinations: [{ name: x, type: stdout }]\n`;
    expect(() => parseConfigText(text, page)).not.toThrow();
  });

  it('accepts examples/notifier.yaml', async () => {
    const config = await loadConfigFile(`${root}examples/notifier.yaml`);
    expect(config.destinations[0]?.type).toBe('slack-webhook');
  });
});

/** Shell words of one line, quotes honoured; a `#` starting a word begins a comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (ch === '#' && !inWord) {
      break;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Every simple command of a shell block: continuation lines joined, split at `|`, `&&`, `||` and `;`. */
function shellCommands(block: string): string[][] {
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  const commands: string[][] = [];
  for (const line of lines) {
    let current: string[] = [];
    for (const word of shellWords(line)) {
      if (['|', '&&', '||', ';'].includes(word)) {
        commands.push(current);
        current = [];
      } else current.push(word);
    }
    commands.push(current);
  }
  return commands.filter((c) => c.length > 0);
}

const packageJson = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };

/** Why `args` (after `guardduty-notifier`) is not a command line the CLI accepts; undefined when it is. */
function cliProblem(args: readonly string[]): string | undefined {
  let command: Command = buildProgram();
  let i = 0;
  for (; i < args.length; i++) {
    const sub = command.commands.find((c) => c.name() === args[i]);
    if (!sub) break;
    command = sub;
  }
  if (command.parent === null && !['--help', '-h', '--version', '-V'].includes(args[0] ?? '')) return `no such command "${args[0] ?? ''}"`;
  const options = command.options as Option[];
  let positionals = 0;
  for (; i < args.length; i++) {
    const word = args[i] as string;
    if (word === '--help' || word === '-h') continue;
    if (!word.startsWith('-') || word === '-') {
      positionals += 1;
      continue;
    }
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const option = options.find((o) => o.long === flag || o.short === flag);
    if (!option) return `${command.name()}: unknown option ${flag}`;
    if (option.required || option.optional) {
      const value = inline ?? args[++i];
      if (value === undefined && option.required) return `${command.name()}: ${flag} needs a value`;
      if (value !== undefined) {
        if (option.argChoices && !option.argChoices.includes(value)) return `${command.name()}: ${flag} ${value} is not one of ${option.argChoices.join(', ')}`;
        try {
          option.parseArg?.(value, undefined as never);
        } catch (error) {
          return `${command.name()}: ${flag} ${value}: ${(error as Error).message}`;
        }
      }
    }
  }
  const declared = command.registeredArguments;
  const variadic = declared.some((a) => a.variadic);
  if (!variadic && positionals > declared.length) return `${command.name()}: ${positionals} arguments, takes ${declared.length}`;
  for (const option of options) {
    if (option.mandatory && !args.some((a) => a === option.long || a === option.short || a.startsWith(`${option.long}=`))) {
      if (!args.includes('--help')) return `${command.name()}: ${option.long} is required`;
    }
  }
  return undefined;
}

/** Why an npm command is not one this repository has; undefined when it is (or is not ours to check). */
function npmProblem(args: readonly string[]): string | undefined {
  const [verb, script] = args;
  if (verb === 'run') return script !== undefined && Object.hasOwn(packageJson.scripts, script) ? undefined : `no npm script "${script ?? ''}"`;
  if (verb === 'start' || verb === 'test') return Object.hasOwn(packageJson.scripts, verb) ? undefined : `no npm script "${verb}"`;
  return undefined;
}

const shellBlocks = pages.flatMap((page) =>
  yamlBlocks(readFileSync(`${root}${page}`, 'utf8'), 'sh').flatMap((block) => shellCommands(block).map((words) => [page, words.join(' '), words] as const)),
);

describe('commands shown in the README and docs/', () => {
  const ours = shellBlocks.filter(([, , w]) => w[0] === 'guardduty-notifier' || (w[0] === 'npx' && w[1] === 'guardduty-notifier'));

  it('finds the commands of the first real message and of the daemon page', () => {
    expect(ours.some(([page, line]) => page === 'README.md' && line.includes('replay --config examples/notifier.yaml'))).toBe(true);
    expect(shellBlocks.some(([page, line]) => page === 'docs/daemon.md' && line.startsWith('npm install -g'))).toBe(true);
  });

  it.each(ours)('%s: %s is a command line the CLI accepts', (_page, _line, words) => {
    expect(cliProblem(words.slice(words[0] === 'npx' ? 2 : 1))).toBeUndefined();
  });

  it.each(shellBlocks.filter(([, , w]) => w[0] === 'npm' || (w[0] === 'sudo' && w[1] === 'npm')))('%s: %s names a real npm script', (_page, _line, words) => {
    expect(npmProblem(words.slice(words[0] === 'sudo' ? 2 : 1))).toBeUndefined();
  });

  it('catches what it is there to catch', () => {
    expect(cliProblem(['replay', '--config', 'x.yaml', '--nope'])).toBe('replay: unknown option --nope');
    expect(cliProblem(['replai', '--config', 'x.yaml'])).toBe('no such command "replai"');
    expect(cliProblem(['samples', '--count', 'twelve'])).toMatch(/^samples: --count twelve: /);
    expect(cliProblem(['status'])).toBe('status: --config is required');
    expect(npmProblem(['run', 'synthesize'])).toBe('no npm script "synthesize"');
    expect(shellCommands("a \\\n  --b 'c d' | e && f # g")).toEqual([['a', '--b', 'c d'], ['e'], ['f']]);
  });
});
