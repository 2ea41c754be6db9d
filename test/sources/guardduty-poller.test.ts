import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetFindingsCommand, ListFindingsCommand, type Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import {
  createGuardDutyPoller,
  cursorKey,
  type CursorStore,
  type GuardDutyPollerOptions,
  type ApiOperation,
  type ApiOutcome,
} from '../../src/sources/guardduty-poller.js';
import { createGuardDutyClient } from '../../src/sources/guardduty-client.js';
import { silentLogger } from '../../src/core/logger.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry, startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A cursor store as small as the interface: the poller needs nothing more. */
function memoryCursors(initial: Record<string, number> = {}): CursorStore & { values: Map<string, number>; writes: number } {
  const values = new Map(Object.entries(initial));
  return {
    values,
    writes: 0,
    async getCursor(key) {
      return values.get(key);
    },
    async setCursor(key, value) {
      this.writes += 1;
      values.set(key, value);
    },
  };
}

let gd: GuardDutyStandin;
let clock: number;

beforeAll(async () => {
  gd = await startGuardDutyStandin({ now: () => clock });
});
afterAll(async () => {
  await gd.close();
});

const regionsUsed: string[] = [];
let regionSeq = 0;
/** A fresh region name per test, so tests share one stand-in without seeing each other's findings. */
function region(base = 'us-east-1'): string {
  regionSeq += 1;
  const name = `${base}-t${regionSeq}`;
  regionsUsed.push(name);
  return name;
}

beforeEach(() => {
  clock = Date.parse('2025-06-01T12:00:00.000Z');
});
afterEach(() => {
  gd.onRequest(undefined);
  gd.clearFaults();
});

interface Harness {
  delivered: Array<{ region: string; detectorId: string; finding: SdkFinding }>;
  store: ReturnType<typeof memoryCursors>;
  calls: Array<{ region: string; operation: ApiOperation; outcome: ApiOutcome; attempts: number }>;
  poller: ReturnType<typeof createGuardDutyPoller>;
}

function harness(regions: string[], overrides: Partial<GuardDutyPollerOptions> & { cursors?: Record<string, number> } = {}): Harness {
  const delivered: Harness['delivered'] = [];
  const calls: Harness['calls'] = [];
  const store = memoryCursors(overrides.cursors);
  const poller = createGuardDutyPoller({
    regions,
    overlapMs: 10 * MIN,
    includeArchived: false,
    store,
    clientFor: (r) => createGuardDutyClient({ region: r, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry() }),
    logger: silentLogger,
    now: () => clock,
    onFindings: async (findings, ctx) => {
      for (const finding of findings) delivered.push({ ...ctx, finding });
    },
    metrics: { apiCall: (r, operation, outcome, attempts) => calls.push({ region: r, operation, outcome, attempts }) },
    throttleBackoff: { baseMs: 5, maxMs: 50, retries: 3 },
    ...overrides,
  });
  return { delivered, store, calls, poller };
}

function ids(h: Harness): Set<string> {
  return new Set(h.delivered.map((d) => d.finding.Id as string));
}

describe('GuardDuty stand-in (wire fidelity with the real SDK client)', () => {
  it('answers GetFindings with more than 50 ids with the 400 BadRequestException AWS gives', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    const client = createGuardDutyClient({ region: r, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    const tooMany = Array.from({ length: 51 }, (_, i) => `id-${i}`);
    await expect(client.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: tooMany }))).rejects.toMatchObject({
      name: 'BadRequestException',
      message: expect.stringContaining('finding IDs is out-of-bounds'),
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('rejects maxResults above 50 and pages with nextToken only while ids remain', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    gd.seedFindings(r, detectorId, 100, { from: clock - HOUR });
    const client = createGuardDutyClient({ region: r, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    await expect(client.send(new ListFindingsCommand({ DetectorId: detectorId, MaxResults: 51 }))).rejects.toMatchObject({
      name: 'BadRequestException',
    });
    const first = await client.send(new ListFindingsCommand({ DetectorId: detectorId, MaxResults: 50 }));
    expect(first.FindingIds).toHaveLength(50);
    expect(first.NextToken).toBeTruthy();
    const second = await client.send(new ListFindingsCommand({ DetectorId: detectorId, MaxResults: 50, NextToken: first.NextToken }));
    expect(second.FindingIds).toHaveLength(50);
    expect(second.NextToken).toBeUndefined();
  });

  it('filters on updatedAt and sorts ascending as the SDK asks (camelCase on the wire)', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    gd.seedFindings(r, detectorId, 10, { from: clock - 10 * MIN, stepMs: MIN });
    const client = createGuardDutyClient({ region: r, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    const out = await client.send(
      new ListFindingsCommand({
        DetectorId: detectorId,
        FindingCriteria: { Criterion: { updatedAt: { GreaterThanOrEqual: clock - 3 * MIN } } },
        SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'DESC' },
      }),
    );
    expect(out.FindingIds).toEqual([`${r}-f00009`, `${r}-f00008`, `${r}-f00007`]);
    const sent = gd.calls.filter((c) => c.region === r && c.operation === 'ListFindings').at(-1)?.body;
    expect(sent).toEqual({
      findingCriteria: { criterion: { updatedAt: { greaterThanOrEqual: clock - 3 * MIN } } },
      sortCriteria: { attributeName: 'updatedAt', orderBy: 'DESC' },
    });
  });
});

describe('createGuardDutyPoller', () => {
  it('reads 1,000 findings across two regions and many pages, with exactly ⌈N/50⌉ ListFindings and GetFindings calls', async () => {
    const east = region('us-east-1');
    const west = region('eu-west-1');
    const dEast = gd.addDetector(east);
    const dWest = gd.addDetector(west);
    gd.seedFindings(east, dEast, 600, { from: clock - 9 * MIN, stepMs: 500 });
    gd.seedFindings(west, dWest, 400, { from: clock - 9 * MIN, stepMs: 700 });
    const h = harness([east, west], { cursors: { [`${east}/${dEast}`]: clock - 5 * MIN, [`${west}/${dWest}`]: clock - 5 * MIN } });

    const results = await h.poller.tick();

    expect(results.map((r) => [r.region, r.ok, r.findings])).toEqual([
      [east, true, 600],
      [west, true, 400],
    ]);
    expect(ids(h).size).toBe(1000);
    expect(gd.countCalls({ region: east })).toMatchObject({ ListDetectors: 1, ListFindings: 12, GetFindings: 12 });
    expect(gd.countCalls({ region: west })).toMatchObject({ ListDetectors: 1, ListFindings: 8, GetFindings: 8 });
    // The cursor is the newest updatedAt committed, not the wall clock.
    expect(h.store.values.get(cursorKey(east, dEast))).toBe(clock - 9 * MIN + 599 * 500);
    expect(h.store.values.get(cursorKey(west, dWest))).toBe(clock - 9 * MIN + 399 * 700);
    // Every GetFindings call asked for at most 50 ids.
    expect(Math.max(...gd.calls.filter((c) => c.operation === 'GetFindings').map((c) => c.ids?.length ?? 0))).toBeLessThanOrEqual(50);
  });

  it.each([
    [0, 1, 0],
    [1, 1, 1],
    [50, 1, 1],
    [100, 2, 2],
    [120, 3, 3],
  ])('with %i findings in the window costs %i ListFindings and %i GetFindings calls (detectors cached)', async (n, lists, gets) => {
    const r = region();
    const detectorId = gd.addDetector(r);
    const h = harness([r]);
    await h.poller.tick(); // lists detectors, sets the first cursor
    clock += MIN;
    gd.seedFindings(r, detectorId, n, { from: clock - 30_000, stepMs: 10 });
    const before = gd.countCalls({ region: r });
    await h.poller.tick();
    const after = gd.countCalls({ region: r });
    expect(after.ListDetectors - before.ListDetectors).toBe(0);
    expect(after.ListFindings - before.ListFindings).toBe(lists);
    expect(after.GetFindings - before.GetFindings).toBe(gets);
  });

  it('queries updatedAt >= cursor − overlap, so equal timestamps and late arrivals are re-read', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    const same = clock - 5 * MIN;
    gd.seedFindings(r, detectorId, 120, { from: same, stepMs: 0 }); // 120 findings with one timestamp
    const h = harness([r]);
    await h.poller.tick();
    expect(ids(h).size).toBe(120);
    expect(h.store.values.get(cursorKey(r, detectorId))).toBe(clock); // first run: never behind where it started

    clock += MIN;
    h.delivered.length = 0;
    await h.poller.tick();
    const listBody = gd.calls.filter((c) => c.region === r && c.operation === 'ListFindings').at(-1)?.body as {
      findingCriteria: { criterion: { updatedAt: { greaterThanOrEqual: number } } };
    };
    expect(listBody.findingCriteria.criterion.updatedAt.greaterThanOrEqual).toBe(clock - MIN - 10 * MIN);
    expect(ids(h).size).toBe(120); // re-read inside the overlap; the ledger makes that silent
  });

  it('moves the cursor only after onFindings resolved: a failed commit is re-read on the next tick', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    const h = harness([r], { cursors: { [`${r}/${detectorId}`]: clock - HOUR } });
    gd.seedFindings(r, detectorId, 75, { from: clock - 30 * MIN, stepMs: 1000 });
    let fail = true;
    const seen: string[] = [];
    const poller = createGuardDutyPoller({
      regions: [r],
      overlapMs: 10 * MIN,
      includeArchived: false,
      store: h.store,
      clientFor: (reg) => createGuardDutyClient({ region: reg, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry() }),
      logger: silentLogger,
      now: () => clock,
      onFindings: async (findings) => {
        if (fail) throw new Error('database is locked');
        seen.push(...findings.map((f) => f.Id as string));
      },
    });

    const first = await poller.tick();
    expect(first[0]?.ok).toBe(false);
    expect(first[0]?.detectors[0]?.error).toContain('database is locked');
    expect(h.store.values.get(cursorKey(r, detectorId))).toBe(clock - HOUR);

    fail = false;
    await poller.tick();
    expect(new Set(seen).size).toBe(75);
    expect(h.store.values.get(cursorKey(r, detectorId))).toBe(clock - 30 * MIN + 74 * 1000);
  });

  it('catches a finding updated while the pages are walked, and loses no other finding to the shifted pages', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    // Catching up after two days down: 300 findings, one every 10 minutes, so the walk spans far more than the overlap.
    const seeded = gd.seedFindings(r, detectorId, 300, { from: clock - 2 * DAY, stepMs: 10 * MIN });
    const h = harness([r], { cursors: { [`${r}/${detectorId}`]: clock - 2 * DAY - MIN } });
    const moved = seeded[10]!.id; // on page 1
    const added: string[] = [];
    gd.onRequest(({ region: reqRegion, operation, sequence }) => {
      if (reqRegion !== r || operation !== 'ListFindings') return;
      if (sequence === 3) {
        // While page 3 is being asked for: the activity behind finding 10 recurs, and a brand-new finding appears.
        clock += 1000;
        gd.touchFinding(r, detectorId, moved, { severity: 9 });
        added.push(gd.putFinding(r, detectorId, { id: `${r}-new` }).id);
      }
    });

    const first = await h.poller.tick();
    const afterFirst = ids(h);
    gd.onRequest(undefined);
    expect(first[0]?.detectors[0]?.shiftDetected).toBe(true);
    // The offset-based pages skipped one finding behind the moved one; the cursor must not pass it.
    const skipped = seeded.map((f) => f.id).filter((id) => !afterFirst.has(id));
    expect(skipped.length).toBeGreaterThan(0);
    const cursor = h.store.values.get(cursorKey(r, detectorId))!;
    for (const id of skipped) {
      expect(Date.parse(gd.finding(r, detectorId, id)!.updatedAt)).toBeGreaterThanOrEqual(cursor - 10 * MIN);
    }

    clock += MIN;
    await h.poller.tick();
    const all = ids(h);
    for (const f of seeded) expect(all.has(f.id)).toBe(true);
    expect(all.has(added[0]!)).toBe(true);
    // The moved finding arrived in its updated version (severity 9), on this tick or the next.
    const versions = h.delivered.filter((d) => d.finding.Id === moved).map((d) => d.finding.Severity);
    expect(versions).toContain(9);
  });

  it('rides out a throttling storm with the SDK adaptive retry plus its own backoff, losing nothing', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    gd.seedFindings(r, detectorId, 400, { from: clock - 9 * MIN, stepMs: 1000 });
    // Every other call throttled, then a run of 6 in a row (more than the SDK's 5 attempts: our backoff takes over).
    gd.injectFault({ kind: 'throttling', region: r, every: 2, times: 10 });
    gd.injectFault({ kind: 'too-many-requests', region: r, operation: 'GetFindings', times: 6 });
    const h = harness([r]);

    const [result] = await h.poller.tick();

    expect(result?.ok).toBe(true);
    expect(ids(h).size).toBe(400);
    expect(gd.countCalls({ region: r, status: 429 }).ListFindings + gd.countCalls({ region: r, status: 429 }).GetFindings).toBe(16);
    expect(h.calls.some((c) => c.outcome === 'throttled')).toBe(true);
    expect(h.calls.filter((c) => c.outcome === 'ok').some((c) => c.attempts > 1)).toBe(true);
  });

  it('keeps polling the other regions when one is down (AccessDenied, 5xx, endpoint unreachable), and retries it next tick', async () => {
    const ok = region('us-east-1');
    const denied = region('eu-west-1');
    const failing = region('ap-south-1');
    const unreachable = region('sa-east-1');
    for (const r of [ok, denied, failing]) gd.seedFindings(r, gd.addDetector(r), 60, { from: clock - 5 * MIN });
    gd.setRegionDown(denied, 'access-denied');
    gd.setRegionDown(failing, 'internal');
    const logged: Array<Record<string, unknown>> = [];
    const h = harness([ok, denied, failing, unreachable], {
      logger: { ...silentLogger, error: (_m, fields) => logged.push(fields ?? {}) },
      clientFor: (r) =>
        createGuardDutyClient({
          region: r,
          // Nothing listens on port 9 of the loopback: connection refused.
          endpoint: r === unreachable ? 'http://127.0.0.1:9' : gd.endpoint,
          credentials: DUMMY_CREDENTIALS,
          retryStrategy: fastAdaptiveRetry(2),
        }),
    });

    const results = await h.poller.tick();
    expect(results.map((x) => [x.region, x.ok])).toEqual([
      [ok, true],
      [denied, false],
      [failing, false],
      [unreachable, false],
    ]);
    expect(results[1]?.error).toContain('AccessDeniedException');
    expect(results[2]?.error).toMatch(/InternalServerErrorException|500/);
    expect(logged.map((f) => f.region)).toEqual(expect.arrayContaining([denied, failing, unreachable]));
    expect(ids(h).size).toBe(60);

    gd.setRegionDown(denied, false);
    gd.setRegionDown(failing, false);
    const again = await h.poller.tick();
    expect(again.map((x) => x.ok)).toEqual([true, true, true, false]);
    expect(ids(h).size).toBe(180);
  });

  it('drops archived findings unless includeArchived, and still moves the cursor past them', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    gd.seedFindings(r, detectorId, 3, { from: clock - 3 * MIN, prefix: 'live-' });
    gd.seedFindings(r, detectorId, 2, { from: clock - MIN, prefix: 'archived-', archived: true });
    const without = harness([r]);
    await without.poller.tick();
    expect([...ids(without)].sort()).toEqual(['live-00000', 'live-00001', 'live-00002']);
    expect(without.store.values.get(cursorKey(r, detectorId))).toBe(clock);

    const withArchived = harness([r], { includeArchived: true });
    await withArchived.poller.tick();
    expect(ids(withArchived).size).toBe(5);
  });

  it('caches detector ids and lists them again when a detector is gone', async () => {
    const r = region();
    const first = gd.addDetector(r);
    const h = harness([r], { detectorCacheTicks: 100 });
    await h.poller.tick();
    await h.poller.tick();
    expect(gd.countCalls({ region: r }).ListDetectors).toBe(1);

    gd.removeDetector(r, first);
    const second = gd.addDetector(r);
    gd.seedFindings(r, second, 5, { from: clock - MIN });
    const failed = await h.poller.tick();
    expect(failed[0]?.detectors[0]?.error).toContain('BadRequestException');
    await h.poller.tick();
    expect(gd.countCalls({ region: r }).ListDetectors).toBe(2);
    expect(ids(h).size).toBe(5);
  });

  it('walks every detector of a region, each with its own cursor', async () => {
    const r = region();
    const a = gd.addDetector(r, 'detector-a');
    const b = gd.addDetector(r, 'detector-b');
    gd.seedFindings(r, a, 70, { from: clock - 5 * MIN, prefix: 'a-' });
    gd.seedFindings(r, b, 30, { from: clock - 4 * MIN, prefix: 'b-' });
    const h = harness([r]);
    const [result] = await h.poller.tick();
    expect(result?.detectors.map((d) => [d.detectorId, d.findings])).toEqual([
      ['detector-a', 70],
      ['detector-b', 30],
    ]);
    expect(h.delivered.filter((d) => d.detectorId === 'detector-b')).toHaveLength(30);
    expect(h.store.values.has(`${r}/detector-a`)).toBe(true);
    expect(h.store.values.has(`${r}/detector-b`)).toBe(true);
  });

  it('backfills from a given time without touching cursors in a dry run', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    gd.seedFindings(r, detectorId, 90, { from: clock - 6 * DAY, stepMs: HOUR });
    const progress: number[] = [];
    const h = harness([r], { onPage: (p) => progress.push(p.findings) });
    await h.poller.tick({ from: clock - 7 * DAY, updateCursors: false });
    expect(ids(h).size).toBe(90);
    expect(progress).toEqual([50, 90]);
    expect(h.store.writes).toBe(0);
  });

  it('calls GuardDuty with assumed-role credentials when assumeRole is set', async () => {
    const r = region();
    const detectorId = gd.addDetector(r);
    gd.seedFindings(r, detectorId, 2, { from: clock - MIN });
    const h = harness([r], {
      clientFor: (reg) =>
        createGuardDutyClient({
          region: reg,
          endpoint: gd.endpoint,
          stsEndpoint: gd.endpoint,
          credentials: DUMMY_CREDENTIALS,
          assumeRole: 'arn:aws:iam::111122223333:role/guardduty-reader',
          retryStrategy: fastAdaptiveRetry(),
        }),
    });
    await h.poller.tick();
    await h.poller.tick();
    const mine = gd.calls.filter((c) => c.region === r);
    expect(mine.filter((c) => c.operation === 'AssumeRole')).toHaveLength(1); // cached until near expiry
    expect(mine.filter((c) => c.operation === 'AssumeRole')[0]?.accessKeyId).toBe('test');
    expect(mine.filter((c) => c.operation !== 'AssumeRole').every((c) => c.accessKeyId === 'ASIATESTASSUMED')).toBe(true);
  });
});
