import { describe, expect, it } from 'vitest';
import { createIngestBatcher, type DeferredCursors, type IngestBatcherOptions } from '../../src/daemon/ingest-batcher.js';
import { createManualClock } from '../support/manual-clock.js';

function cursorMap(): DeferredCursors & { values: Map<string, number> } {
  const values = new Map<string, number>();
  return {
    values,
    getCursor: async (key) => values.get(key),
    setCursor: async (key, value) => {
      values.set(key, value);
    },
  };
}

/** A batcher over a manual clock that records what each ingest got. */
function setup(overrides: Partial<IngestBatcherOptions<string>> = {}) {
  const clock = createManualClock();
  const store = cursorMap();
  const ingests: string[][] = [];
  const batcher = createIngestBatcher<string>({
    windowMs: 10_000,
    burstThreshold: 5,
    maxBatch: 500,
    cursorStore: store,
    now: clock.now,
    ingest: async (findings) => {
      ingests.push(findings);
    },
    ...overrides,
  });
  return { clock, store, ingests, batcher };
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('createIngestBatcher (group wait)', () => {
  it('ingests what the regions of one tick hand over as one ingest, once each has handed over or finished', async () => {
    const { batcher, ingests } = setup();
    batcher.beginTick(['us-east-1', 'eu-west-1', 'ap-south-1']);
    const east = batcher.add(['e1'], 'us-east-1');
    const west = batcher.add(['w1', 'w2'], 'eu-west-1');
    await Promise.resolve();
    expect(ingests).toEqual([]); // ap-south-1 is still walking
    batcher.regionDone('ap-south-1'); // with nothing to hand over
    await Promise.all([east, west]);
    expect(ingests).toEqual([['e1', 'w1', 'w2']]);
    batcher.endTick();
  });

  it('decides a lone finding the moment its tick has read it: no window to wait out', async () => {
    const { batcher, ingests, clock } = setup();
    const before = clock.now();
    batcher.beginTick(['us-east-1']);
    await batcher.add(['lone'], 'us-east-1');
    expect(ingests).toEqual([['lone']]);
    expect(clock.now()).toBe(before);
    expect(batcher.heldUntil()).toBeUndefined();
    batcher.endTick();
  });

  it('holds a burst for the window, taking in what the next ticks read, then ingests it as one', async () => {
    const { batcher, ingests, clock } = setup();
    const start = clock.now();
    batcher.beginTick(['r']);
    await batcher.add(ids('burst', 8), 'r'); // released at once: the poller goes on
    batcher.endTick();
    expect(ingests).toEqual([]);
    expect(batcher.heldUntil()).toBe(start + 10_000);

    clock.advance(2_000);
    batcher.beginTick(['r']);
    await batcher.add(['late1', 'late2'], 'r');
    batcher.endTick();
    clock.advance(7_999);
    await batcher.flushDue(clock.now());
    expect(ingests).toEqual([]);
    clock.advance(1);
    await batcher.flushDue(clock.now());
    expect(ingests).toEqual([[...ids('burst', 8), 'late1', 'late2']]);

    // A burst counts findings of the last window: a trickle of 3 and then 3 more is one.
    clock.advance(60_000);
    batcher.beginTick(['r']);
    await batcher.add(['t1', 't2', 't3'], 'r');
    batcher.endTick();
    expect(ingests).toHaveLength(2);
    batcher.beginTick(['r']);
    await batcher.add(['t4', 't5', 't6'], 'r');
    batcher.endTick();
    expect(ingests).toHaveLength(2);
    await batcher.flush();
    expect(ingests.at(-1)).toEqual(['t4', 't5', 't6']);
  });

  it('does not take the overlap re-read every tick for a burst: only findings not handed over before count', async () => {
    const { batcher, ingests, clock } = setup({ identify: (finding) => finding });
    const known = ['k1', 'k2', 'k3', 'k4'];
    for (let tick = 0; tick < 5; tick++) {
      batcher.beginTick(['r']);
      await batcher.add(tick === 4 ? [...known, 'lone'] : known, 'r');
      batcher.endTick();
      clock.advance(2_000);
    }
    // Five ticks of the same four findings and then a lone new one: each decided at its tick, none held.
    expect(ingests).toHaveLength(5);
    expect(ingests.at(-1)).toContain('lone');
    expect(batcher.heldUntil()).toBeUndefined();
  });

  it('keeps the cursors of held findings back until they are committed, while the poller reads on from them', async () => {
    const { batcher, store, clock } = setup();
    store.values.set('r/d', 100);
    batcher.beginTick(['r']);
    expect(await batcher.cursors.getCursor('r/d')).toBe(100);
    await batcher.add(ids('b', 8), 'r');
    await batcher.cursors.setCursor('r/d', 200);
    batcher.endTick();
    expect(store.values.get('r/d')).toBe(100); // the stored cursor still covers only what is committed
    expect(await batcher.cursors.getCursor('r/d')).toBe(200); // the next tick continues where it read
    clock.advance(10_000);
    await batcher.flushDue(clock.now());
    expect(store.values.get('r/d')).toBe(200);
    // Not holding: a cursor is written through.
    await batcher.cursors.setCursor('r/d', 300);
    expect(store.values.get('r/d')).toBe(300);
  });

  it('drops kept cursors when a held burst cannot be committed, so that the next tick reads those findings again', async () => {
    const failures: unknown[] = [];
    const { batcher, store, clock } = setup({
      ingest: async () => Promise.reject(new Error('table throttled')),
      onHeldIngestFailed: (error) => failures.push(error),
    });
    store.values.set('r/d', 100);
    batcher.beginTick(['r']);
    await batcher.cursors.getCursor('r/d');
    await batcher.add(ids('b', 8), 'r');
    await batcher.cursors.setCursor('r/d', 200);
    batcher.endTick();
    // A walk that started from the kept cursor is still running when the held ingest fails.
    expect(await batcher.cursors.getCursor('r/d')).toBe(200);
    clock.advance(10_000);
    await batcher.flushDue(clock.now());
    expect(failures).toHaveLength(1);
    await batcher.cursors.setCursor('r/d', 250);
    expect(store.values.get('r/d')).toBe(100);
    expect(await batcher.cursors.getCursor('r/d')).toBe(100);
  });

  it('without a window (backfill) ingests every hand-over on its own, never two at a time, and rejects callers of a failed one', async () => {
    let running = 0;
    let maxRunning = 0;
    const sizes: number[] = [];
    const { batcher } = setup({
      windowMs: 0,
      ingest: async (findings) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        sizes.push(findings.length);
        running -= 1;
      },
    });
    await Promise.all([batcher.add(['a', 'b']), batcher.add(['c', 'd', 'e'])]);
    expect(sizes).toEqual([2, 3]);
    expect(maxRunning).toBe(1);
    const failing = setup({ windowMs: 0, ingest: async () => Promise.reject(new Error('disk full')) });
    await expect(failing.batcher.add(['a'])).rejects.toThrow('disk full');
  });

  it('rejects every caller of a tick whose ingest failed', async () => {
    const { batcher } = setup({ ingest: async () => Promise.reject(new Error('disk full')) });
    batcher.beginTick(['a', 'b']);
    const both = Promise.allSettled([batcher.add(['x'], 'a'), batcher.add(['y'], 'b')]);
    expect((await both).map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('takes a page of 200,000 findings at once (appends without spreading them into push)', async () => {
    const sizes: number[] = [];
    const batcher = createIngestBatcher<number>({
      windowMs: 0,
      burstThreshold: 5,
      maxBatch: 500,
      cursorStore: cursorMap(),
      ingest: async (findings) => {
        sizes.push(findings.length);
      },
    });
    await batcher.add(Array.from({ length: 200_000 }, (_, i) => i));
    expect(sizes).toEqual([200_000]);
    // And in a tick, where hand-overs are appended to the tick's group.
    const ticking = createIngestBatcher<number>({
      windowMs: 10_000,
      burstThreshold: 1_000_000,
      maxBatch: 1_000_000,
      cursorStore: cursorMap(),
      ingest: async (findings) => {
        sizes.push(findings.length);
      },
    });
    ticking.beginTick(['r']);
    await ticking.add(Array.from({ length: 200_000 }, (_, i) => i), 'r');
    expect(sizes).toEqual([200_000, 200_000]);
  });
});
