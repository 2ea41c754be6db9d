import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../src/pipeline/runtime.js';
import { createSqliteStore } from '../src/state/sqlite-store.js';
import { generateSampleFindings } from '../src/sources/samples.js';
import { benchConfig, createCountingSink } from './support.js';

/**
 * Decisions per second through policy + the SQLite store (a WAL file on disk, not :memory:), one core: batches of
 * 100 findings ingested (parse, route, decide, render, commit ledger + outbox + decision records). Half are new, half
 * re-published duplicates. Target (issue B): ≥ 5,000/s.
 */
export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gdn-bench-'));
  const store = createSqliteStore({ path: join(dir, 'state.db') });
  const config = benchConfig({ destinations: [{ name: 'sec', type: 'stdout' }], digest: { threshold: 1000 } });
  const runtime = await createRuntime(config, { store, sinks: new Map([['sec', createCountingSink('sec')]]) });
  const events = generateSampleFindings({ count: 5_000, now: Date.now(), seed: 9 });
  let decisions = 0;
  const start = performance.now();
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < events.length; i += 100) {
      const result = await runtime.pipeline.ingest(events.slice(i, i + 100));
      decisions += result.decisions.length;
    }
  }
  const ms = performance.now() - start;
  console.log(
    `policy + SQLite store: ${Math.round((decisions / ms) * 1000).toLocaleString('en-US')} decisions/s ` +
      `(${decisions} decisions in batches of 100, half new, half duplicates; target ≥ 5,000/s)`,
  );
  await runtime.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
