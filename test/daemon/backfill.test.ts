import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { formatBackfillSummary, runBackfill, type BackfillOptions } from '../../src/daemon/backfill.js';
import { createProgressReporter } from '../../src/daemon/backfill-progress.js';
import { runDaemon } from '../../src/daemon/run-daemon.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../support/guardduty-standin.js';
import { createMemoryStore, type MemoryStore } from '../support/memory-store.js';
import { useDaemonStandins, gd, slack, dir, captureLogger, daemonConfig } from './helpers.js';

const DAY = 86_400_000;

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let seq = 0;
useDaemonStandins();
afterEach(() => dir.remove());

function backfill(store: MemoryStore, regions: string[], overrides: Partial<BackfillOptions> = {}) {
  const progress = new Capture(false);
  const config = daemonConfig({ webhookUrl: slack.webhookUrl('sec'), statePath: join(dir.path, 'state.db'), regions, digestThreshold: 1000 });
  const run = runBackfill({
    config,
    sinceMs: 7 * DAY,
    logger: captureLogger(),
    runtimeOptions: { store },
    clientOptions: { endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(2) },
    progress,
    drainTimeoutMs: 10_000,
    ...overrides,
  });
  return { run, progress, config };
}

describe('runBackfill', () => {
  it('dry run walks the past and reports what it would send, recording and sending nothing', async () => {
    seq += 1;
    const region = `us-east-1-b${seq}`;
    const detectorId = gd.addDetector(region);
    gd.seedFindings(region, detectorId, 120, { from: Date.now() - 6 * DAY, stepMs: 60 * 60_000, prefix: `bf${seq}x` });
    gd.seedFindings(region, detectorId, 3, { from: Date.now() - 10 * DAY, prefix: `old${seq}x` }); // older than --since
    const store = createMemoryStore();
    const { run, progress } = backfill(store, [region], { dryRun: true });
    const summary = await run;

    expect(summary).toMatchObject({ dryRun: true, read: 120, passedOn: 120, messagesQueued: 120, decisions: { notify: 120 } });
    expect(summary.regions).toEqual([{ region, ok: true, findings: 120 }]);
    expect(slack.received).toHaveLength(0);
    expect(store.outbox()).toHaveLength(0);
    expect(await store.getCursor(`${region}/${detectorId}`)).toBeUndefined();
    expect(progress.text).toMatch(/^backfill: \d+% of the time range, \d+ findings read$/m);
    expect(progress.text).toContain(`backfill: ${region} done, 120 findings`);
    expect(formatBackfillSummary(summary)).toContain('120 would be sent');
  });

  it('sends through the same pipeline, then a second backfill and the daemon are silent (the ledger)', async () => {
    seq += 1;
    const region = `eu-west-1-b${seq}`;
    const detectorId = gd.addDetector(region);
    gd.seedFindings(region, detectorId, 60, { from: Date.now() - 3 * DAY, stepMs: 60 * 60_000, prefix: `bs${seq}x` });
    const store = createMemoryStore();

    const summary = await backfill(store, [region]).run;
    expect(summary.delivery).toEqual({ sent: 60, failed: 0, retried: 0 });
    expect(summary.pendingAfter).toBe(0);
    expect(slack.received).toHaveLength(60);
    // The cursor moved forward for `run` to continue from.
    expect(await store.getCursor(`${region}/${detectorId}`)).toBeGreaterThan(Date.now() - 3 * DAY);

    const again = await backfill(store, [region]).run;
    expect(again.decisions).toMatchObject({ notify: 0, suppress: 60 });
    expect(again.suppressedBy).toEqual({ duplicate: 60 });

    const config = daemonConfig({ webhookUrl: slack.webhookUrl('sec'), statePath: join(dir.path, 'state.db'), regions: [region] });
    await runDaemon({
      config,
      logger: captureLogger(),
      runtimeOptions: { store },
      clientOptions: { endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(2) },
      listen: false,
      maxTicks: 1,
    });
    expect(slack.received).toHaveLength(60);
  });

  it('reports a failed region and still walks the others', async () => {
    seq += 1;
    const good = `us-east-1-b${seq}`;
    const bad = `ap-south-1-b${seq}`;
    gd.seedFindings(good, gd.addDetector(good), 5, { from: Date.now() - DAY, prefix: `g${seq}x` });
    gd.addDetector(bad);
    gd.setRegionDown(bad, 'access-denied');
    const store = createMemoryStore();
    const { run, progress } = backfill(store, [good, bad], { dryRun: true });
    const summary = await run;
    gd.setRegionDown(bad, false);
    expect(summary.regions.find((r) => r.region === good)).toEqual({ region: good, ok: true, findings: 5 });
    expect(summary.regions.find((r) => r.region === bad)?.error).toContain('AccessDeniedException');
    expect(progress.text).toContain(`backfill: ${bad} FAILED: AccessDeniedException`);
    expect(formatBackfillSummary(summary)).toContain(`${bad}: FAILED`);
  });

  it('clamps --since to GuardDuty’s 90 days', async () => {
    seq += 1;
    const region = `us-west-2-b${seq}`;
    gd.addDetector(region);
    const logger = captureLogger();
    const summary = await backfill(createMemoryStore(), [region], { sinceMs: 400 * DAY, dryRun: true, logger }).run;
    expect(Date.parse(summary.to) - Date.parse(summary.from)).toBe(90 * DAY);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('90 days'))).toBe(true);
  });
});

describe('createProgressReporter', () => {
  it('draws a bar on a terminal, redrawn in place, ending with a newline', () => {
    const out = new Capture(true);
    const p = createProgressReporter({ stream: out, regions: ['a', 'b'], from: 0, to: 1000 });
    p.page({ region: 'a', detectorId: 'd', page: 0, findings: 50, from: 0, lastUpdatedAt: 500 });
    p.page({ region: 'b', detectorId: 'd', page: 0, findings: 50, from: 0, lastUpdatedAt: 1000 });
    p.end();
    expect(out.text).toContain('\r[');
    expect(out.text).toContain(' 75%  100 findings');
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('prints plain lines, at most one per 10 %, when not a terminal', () => {
    const out = new Capture(false);
    let t = 0;
    const p = createProgressReporter({ stream: out, regions: ['a'], from: 0, to: 1000, now: () => t });
    for (let i = 1; i <= 100; i += 1) p.page({ region: 'a', detectorId: 'd', page: i, findings: i * 50, from: 0, lastUpdatedAt: i * 10 });
    p.end();
    const lines = out.text.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.every((l) => /^backfill: \d+% of the time range, \d+ findings read$/.test(l))).toBe(true);
    expect(out.text).not.toContain('\r');
  });
});
