import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';

/** The README is a contract: the config it shows must be a config the notifier accepts. */
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('configuration shown in the README', () => {
  it('has the full example and the daemon example', () => {
    expect(yamlBlocks.some((b) => b.startsWith('accounts:'))).toBe(true);
    expect(yamlBlocks.some((b) => b.startsWith('poll:'))).toBe(true);
  });

  it.each(yamlBlocks.map((block, i) => [i, block] as const))('accepts README yaml block %i', (_i, block) => {
    // The daemon snippet shows only its own keys; a destination makes it a whole config.
    const text = /^destinations:/m.test(block) ? block : `${block}\ndestinations: [{ name: x, type: stdout }]\n`;
    expect(() => parseConfigText(text, 'README.md')).not.toThrow();
  });

  it('accepts examples/notifier.yaml', async () => {
    const config = await loadConfigFile(fileURLToPath(new URL('../../examples/notifier.yaml', import.meta.url)));
    expect(config.destinations[0]?.type).toBe('slack-webhook');
  });
});
