import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/deliver/rate-limiter.js';
import { createManualClock } from '../support/manual-clock.js';

describe('createRateLimiter', () => {
  it('lets a burst through at once, then paces at perSecond', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ perSecond: 2, burst: 3, now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      await limiter.acquire();
      times.push(clock.now());
    }
    expect(times).toEqual([0, 0, 0, 500, 1000, 1500]);
  });

  it('refills while idle but never above the burst', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ perSecond: 1, burst: 2, now: clock.now, sleep: clock.sleep });
    await limiter.acquire();
    await limiter.acquire();
    clock.advance(60_000);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      times.push(clock.now());
    }
    expect(times).toEqual([60_000, 60_000, 61_000]);
  });

  it('holds every message of the destination until a pause ends, then resumes one at a time', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ perSecond: 1, burst: 5, now: clock.now, sleep: clock.sleep });
    limiter.pause(30_000);
    expect(limiter.pausedUntil).toBe(30_000);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      times.push(clock.now());
    }
    expect(times).toEqual([30_000, 31_000, 32_000]);
  });

  it('keeps the longer of two pauses', () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1, now: () => 0 });
    limiter.pause(10_000);
    limiter.pause(5_000);
    expect(limiter.pausedUntil).toBe(10_000);
  });

  it('serves concurrent waiters in order', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ perSecond: 10, burst: 1, now: clock.now, sleep: clock.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('rejects a waiter whose signal aborts, and serves the next one', async () => {
    const limiter = createRateLimiter({ perSecond: 0.001, burst: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });

  it('fails loudly instead of spinning when the clock never moves', async () => {
    const limiter = createRateLimiter({ perSecond: 1, burst: 1, now: () => 0, sleep: async () => {} });
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toThrow(/clock/);
  });
});
