import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSampleFindings, MAX_SAMPLE_COUNT } from '../src/sources/samples.js';

/**
 * `guardduty-notifier render` through the real CLI (a process of its own, the built `dist/`), side by side with its
 * floor: a node process that reads the same JSON Lines file, `JSON.parse`s every line and `JSON.stringify`s a
 * title-and-description message per finding. Both write to /dev/null. Printed: findings/s at the margin (the time of
 * 10,000 findings minus the time of 1, so process start-up is left out), the time as a multiple of the floor's, and
 * time and peak memory (max RSS) for 100,000 findings. Targets (issue 11 item 2): ≥ 20,000/s and ≤ 3× the floor.
 *
 * Findings are GuardDuty sample findings (56 types, ~2.3 KB each as one JSON line, 100,000 ≈ 235 MB: under the 256 MiB
 * input cap). `GDN_BENCH_BIN=/path/to/bin/guardduty-notifier.js` measures another build (e.g. before a change).
 */

const BIN = process.env.GDN_BENCH_BIN ?? fileURLToPath(new URL('../bin/guardduty-notifier.js', import.meta.url));

const FLOOR_SCRIPT = `
const { readFileSync, writeSync } = require('node:fs');
const lines = readFileSync(process.argv[2], 'utf8').split('\\n');
let out = '[';
for (const line of lines) {
  if (line.trim() === '') continue;
  const d = JSON.parse(line);
  out += (out.length > 1 ? ',' : '') + JSON.stringify({ title: d.title, description: d.description });
  if (out.length > 1 << 20) { writeSync(1, out); out = ''; }
}
writeSync(1, out + ']\\n');
`;

/** Loaded before the measured program: reports its peak resident memory when it exits. */
const PEAK_RSS_PRELOAD = `
import { writeSync } from 'node:fs';
process.on('exit', () => { try { writeSync(2, '\\nGDN_BENCH_MAX_RSS_KB=' + process.resourceUsage().maxRSS + '\\n'); } catch {} });
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
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const kb = Number(/GDN_BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? NaN);
      resolve({ ms, maxRssMb: kb / 1024, code, stderr: stderr.replace(/\n?GDN_BENCH_MAX_RSS_KB=\d+\n?/, '') });
    });
  });
}

/** `count` small findings (~130 B: id, type, severity, account, region, title), the shape of the measurement. */
function writeSmallFindings(path: string, count: number): void {
  let text = '';
  for (let i = 0; i < count; i++) {
    text += `{"id":"${i.toString(16).padStart(32, '0')}","type":"Recon:EC2/PortProbeUnprotectedPort","severity":2,"accountId":"123456789012","region":"us-east-1","title":"Unprotected port on EC2 instance i-${i} is being probed."}\n`;
  }
  writeFileSync(path, text);
}

/** `count` sample findings (bare GuardDuty findings, unique ids) as JSON Lines. */
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

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gdn-cli-render-'));
  try {
    writeFileSync(join(dir, 'peak-rss.mjs'), PEAK_RSS_PRELOAD);
    writeFileSync(join(dir, 'floor.cjs'), FLOOR_SCRIPT);
    const files = { one: join(dir, '1.jsonl'), small: join(dir, '10k.jsonl'), big: join(dir, '100k.jsonl') };
    await writeFindings(files.one, 1);
    await writeFindings(files.small, 10_000);
    await writeFindings(files.big, 100_000);
    const tiny = { small: join(dir, 'tiny-10k.jsonl'), big: join(dir, 'tiny-100k.jsonl') };
    writeSmallFindings(tiny.small, 10_000);
    writeSmallFindings(tiny.big, 100_000);

    const cli = (file: string) => run([BIN, 'render', '--now', '2026-11-20T12:00:00Z', file], dir);
    const floor = (file: string) => run([join(dir, 'floor.cjs'), file], dir);
    // Warm the file cache and the module cache once, unmeasured.
    await cli(files.one);
    await floor(files.small);

    const best = async (f: () => Promise<Run>, times: number): Promise<Run> => {
      let bestRun: Run | undefined;
      for (let i = 0; i < times; i++) {
        const r = await f();
        if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.slice(0, 500)}`);
        if (bestRun === undefined || r.ms < bestRun.ms) bestRun = r;
      }
      return bestRun as Run;
    };
    const cliOne = await best(() => cli(files.one), 3);
    const floorOne = await best(() => floor(files.one), 3);
    const marginal = (n: Run, one: Run) => (10_000 - 1) / ((n.ms - one.ms) / 1000);
    console.log(`CLI render vs floor (JSON.parse + JSON.stringify of title/description), same run, output to /dev/null;`);
    console.log(`start-up (1 finding): CLI ${fmt(cliOne.ms)} ms, floor ${fmt(floorOne.ms)} ms. Targets: ≥ 20,000 findings/s, ≤ 3× the floor.`);
    for (const [label, set, size] of [
      ['sample findings (~2.3 KB each)', files, '235 MB'],
      ['small findings (~150 B each, as in the issue)', tiny, '15 MB'],
    ] as const) {
      const cliSmall = await best(() => cli(set.small), 3);
      const floorSmall = await best(() => floor(set.small), 3);
      const cliBig = await best(() => cli(set.big), 1);
      const floorBig = await best(() => floor(set.big), 1);
      console.log(`${label}:`);
      console.log(
        `  10,000: CLI ${fmt(cliSmall.ms)} ms, floor ${fmt(floorSmall.ms)} ms → ${(cliSmall.ms / floorSmall.ms).toFixed(1)}× the floor ` +
          `(${((cliSmall.ms - cliOne.ms) / (floorSmall.ms - floorOne.ms)).toFixed(1)}× without start-up); ` +
          `marginal CLI ${fmt(marginal(cliSmall, cliOne))}/s, floor ${fmt(marginal(floorSmall, floorOne))}/s`,
      );
      console.log(
        `  100,000 (${size}): CLI ${fmt(cliBig.ms)} ms (${fmt(100_000 / (cliBig.ms / 1000))}/s), peak RSS ${fmt(cliBig.maxRssMb)} MB; ` +
          `floor ${fmt(floorBig.ms)} ms, peak RSS ${fmt(floorBig.maxRssMb)} MB → ${(cliBig.ms / floorBig.ms).toFixed(1)}× the floor`,
      );
    }
    console.log(`  (CLI: ${BIN})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run on its own: `node --import tsx bench/cli-render.ts`.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
