import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The demo page draws Slack's `:emoji:` codes itself (demo.js: DRAWN by demo.css, EMOJI as characters); a code it
 * does not know is shown raw, as `:no_entry_sign:` once was on a refused click. Every code our messages use must be
 * one it knows.
 */

const SRC = join(process.cwd(), 'src');
const PAGE_SCRIPT = readFileSync(join(SRC, 'demo', 'page', 'demo.js'), 'utf8');
/** Text between colons in our sources that is not an emoji: SQLite's in-memory path, the service in an ARN. */
const NOT_EMOJI = new Set(['memory', 'guardduty']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'page' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function emojiTheSourcesUse(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of sourceFiles(SRC)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\*|\/\/|\/\*)/.test(line)) continue; // comments name codes as examples (`:name:`)
      // In a string: right after its opening quote, or after a space, and followed by a space or its closing quote.
      for (const match of line.matchAll(/(?<=['"`\s]):([a-z0-9_+-]+):(?=[\s'"`])/g)) {
        const code = match[1] as string;
        if (!NOT_EMOJI.has(code)) used.set(code, file.slice(SRC.length + 1));
      }
    }
  }
  return used;
}

function emojiThePageKnows(): Set<string> {
  const drawn = /const DRAWN = new Set\(\[([^\]]*)\]\)/.exec(PAGE_SCRIPT)?.[1] ?? '';
  const mapped = /const EMOJI = \{([^}]*)\}/.exec(PAGE_SCRIPT)?.[1] ?? '';
  return new Set([...[...drawn.matchAll(/'([a-z0-9_+-]+)'/g)].map((m) => m[1] as string), ...[...mapped.matchAll(/([a-z0-9_+-]+):/g)].map((m) => m[1] as string)]);
}

describe('the demo page draws every emoji our messages use', () => {
  it('knows each :code: in the sources (refusals, outcomes, bands, digests, notices)', () => {
    const known = emojiThePageKnows();
    const used = emojiTheSourcesUse();
    expect(known.size).toBeGreaterThan(10);
    expect(used.get('no_entry_sign')).toBeDefined();
    expect([...used].filter(([code]) => !known.has(code)).map(([code, file]) => `:${code}: (${file})`)).toEqual([]);
  });
});
