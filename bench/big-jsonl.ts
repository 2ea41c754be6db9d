import { spawn } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSampleFindings, MAX_SAMPLE_COUNT } from '../src/sources/samples.js';

/**
 * JSON Lines of any size (issue 20 item 8): a 300,000-finding export, written as JSON Lines in a temp dir, through the
 * real CLI (the built `dist/`): `render` (every payload printed, to /dev/null) and `replay --dry-run --json` (decided
 * and rendered in batches, nothing recorded). Printed: the file's size, findings/s and peak RSS (max RSS of the
 * process), next to the same for a 30,000-finding file: memory that stays flat as the input grows tenfold is the
 * point. Before this, an input over 256 MiB was refused ("split it").
 *
 * Findings are GuardDuty sample findings (bare, camelCase, unique ids): ~1.5–2.5 KB each as one JSON line.
 * `GDN_BENCH_BIG_COUNT` changes the count (default 300,000); `GDN_BENCH_BIN` measures another build.
 */

const BIN = process.env.GDN_BENCH_BIN ?? fileURLToPath(new URL('../bin/guardduty-notifier.js', import.meta.url));
const BIG = Number(process.env.GDN_BENCH_BIG_COUNT ?? 300_000);

const PEAK_RSS_PRELOAD = `
import { writeSync } from 'node:fs';
process.on('exit', () => { try { writeSync(2, '\\nGDN_BENCH_MAX_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'); } catch {} });
`;

const CONFIG = `
destinations:
  - { name: sec, type: stdout }
  - { name: ops, type: stdout }
routes:
  - { match: { minSeverity: 7 }, to: [sec], continue: true }
  - { match: {}, to: [ops] }
state: { sqlite: STATE }
`;

interface Run {
  ms: number;
  maxRssMb: number;
  code: number | null;
  stderr: string;
}

function run(args: string[], dir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', join(dir, 'peak-rss.mjs'), ...args], { stdio: ['ignore', devNull, 'pipe'] });
    closeSync(devNull);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 100_000) stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_200_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const kb = Number(/GDN_BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ ms, maxRssMb: kb / 1024, code, stderr: stderr.replace(/\n?GDN_BENCH_MAX_RSS_KB=\d+\n?/, '') });
    });
  });
}

/** `count` sample findings as JSON Lines, written as they are made (the generator never holds the file). */
async function writeFindings(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  const now = Date.parse('2026-11-20T12:00:00Z');
  let written = 0;
  for (let seed = 1; written < count; seed++) {
    const batch = generateSampleFindings({ count: Math.min(MAX_SAMPLE_COUNT, count - written), now, seed });
    let chunk = '';
    for (const event of batch) chunk += `${JSON.stringify(event.detail)}\n`;
    written += batch.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const MIB = 1024 * 1024;

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gdn-big-jsonl-'));
  try {
    writeFileSync(join(dir, 'peak-rss.mjs'), PEAK_RSS_PRELOAD);
    const small = Math.max(1, Math.round(BIG / 10));
    const files = { small: join(dir, 'small.jsonl'), big: join(dir, 'big.jsonl') };
    await writeFindings(files.small, small);
    await writeFindings(files.big, BIG);
    console.log(`JSON Lines through the CLI, output to /dev/null (${BIN})`);
    for (const [label, args] of [
      ['render', (file: string) => ['render', '--now', '2026-11-20T12:00:00Z', file]],
      ['replay --dry-run --json', (file: string) => ['replay', '--dry-run', '--json', '-c', join(dir, 'notifier.yaml'), file]],
    ] as const) {
      for (const [count, file] of [
        [small, files.small],
        [BIG, files.big],
      ] as const) {
        writeFileSync(join(dir, 'notifier.yaml'), CONFIG.replace('STATE', join(dir, `state-${count}.db`)));
        const r = await run([BIN, ...args(file)], dir);
        const size = statSync(file).size / MIB;
        const status = r.code === 0 ? '' : ` (exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? ''})`;
        console.log(
          `${label.padEnd(24)} ${fmt(count).padStart(8)} findings, ${fmt(size).padStart(4)} MiB: ${fmt(r.ms).padStart(7)} ms, ` +
            `${fmt(count / (r.ms / 1000)).padStart(6)} findings/s, peak RSS ${fmt(r.maxRssMb)} MB${status}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run on its own: `node --import tsx bench/big-jsonl.ts`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
