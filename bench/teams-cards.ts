import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFindingDocument } from '../src/finding/parse.js';
import type { Finding } from '../src/finding/finding.js';
import { prepareFinding } from '../src/render/finding-facts.js';
import { slackMessageOf } from '../src/render/slack-blocks.js';
import { teamsCardOf } from '../src/render/teams-card.js';
import { postBytes } from '../src/render/teams-text.js';

/**
 * Teams cards rendered per second beside Slack messages per second, on the same findings (every fixture and every
 * third-party corpus document), one core: prepare (the neutral facts) + the format's renderer. Also the cards' sizes.
 */
const dirs = [
  new URL('../test/fixtures/findings/', import.meta.url).pathname,
  new URL('../../shared/corpus/', import.meta.url).pathname,
  new URL('../../shared/corpus/2026/', import.meta.url).pathname,
  new URL('../../shared/corpus/2026b/', import.meta.url).pathname,
];

function findings(): Finding[] {
  const out: Finding[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'expect.json')) {
      try {
        out.push(...parseFindingDocument(JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown, '$').findings);
      } catch {
        // Not JSON: not a finding document.
      }
    }
  }
  return out;
}

function perSecond(list: readonly Finding[], render: (finding: Finding) => unknown): number {
  for (const finding of list) render(finding); // warm-up
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < 2_000) {
    for (const finding of list) render(finding);
    done += list.length;
  }
  return done / ((performance.now() - started) / 1000);
}

export async function main(): Promise<void> {
  const list = findings();
  const ctx = { now: Date.parse('2026-12-08T04:00:00Z'), consoleUrl: 'https://us-east-1.console.aws.amazon.com/guardduty/home#/findings?fId=x' };
  const slack = perSecond(list, (f) => slackMessageOf(prepareFinding(f, ctx)));
  const teams = perSecond(list, (f) => teamsCardOf(prepareFinding(f, ctx)));
  const sizes = list.map((f) => postBytes(teamsCardOf(prepareFinding(f, ctx)))).sort((a, b) => a - b);
  console.log(`${list.length} findings (fixtures + corpus): Slack messages ${Math.round(slack).toLocaleString('en-US')}/s, Teams cards ${Math.round(teams).toLocaleString('en-US')}/s on one core`);
  console.log(`Teams post sizes: median ${sizes[Math.floor(sizes.length / 2)]} bytes, largest ${sizes.at(-1)} bytes (cap 28,000; budget 18,000)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
