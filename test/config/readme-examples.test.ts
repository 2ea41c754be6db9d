import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';

/**
 * The README and every page of docs/ are a contract: the config they show must be a config the notifier accepts.
 * (The commands they show are checked in test/entry/doc-commands.test.ts.)
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const pages = ['README.md', ...readdirSync(`${root}docs`).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** ```yaml blocks, also when indented under a list item (the indentation is taken off). */
function yamlBlocks(text: string): string[] {
  return [...text.matchAll(/^( *)```yaml\n([\s\S]*?)^ *```/gm)].map(([, indent = '', body = '']) =>
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
