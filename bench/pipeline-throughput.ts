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
  let findings = 0;
  let messages = 0;
  const run = (budgetMs: number) => {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < budgetMs) {
      for (const doc of documents) {
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
    return { n, ms: performance.now() - start };
  };
  run(300); // warm-up (JIT)
  findings = 0;
  messages = 0;
  const { n, ms } = run(2_000);
  findings = n;
  console.log(
    `parse + route + render: ${Math.round((findings / ms) * 1000).toLocaleString('en-US')} findings/s on one core ` +
      `(${documents.length} documents: ${corpus.length} corpus + ${fixtures.length} fixtures; ${messages} messages rendered; target ≥ 20,000/s)`,
  );
  if (corpus.length === 0) console.log('note: ../shared/corpus not found, measured on the fixtures only');
}
