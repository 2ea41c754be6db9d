import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/deliver/errors.js';
import { createRateLimiter } from '../../src/deliver/rate-limiter.js';
import { sendWithRetry } from '../../src/deliver/retry.js';
import type { OutgoingMessage, SendResult, Sink } from '../../src/deliver/sink.js';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';
import { outgoing } from './fixtures.js';

/** A sink that plays a script of outcomes and records when it was called. */
function scriptedSink(clock: ManualClock, script: Array<DeliveryError | Error | SendResult>) {
  const calls: number[] = [];
  const sink: Sink = {
    name: 'sec',
    type: 'test',
    rate: { perSecond: 1000, burst: 1000 },
    describe: () => 'test "sec"',
    async send(_message: OutgoingMessage) {
      calls.push(clock.now());
      const next = script.shift() ?? {};
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { sink, calls };
}

const retryable = (extra: { retryAfterMs?: number; status?: number } = {}) =>
  new DeliveryError('Slack answered 500; will retry', { retryable: true, status: 500, code: 'http_500', ...extra });

function setup(script: Array<DeliveryError | Error | SendResult>) {
  const clock = createManualClock(0);
  const { sink, calls } = scriptedSink(clock, script);
  const limiter = createRateLimiter({ perSecond: 1000, burst: 1000, now: clock.now, sleep: clock.sleep });
  const warnings: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
  const logger = { warn: (message: string, fields?: Record<string, unknown>) => warnings.push({ message, fields }) };
  const base = { limiter, now: clock.now, sleep: clock.sleep, random: () => 0.5, logger };
  return { clock, sink, calls, limiter, warnings, base };
}

describe('sendWithRetry', () => {
  it('returns the sink result and the number of attempts', async () => {
    const { sink, base } = setup([retryable(), { ts: '1.000001' }]);
    await expect(sendWithRetry(sink, outgoing(), base)).resolves.toEqual({ ts: '1.000001', attempts: 2 });
  });

  it('throws a permanent error at once without retrying', async () => {
    const permanent = new DeliveryError('rejected: invalid_blocks', { retryable: false, status: 400, code: 'invalid_blocks' });
    const { sink, calls, base } = setup([permanent, {}]);
    await expect(sendWithRetry(sink, outgoing(), base)).rejects.toBe(permanent);
    expect(calls).toHaveLength(1);
  });

  it('backs off exponentially with full jitter', async () => {
    const { sink, clock, base } = setup([retryable(), retryable(), retryable(), {}]);
    await sendWithRetry(sink, outgoing(), { ...base, baseDelayMs: 100, maxDelayMs: 10_000 });
    // random() = 0.5 of ceilings 100, 200, 400.
    expect(clock.sleeps).toEqual([50, 100, 200]);
  });

  it('caps the backoff ceiling at maxDelayMs', async () => {
    const { sink, clock, base } = setup([retryable(), retryable(), retryable(), retryable(), {}]);
    await sendWithRetry(sink, outgoing(), { ...base, random: () => 0.999, baseDelayMs: 1_000, maxDelayMs: 2_000 });
    expect(Math.max(...clock.sleeps)).toBeLessThan(2_000);
  });

  it('honours Retry-After by pausing the destination limiter, not by sleeping per message', async () => {
    const { sink, calls, limiter, base } = setup([retryable({ retryAfterMs: 30_000, status: 429 }), {}]);
    await sendWithRetry(sink, outgoing(), base);
    expect(limiter.pausedUntil).toBe(30_000);
    expect(calls).toEqual([0, 30_000]);
  });

  it('gives up with the last retryable error when the next attempt would pass maxElapsedMs', async () => {
    const last = retryable({ retryAfterMs: 50_000, status: 429 });
    const { sink, calls, base, warnings } = setup([retryable({ retryAfterMs: 20_000 }), last, {}]);
    const error = await sendWithRetry(sink, outgoing(), { ...base, maxElapsedMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBe(last);
    expect((error as DeliveryError).retryable).toBe(true);
    expect(calls).toEqual([0, 20_000]);
    expect(warnings.at(-1)?.message).toBe('Delivery still failing, leaving the message queued for later');
  });

  it('gives up at an absolute deadline earlier than maxElapsedMs', async () => {
    const { sink, calls, base } = setup([retryable({ retryAfterMs: 5_000 }), {}]);
    await expect(sendWithRetry(sink, outgoing(), { ...base, deadline: 3_000 })).rejects.toMatchObject({ retryable: true });
    expect(calls).toHaveLength(1);
  });

  it('stops after maxAttempts even when time remains', async () => {
    const { sink, calls, base } = setup(Array.from({ length: 10 }, () => retryable()));
    await expect(sendWithRetry(sink, outgoing(), { ...base, maxAttempts: 3 })).rejects.toMatchObject({ retryable: true });
    expect(calls).toHaveLength(3);
  });

  it('treats an unexpected non-DeliveryError as retryable', async () => {
    const { sink, calls, base } = setup([new TypeError('boom'), {}]);
    await expect(sendWithRetry(sink, outgoing(), base)).resolves.toMatchObject({ attempts: 2 });
    expect(calls).toHaveLength(2);
  });

  it('logs each retry with destination, attempt and code but no message body', async () => {
    const { sink, base, warnings } = setup([retryable(), {}]);
    await sendWithRetry(sink, outgoing({ label: 'x' }), base);
    expect(warnings[0]).toEqual({
      message: 'Delivery failed, will retry',
      fields: expect.objectContaining({ destination: 'sec', outboxId: 'out-x', attempt: 1, status: 500, code: 'http_500' }),
    });
    expect(JSON.stringify(warnings)).not.toContain('GuardDuty finding');
  });
});
