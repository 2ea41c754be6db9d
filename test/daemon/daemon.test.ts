import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runDaemon, type DaemonOptions } from '../../src/daemon/run-daemon.js';
import { DaemonLockError } from '../../src/daemon/errors.js';
import type { RegionResult } from '../../src/sources/guardduty-poller.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../support/guardduty-standin.js';
import { createMemoryStore, type MemoryStore } from '../support/memory-store.js';
import { createManualClock } from '../support/manual-clock.js';
import { useDaemonStandins, gd, slack, dir, captureLogger, daemonConfig, metricValue, waitUntil } from './helpers.js';
import { fault } from '../support/slack-standin.js';

let seq = 0;
useDaemonStandins();
afterEach(() => {
  gd.onRequest(undefined);
  gd.clearFaults();
  dir.remove();
});

function regionPair(): [string, string] {
  seq += 1;
  return [`us-east-1-d${seq}`, `eu-west-1-d${seq}`];
}

interface Running {
  done: Promise<{ exitCode: number; ticks: number }>;
  stop(): void;
  url(): string;
  ticks: RegionResult[][];
  store: MemoryStore;
  logger: ReturnType<typeof captureLogger>;
}

/** Starts the daemon in-process against the stand-ins, with an in-memory store and the real runtime and sinks. */
async function start(options: { regions: string[]; config?: Parameters<typeof daemonConfig>[0]; overrides?: Partial<DaemonOptions> }): Promise<Running> {
  const controller = new AbortController();
  const store = createMemoryStore();
  const logger = captureLogger();
  const ticks: RegionResult[][] = [];
  let url = '';
  const config = daemonConfig(options.config ?? { webhookUrl: slack.webhookUrl('sec'), statePath: join(dir.path, 'state.db'), regions: options.regions });
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const done = runDaemon({
    config,
    logger,
    signal: controller.signal,
    runtimeOptions: { store },
    clientOptions: { endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(2) },
    pollerOptions: { throttleBackoff: { baseMs: 5, maxMs: 20, retries: 2 } },
    shutdownDrainMs: 5_000,
    onReady: (info) => {
      url = info.url ?? '';
      ready();
    },
    onTick: (results) => ticks.push(results),
    ...options.overrides,
  });
  await Promise.race([isReady, done]);
  return { done, stop: () => controller.abort(), url: () => url, ticks, store, logger };
}

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** Finding ids covered by sent outbox rows, with how many rows covered each. */
function coverage(store: MemoryStore): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of store.outbox()) {
    if (row.status !== 'sent') continue;
    for (const id of row.findingIds) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('runDaemon', () => {
  it('polls two regions with 1,000 findings, notifies each once, re-reads the overlap silently, and exposes metrics', async () => {
    const [east, west] = regionPair();
    const dEast = gd.addDetector(east);
    const dWest = gd.addDetector(west);
    const now = Date.now();
    gd.seedFindings(east, dEast, 600, { from: now - 8 * 60_000, stepMs: 500, prefix: `e${seq}f` });
    gd.seedFindings(west, dWest, 400, { from: now - 8 * 60_000, stepMs: 700, prefix: `w${seq}f` });
    const d = await start({ regions: [east, west] });
    try {
      await waitUntil('three ticks', () => d.ticks.length >= 3, 20_000);
      await waitUntil('the outbox to empty', async () => (await d.store.stats()).pending === 0, 20_000);
      const first = d.ticks[0]!;
      expect(first.map((r) => [r.region, r.ok, r.findings])).toEqual([
        [east, true, 600],
        [west, true, 400],
      ]);
      // Later ticks re-read the same findings inside the overlap window and queue nothing new.
      const rowsAfter = d.store.outbox().length;
      await waitUntil('one more tick', () => d.ticks.length >= 5, 20_000);
      expect(d.store.outbox().length).toBe(rowsAfter);

      const covered = coverage(d.store);
      expect(covered.size).toBe(1000);
      expect([...covered.values()].every((n) => n === 1)).toBe(true);
      expect(slack.received.length).toBe(d.store.outbox().filter((r) => r.status === 'sent').length);

      const health = await get(`${d.url()}/healthz`);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({ ok: true, stale: [] });

      const metrics = await get(`${d.url()}/metrics`);
      expect(metrics.type).toContain('text/plain');
      expect(metricValue(metrics.body, 'guardduty_notifier_findings_seen_total', { region: east })).toBeGreaterThanOrEqual(600 * 3);
      expect(metricValue(metrics.body, 'guardduty_notifier_notifications_total', { destination: 'sec', outcome: 'sent' })).toBe(slack.received.length);
      expect(metricValue(metrics.body, 'guardduty_notifier_suppressed_total', { reason: 'duplicate' })).toBeGreaterThan(0);
      expect(metricValue(metrics.body, 'guardduty_notifier_guardduty_api_calls_total', { region: east, operation: 'ListDetectors', outcome: 'ok' })).toBe(1);
      expect(metricValue(metrics.body, 'guardduty_notifier_guardduty_api_calls_total', { region: west, operation: 'GetFindings', outcome: 'ok' })).toBeGreaterThanOrEqual(8 * 3);
      expect(metricValue(metrics.body, 'guardduty_notifier_last_successful_poll_timestamp_seconds', { region: west })).toBeGreaterThan(now / 1000 - 60);
      expect(metricValue(metrics.body, 'guardduty_notifier_poll_duration_seconds_count', { region: east })).toBeGreaterThanOrEqual(3);
      expect(metricValue(metrics.body, 'guardduty_notifier_outbox_depth', { status: 'pending' })).toBe(0);
      expect(metrics.body).toContain('# TYPE guardduty_notifier_poll_duration_seconds histogram');
      expect(metrics.body).toContain('guardduty_notifier_process_resident_memory_bytes');
    } finally {
      d.stop();
      expect((await d.done).exitCode).toBe(0);
    }
  });

  it('turns /healthz to 503 naming the stale region, and back to 200 when it recovers; the other region keeps going', async () => {
    const [ok, flaky] = regionPair();
    gd.addDetector(ok);
    const dFlaky = gd.addDetector(flaky);
    const d = await start({
      regions: [ok, flaky],
      config: { webhookUrl: slack.webhookUrl('sec'), statePath: join(dir.path, 'state.db'), regions: [ok, flaky], interval: '100ms' },
    });
    try {
      await waitUntil('a first good tick', () => d.ticks.some((t) => t.every((r) => r.ok)));
      expect((await get(`${d.url()}/healthz`)).status).toBe(200);

      gd.setRegionDown(flaky, 'access-denied');
      await waitUntil('healthz 503', async () => (await get(`${d.url()}/healthz`)).status === 503, 30_000);
      const report = JSON.parse((await get(`${d.url()}/healthz`)).body) as { stale: string[]; regions: Array<{ region: string; lastError?: string }> };
      expect(report.stale).toEqual([flaky]);
      expect(report.regions.find((r) => r.region === flaky)?.lastError).toContain('AccessDeniedException');
      expect(d.logger.lines.some((l) => l.level === 'error' && l.fields?.region === flaky)).toBe(true);

      // Meanwhile the healthy region is still polled and its findings delivered.
      gd.putFinding(ok, gd.detectors(ok)[0]!, { id: `ok${seq}live` });
      await waitUntil('the healthy region to deliver', () => slack.received.some((m) => JSON.stringify(m.body).includes(`ok${seq}live`)));

      gd.setRegionDown(flaky, false);
      gd.putFinding(flaky, dFlaky, { id: `flaky${seq}back` });
      await waitUntil('healthz 200 again', async () => (await get(`${d.url()}/healthz`)).status === 200, 30_000);
      await waitUntil('the recovered region to deliver', () => slack.received.some((m) => JSON.stringify(m.body).includes(`flaky${seq}back`)));
    } finally {
      d.stop();
      await d.done;
    }
  });

  it('on stop finishes the tick, drains the outbox, closes the store and resolves with exit code 0', async () => {
    const [east] = regionPair();
    const detectorId = gd.addDetector(east);
    gd.seedFindings(east, detectorId, 30, { from: Date.now() - 60_000, prefix: `s${seq}f` });
    // Slack is slow: nothing can be delivered before the stop arrives.
    slack.setFaults(() => ({ type: 'slow', ms: 30 }));
    let controllerStop: () => void = () => {};
    const d = await start({
      regions: [east],
      config: {
        webhookUrl: slack.webhookUrl('sec'),
        statePath: join(dir.path, 'state.db'),
        regions: [east],
        interval: '10s',
        digestThreshold: 100,
      },
      overrides: {
        onTick: () => controllerStop(), // stop right after the first tick committed its findings
      },
    });
    controllerStop = d.stop;
    const result = await d.done;
    slack.setFaults(undefined);
    expect(result).toEqual({ exitCode: 0, ticks: 1 });
    expect(slack.received).toHaveLength(30);
    expect((await d.store.stats()).pending).toBe(0);
    expect(d.logger.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['Stopping: delivering what is queued', 'Daemon stopped']));
  });

  it('refuses a second instance on the same state file with a clear message, and starts once the first stopped', async () => {
    const [east] = regionPair();
    gd.addDetector(east);
    const first = await start({ regions: [east] });
    try {
      await expect(start({ regions: [east] }).then((s) => s.done)).rejects.toThrow(DaemonLockError);
      await expect(start({ regions: [east] }).then((s) => s.done)).rejects.toThrow(/Another guardduty-notifier is already using .*state\.db \(pid \d+ on .*`run` since/);
    } finally {
      first.stop();
      await first.done;
    }
    const second = await start({ regions: [east] });
    second.stop();
    expect((await second.done).exitCode).toBe(0);
  });

  it('with maxTicks runs that many polls and exits (run --once)', async () => {
    const [east] = regionPair();
    gd.seedFindings(east, gd.addDetector(east), 3, { from: Date.now() - 60_000, prefix: `o${seq}f` });
    const d = await start({ regions: [east], overrides: { maxTicks: 1, listen: false } });
    expect(await d.done).toEqual({ exitCode: 0, ticks: 1 });
    expect(slack.received).toHaveLength(3);
  });

  it('run --once exits 1 when a region could not be polled, so that a cron job notices (the others are still delivered)', async () => {
    const [east, west] = regionPair();
    gd.seedFindings(east, gd.addDetector(east), 2, { from: Date.now() - 60_000, prefix: `oe${seq}f` });
    gd.addDetector(west);
    gd.setRegionDown(west, 'access-denied');
    try {
      const d = await start({ regions: [east, west], overrides: { maxTicks: 1, listen: false } });
      expect(await d.done).toEqual({ exitCode: 1, ticks: 1 });
      expect(slack.received).toHaveLength(2);
      expect(d.logger.lines.some((l) => l.message === 'Run finished with problems' && JSON.stringify(l.fields).includes(west))).toBe(true);
    } finally {
      gd.setRegionDown(west, false);
    }
  });

  it('run --once exits 1 when a message is still queued after its drain (Slack down); a stop by signal still exits 0', async () => {
    const [east] = regionPair();
    gd.seedFindings(east, gd.addDetector(east), 1, { from: Date.now() - 60_000, prefix: `oq${seq}f` });
    slack.setFaults(() => fault.status(503));
    try {
      const d = await start({ regions: [east], overrides: { maxTicks: 1, listen: false, shutdownDrainMs: 1_000 } });
      expect(await d.done).toEqual({ exitCode: 1, ticks: 1 });
      expect((await d.store.stats()).pending).toBe(1);
      const stopped = await start({ regions: [east], overrides: { listen: false, shutdownDrainMs: 500 } });
      stopped.stop();
      expect((await stopped.done).exitCode).toBe(0);
    } finally {
      slack.setFaults(undefined);
    }
  });
});

describe('runDaemon group wait (manual clock)', () => {
  it('decides a lone finding in the first tick that reads it, and still turns a burst over several ticks into one digest', async () => {
    const [east] = regionPair();
    const detectorId = gd.addDetector(east);
    const clock = createManualClock(Date.parse('2026-11-20T08:00:00Z'));
    gd.setClock(clock.now);
    const INTERVAL = 2_000;
    const put: Record<string, number> = {};
    try {
      const d = await start({
        regions: [east],
        config: {
          webhookUrl: slack.webhookUrl('sec'),
          statePath: join(dir.path, 'state.db'),
          regions: [east],
          interval: '2s',
          digestWindow: '10s',
          digestThreshold: 5,
        },
        overrides: {
          now: clock.now,
          // The wait between ticks moves the clock instead of waiting: time is what the daemon is told.
          sleep: async (ms) => {
            clock.advance(ms);
            await new Promise((resolve) => setImmediate(resolve));
          },
          maxTicks: 14,
          listen: false,
          onTick: (_results, tick) => {
            if (tick === 1) {
              gd.putFinding(east, detectorId, { id: `lone${seq}`, severity: 8 });
              put.lone = clock.now();
            }
            // A burst that GuardDuty publishes over two ticks: 20 findings, then 4 more.
            if (tick === 3) gd.seedFindings(east, detectorId, 20, { from: clock.now(), stepMs: 1, prefix: `burst${seq}a`, severity: 5 });
            if (tick === 5) gd.seedFindings(east, detectorId, 4, { from: clock.now(), stepMs: 1, prefix: `burst${seq}b`, severity: 5 });
            // After the burst: every tick re-reads its 24 findings (the overlap), which is no burst.
            if (tick === 11) {
              gd.putFinding(east, detectorId, { id: `later${seq}`, severity: 8 });
              put.later = clock.now();
            }
          },
        },
      });
      expect(await d.done).toEqual({ exitCode: 0, ticks: 14 });
      const rows = d.store.outbox();
      expect(rows.map((r) => r.kind)).toEqual(['new', 'digest', 'new']);
      const [lone, digest, later] = rows;
      // The next tick read it and decided it then: within one poll interval of GuardDuty having it, not a window later.
      expect(lone!.createdAt - put.lone!).toBeLessThanOrEqual(INTERVAL);
      expect(later!.createdAt - put.later!).toBeLessThanOrEqual(INTERVAL);
      expect(digest!.findingIds).toHaveLength(24);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
      expect(slack.received).toHaveLength(3);
      // Every cursor is stored once its findings are committed.
      expect(await d.store.getCursor(`${east}/${detectorId}`)).toBeGreaterThanOrEqual(put.lone!);
    } finally {
      gd.setClock(Date.now);
    }
  });
});
