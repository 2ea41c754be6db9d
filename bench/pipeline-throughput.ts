import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFindingDocument } from '../src/finding/parse.js';
import { routeFinding } from '../src/policy/route.js';
import { renderFindingMessage } from '../src/render/render-message.js';
import { consoleUrlFor } from '../src/enrich/console-url.js';
import { parseConfig } from '../src/config/load.js';

/**
 * Findings per second through parse + route + render on one core (this process, one thread), over the real
 * third-party corpus (../shared/corpus) and the project's own fixtures. Target (issue A1): ≥ 20,000/s.
 */
function loadDocuments(dir: string): unknown[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown);
}

export async function main(): Promise<void> {
  const corpus = loadDocuments(new URL('../../shared/corpus', import.meta.url).pathname);
  const fixtures = loadDocuments(new URL('../test/fixtures/findings', import.meta.url).pathname);
  const documents = [...corpus, ...fixtures];
  const config = parseConfig(
    {
      destinations: [{ name: 'sec', type: 'stdout' }, { name: 'ops', type: 'stdout' }],
      routes: [
        { match: { minSeverity: 7, types: ['CryptoCurrency:*', 'UnauthorizedAccess:*'] }, to: ['sec'], continue: true },
        { match: { types: ['Recon:*'] }, to: ['ops'] },
      ],
      defaultRoute: { to: ['ops'] },
    },
    'bench',
  );
  const now = Date.now();
  const measure = (docs: unknown[], budgetMs: number) => {
    let n = 0;
    let messages = 0;
    const start = performance.now();
    while (performance.now() - start < budgetMs) {
      for (const doc of docs) {
        for (const finding of parseFindingDocument(doc).findings) {
          for (const target of routeFinding(finding, config)) {
            const link = consoleUrlFor(finding);
            renderFindingMessage(finding, { now, consoleUrl: link?.url, consoleLabel: link?.label, runbookUrl: target.runbookUrl });
            messages += 1;
          }
          n += 1;
        }
      }
    }
    return { perSecond: Math.round((n / (performance.now() - start)) * 1000), messages };
  };
  measure(documents, 500); // warm-up (JIT)
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (corpus.length > 0) {
    const r = measure(corpus, 2_000);
    console.log(`parse + route + render over the corpus: ${fmt(r.perSecond)} findings/s on one core (${corpus.length} third-party documents; target ≥ 20,000/s)`);
  }
  const f = measure(fixtures, 2_000);
  console.log(`  over the project's fixtures: ${fmt(f.perSecond)} findings/s (${fixtures.length} documents, including a 100 KB hostile description)`);
  const all = measure(documents, 2_000);
  console.log(`  over both: ${fmt(all.perSecond)} findings/s (Slack message + e-mail text + SNS attributes for each routed finding)`);
  if (corpus.length === 0) console.log('note: ../shared/corpus not found, measured on the fixtures only');
}
