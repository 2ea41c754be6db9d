import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

/**
 * Lambda bundle size and cold import time of dist/lambda/index.mjs. The import is timed in fresh Node processes
 * (a cold start's module loading, without the runtime's own init), median of several runs.
 * Targets (issue A1): ≤ 300 KB with the AWS SDK left to the runtime; import ≤ 150 ms.
 */
export async function main(): Promise<void> {
  const bundle = 'dist/lambda/index.mjs';
  if (!existsSync(bundle)) {
    const built = spawnSync(process.execPath, ['scripts/build-lambda.mjs'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('could not build the Lambda bundle');
  }
  // What a cold start loads: the entry and the chunks it imports statically (lazily imported chunks, like the
  // Slack Web API client, load only when a config needs them).
  const eager = new Set<string>();
  const visit = (file: string) => {
    if (eager.has(file)) return;
    eager.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import(?:[^"'()]*?from)?\s*"(\.\/[^"]+\.mjs|\.\/chunks\/[^"]+\.mjs)"/g)) {
      visit(join(dirname(file), m[1] as string));
    }
  };
  visit(bundle);
  const all = readdirSync('dist/lambda/chunks').filter((f) => f.endsWith('.mjs')).map((f) => join('dist/lambda/chunks', f));
  const size = (files: Iterable<string>) => [...files].reduce((n, f) => n + statSync(f).size, 0);
  const bytes = statSync(bundle).size;
  const eagerBytes = size(eager);
  const totalBytes = bytes + size(all);
  const gz = gzipSync(Buffer.concat([...eager].map((f) => readFileSync(f)))).length;
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const out = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const t=performance.now(); await import(${JSON.stringify(new URL(`../${bundle}`, import.meta.url).href)}); console.log(performance.now()-t)`],
      { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_DEV: 'false' } },
    );
    if (out.status !== 0) throw new Error(`import failed: ${out.stderr}`);
    runs.push(Number(out.stdout.trim()));
  }
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)] ?? NaN;
  console.log(
    `lambda bundle: index.mjs ${(bytes / 1024).toFixed(1)} KB; loaded at cold start ${(eagerBytes / 1024).toFixed(1)} KB ` +
      `(${(gz / 1024).toFixed(1)} KB gzipped, ${eager.size} files); with every lazy chunk ${(totalBytes / 1024).toFixed(1)} KB; ` +
      `AWS SDK v3 external (target ≤ 300 KB)`,
  );
  console.log(`lambda cold import: median ${median.toFixed(1)} ms over ${runs.length} fresh processes (min ${runs[0]?.toFixed(1)} ms, max ${runs.at(-1)?.toFixed(1)} ms; target ≤ 150 ms)`);
}
