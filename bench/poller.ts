import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGuardDutyClient } from '../src/sources/guardduty-client.js';
import { createGuardDutyPoller, type CursorStore } from '../src/sources/guardduty-poller.js';
import { createRuntime } from '../src/pipeline/runtime.js';
import { runDaemon } from '../src/daemon/run-daemon.js';
import { silentLogger } from '../src/core/logger.js';
import type { Store } from '../src/state/store.js';
import { createSqliteStore } from '../src/state/sqlite-store.js';
import { DUMMY_CREDENTIALS, startGuardDutyStandin, type GuardDutyStandin } from '../test/support/guardduty-standin.js';
import { benchConfig, createCountingSink } from './support.js';

/**
 * The poller's figures (issue C), printed, never asserted:
 * - GuardDuty API calls per tick with 0, 120 and 1,000 changed findings in one region. Target: max(1, ⌈N/50⌉)
 *   ListFindings pages (nextToken only while ids remain, so no trailing empty page) + ⌈N/50⌉ GetFindings, plus one
 *   ListDetectors when the detector ids are not cached (the first tick).
 * - Wall time of a 1,000-finding tick against the local stand-in: the walk alone, and the walk through the whole
 *   pipeline (parse, route, decide, digest, render, commit; delivery excluded).
 * - RSS of the idle daemon (the real `runDaemon`: listener, metrics, store, drain loop) after 1,000 ticks, in a child
 *   process built with esbuild like the shipped JavaScript (no TypeScript loader in the measurement). Target ≤ 80 MB.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MB = 1024 * 1024;

async function openStore(): Promise<{ store: Store; kind: string }> {
  return { store: createSqliteStore({ path: ':memory:' }), kind: 'SQLite (:memory:)' };
}

function cursors(): CursorStore {
  const values = new Map<string, number>();
  return { getCursor: async (k) => values.get(k), setCursor: async (k, v) => void values.set(k, v) };
}

async function callsPerTick(gd: GuardDutyStandin): Promise<void> {
  const newPoller = (region: string) =>
    createGuardDutyPoller({
      regions: [region],
      overlapMs: 600_000,
      includeArchived: false,
      store: cursors(),
      clientFor: (r) => createGuardDutyClient({ region: r, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS }),
      logger: silentLogger,
      onFindings: async () => {},
    });
  const measure = async (region: string, poller: ReturnType<typeof newPoller>) => {
    const before = gd.countCalls({ region });
    await poller.tick();
    const after = gd.countCalls({ region });
    const ld = after.ListDetectors - before.ListDetectors;
    const lf = after.ListFindings - before.ListFindings;
    const gf = after.GetFindings - before.GetFindings;
    return `${ld} + ${lf} + ${gf} = ${ld + lf + gf}`;
  };
  console.log('GuardDuty API calls per tick, one region, one detector, N findings changed since the last tick');
  console.log('(ListDetectors + ListFindings + GetFindings; target max(1, ⌈N/50⌉) + ⌈N/50⌉, + 1 ListDetectors when not cached):');
  console.log('  N       steady tick (ids cached)   first tick (ids listed)   target steady / first');
  for (const n of [0, 120, 1000]) {
    // Steady state: an earlier tick listed the detectors and set the cursor; then N findings change.
    const steadyRegion = `us-east-1-steady${n}`;
    const steadyDetector = gd.addDetector(steadyRegion);
    const steady = newPoller(steadyRegion);
    await steady.tick();
    gd.seedFindings(steadyRegion, steadyDetector, n, { from: Date.now() - 30_000, stepMs: 1, prefix: `s${n}x` });
    const steadyCalls = await measure(steadyRegion, steady);
    // First tick of a fresh daemon: detector ids not cached yet.
    const firstRegion = `us-east-1-first${n}`;
    gd.seedFindings(firstRegion, gd.addDetector(firstRegion), n, { from: Date.now() - 30_000, stepMs: 1, prefix: `f${n}x` });
    const firstCalls = await measure(firstRegion, newPoller(firstRegion));
    const pages = Math.ceil(n / 50);
    const target = Math.max(1, pages) + pages;
    console.log(`  ${String(n).padEnd(7)} ${steadyCalls.padEnd(26)} ${firstCalls.padEnd(25)} ${target} / ${target + 1}`);
  }
}

async function tickWallTime(gd: GuardDutyStandin): Promise<void> {
  const region = 'us-east-1-wall';
  const detectorId = gd.addDetector(region);
  gd.seedFindings(region, detectorId, 1000, { from: Date.now() - 5 * 60_000, stepMs: 100, prefix: 'wallx' });
  const clientFor = (r: string) => createGuardDutyClient({ region: r, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS });

  const walkOnly = createGuardDutyPoller({
    regions: [region],
    overlapMs: 600_000,
    includeArchived: false,
    store: cursors(),
    clientFor,
    logger: silentLogger,
    onFindings: async () => {},
  });
  await walkOnly.tick(); // warm-up: connections, JIT
  const walks: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const t0 = performance.now();
    await walkOnly.tick();
    walks.push(performance.now() - t0);
  }

  const { store, kind } = await openStore();
  const config = benchConfig({ destinations: [{ name: 'sec', type: 'slack-webhook', url: 'https://hooks.slack.invalid/services/T0/B0/x' }] });
  const runtime = await createRuntime(config, { store, sinks: new Map([['sec', createCountingSink('sec')]]) });
  const full: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const poller = createGuardDutyPoller({
      regions: [region],
      overlapMs: 600_000,
      includeArchived: false,
      store: cursors(),
      clientFor,
      logger: silentLogger,
      onFindings: async (findings) => {
        await runtime.pipeline.ingest([{ Findings: findings }]);
      },
    });
    const t0 = performance.now();
    await poller.tick();
    full.push(performance.now() - t0);
  }
  await runtime.close();
  await store.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(`1,000-finding tick against the stand-in (20 ListFindings + 20 GetFindings):`);
  console.log(`  walk only:            median ${median(walks).toFixed(0)} ms over ${walks.length} ticks`);
  console.log(
    `  walk + pipeline.ingest: first ${full[0]?.toFixed(0)} ms (all new: decisions, digests, commit), ` +
      `then ${full.slice(1).map((x) => x.toFixed(0)).join(' / ')} ms (re-reads, all duplicates); store: ${kind}`,
  );
}

/**
 * The child: the real daemon, idle (no findings): 1,000 ticks 5 ms apart, then 12 s of quiet before tick 1,001 (between
 * real ticks, 60 s apart, V8's memory reducer gets to run), then its memory as JSON on stdout.
 */
async function idleChild(endpoint: string, dir: string): Promise<void> {
  const config = benchConfig({
    destinations: [{ name: 'sec', type: 'slack-webhook', url: 'https://hooks.slack.invalid/services/T0/B0/x' }],
    state: { sqlite: join(dir, 'state.db') },
    poll: { regions: ['us-east-1-idle'], interval: '5ms', listen: '127.0.0.1:0' },
  });
  const samples: Record<string, { rss: number; heapUsed: number }> = {};
  const sample = (key: string) => {
    const m = process.memoryUsage();
    samples[key] = { rss: m.rss, heapUsed: m.heapUsed };
  };
  let ticks = 0;
  await runDaemon({
    config,
    logger: silentLogger,
    runtimeOptions: { sinks: new Map([['sec', createCountingSink('sec')]]) },
    clientOptions: { endpoint, credentials: DUMMY_CREDENTIALS },
    maxTicks: 1001,
    shutdownDrainMs: 100,
    onTick: (_results, tick) => {
      ticks = tick;
      if (tick === 10 || tick === 500 || tick === 1000) sample(String(tick));
    },
    sleep: async (ms) => {
      if (ticks !== 1000) return new Promise((resolve) => setTimeout(resolve, ms));
      await new Promise((resolve) => setTimeout(resolve, 12_000));
      sample('idle');
      // Leak check: what is still reachable after a full collection.
      (globalThis as { gc?: () => void }).gc?.();
      sample('gc');
    },
  });
  process.stdout.write(`${JSON.stringify(samples)}\n`);
}

export async function idleRss(gd: GuardDutyStandin, flags: string[]): Promise<void> {
  if (gd.detectors('us-east-1-idle').length === 0) gd.addDetector('us-east-1-idle');
  const outDir = join(ROOT, 'node_modules', '.cache', 'guardduty-notifier-bench');
  mkdirSync(outDir, { recursive: true });
  const { build } = await import('esbuild');
  // Code splitting keeps `import()` lazy, as in the tsc-built dist (the DynamoDB store is never loaded here).
  const result = await build({
    entryPoints: { 'poller-idle': fileURLToPath(import.meta.url) },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    metafile: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  const outfile = Object.keys(result.metafile.outputs).map((o) => join(ROOT, o)).find((o) => o.endsWith('poller-idle.mjs')) ?? join(outDir, 'poller-idle.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'gdn-bench-'));
  try {
    const child = spawn(process.execPath, ['--expose-gc', ...flags, outfile, '--idle-child', gd.endpoint, dir], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const elapsed = performance.now() - t0;
    if (code !== 0) throw new Error(`idle daemon child exited ${code}`);
    const samples = JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, { rss: number; heapUsed: number }>;
    const show = (tick: string) => {
      const s = samples[tick];
      return s ? `${(s.rss / MB).toFixed(1)} MB RSS (heap ${(s.heapUsed / MB).toFixed(1)} MB)` : 'n/a';
    };
    console.log(
      `Idle daemon (1,000 ticks at 5 ms, one region, listener + metrics on, ${(elapsed / 1000).toFixed(1)} s, compiled JS, ` +
        `node ${flags.length ? flags.join(' ') : 'default flags'}):`,
    );
    console.log(`  after 10 ticks: ${show('10')}; after 500: ${show('500')}; after 1,000: ${show('1000')}`);
    console.log(`  then 12 s idle, still running: ${show('idle')} (target ≤ 80 MB); after a forced full GC: ${show('gc')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const gd = await startGuardDutyStandin();
  try {
    await callsPerTick(gd);
    await tickWallTime(gd);
    await idleRss(gd, []);
    await idleRss(gd, (process.env.GDN_BENCH_IDLE_FLAGS ?? '--max-semi-space-size=1 --max-old-space-size=64').split(' ').filter(Boolean));
  } finally {
    await gd.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly && process.argv[2] === '--idle-child') {
  await idleChild(process.argv[3] ?? '', process.argv[4] ?? tmpdir());
} else if (invokedDirectly) {
  await main();
}
