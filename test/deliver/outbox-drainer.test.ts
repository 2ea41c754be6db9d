import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/deliver/errors.js';
import { createOutboxDrainer, type DrainEvent } from '../../src/deliver/outbox-drainer.js';
import type { OutgoingMessage, SendResult, Sink } from '../../src/deliver/sink.js';
import type { LedgerEntry, OutboxRow } from '../../src/state/store.js';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';
import { createMemoryStore, type MemoryStore } from '../support/memory-store.js';
import { outboxRow } from './fixtures.js';

type Outcome = SendResult | DeliveryError | ((message: OutgoingMessage) => SendResult | DeliveryError);

/** A sink that answers from a per-call script (default: success) and records what it was sent, and when. */
function fakeSink(name: string, clock: ManualClock, options: { threads?: boolean; script?: Outcome[]; perSecond?: number } = {}) {
  const sent: Array<{ message: OutgoingMessage; at: number }> = [];
  const script = options.script ?? [];
  let inFlight = 0;
  let maxInFlight = 0;
  let tsCounter = 0;
  const sink: Sink = {
    name,
    type: options.threads ? 'slack-api' : 'test',
    rate: { perSecond: options.perSecond ?? 1000, burst: 1000 },
    ...(options.threads ? { threads: true } : {}),
    describe: () => `test "${name}"`,
    async send(message) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      inFlight--;
      const step = script.shift();
      const outcome = typeof step === 'function' ? step(message) : step;
      if (outcome instanceof DeliveryError) throw outcome;
      sent.push({ message, at: clock.now() });
      if (outcome !== undefined) return outcome;
      return options.threads ? { ts: `1700000000.${String(++tsCounter).padStart(6, '0')}` } : {};
    },
  };
  return { sink, sent, maxInFlight: () => maxInFlight };
}

function ledgerEntry(destination: string, findingId: string, threadTs?: string): LedgerEntry {
  return {
    destination,
    findingId,
    firstNotifiedAt: 0,
    lastNotifiedAt: 0,
    lastBandRank: 3,
    lastSeverity: 8,
    lastCount: 1,
    lastSeenAt: 0,
    ...(threadTs === undefined ? {} : { threadTs }),
  };
}

async function seed(store: MemoryStore, rows: OutboxRow[]): Promise<void> {
  const ledger = rows.filter((r) => r.findingId !== undefined).map((r) => ledgerEntry(r.destination, r.findingId ?? ''));
  await store.commit({ ledger, outbox: rows, decisions: [] });
}

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields === undefined ? {} : { fields }) });
  };
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

const transient = (extra: { retryAfterMs?: number } = {}) =>
  new DeliveryError('Slack answered 503; will retry', { retryable: true, status: 503, code: 'http_503', ...extra });
const permanent = (code: string) => new DeliveryError(`Slack rejected the message: ${code}`, { retryable: false, status: 404, code });

describe('createOutboxDrainer', () => {
  it('sends each destination oldest first, one at a time, and marks rows sent', async () => {
    const clock = createManualClock(10_000);
    const store = createMemoryStore();
    const sec = fakeSink('sec', clock);
    const ops = fakeSink('ops', clock);
    await seed(store, [
      outboxRow('s2', { createdAt: 2 }),
      outboxRow('o1', { destination: 'ops', createdAt: 1 }),
      outboxRow('s1', { createdAt: 1 }),
      outboxRow('s3', { createdAt: 3 }),
    ]);
    const drainer = createOutboxDrainer({ store, sinks: new Map([['sec', sec.sink], ['ops', ops.sink]]), now: clock.now, sleep: clock.sleep });

    const summary = await drainer.drainOnce();

    expect(sec.sent.map((s) => s.message.id)).toEqual(['row-s1', 'row-s2', 'row-s3']);
    expect(ops.sent.map((s) => s.message.id)).toEqual(['row-o1']);
    expect(sec.maxInFlight()).toBe(1);
    expect(summary).toEqual({
      sent: 4,
      retried: 0,
      failed: 0,
      byDestination: { sec: { sent: 3, failed: 0, retried: 0 }, ops: { sent: 1, failed: 0, retried: 0 } },
    });
    expect(store.outbox().every((r) => r.status === 'sent' && r.sentAt === 10_000)).toBe(true);
  });

  it('marks a row sent only after the sink returned', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    let statusDuringSend: string | undefined;
    const sink = fakeSink('sec', clock, {
      script: [
        () => {
          statusDuringSend = store.outbox()[0]?.status;
          return {};
        },
      ],
    });
    await seed(store, [outboxRow('a')]);
    await createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep }).drainOnce();
    expect(statusDuringSend).toBe('pending');
    expect(store.outbox()[0]?.status).toBe('sent');
  });

  it('re-sends only the in-flight message when recording it failed (at-least-once)', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const sink = fakeSink('sec', clock);
    await seed(store, [outboxRow('a', { createdAt: 1 }), outboxRow('b', { createdAt: 2 })]);
    const { logger, lines } = recordingLogger();
    const drainer = createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep, logger });
    store.failNext('markSent', new Error('disk full'));

    await expect(drainer.drainOnce()).rejects.toThrow('disk full');
    expect(lines.some((l) => l.level === 'error' && l.message.includes('may be sent again'))).toBe(true);
    // The unrecorded row keeps its lease (a concurrent drainer must not take it meanwhile), then is sent again.
    await drainer.drainOnce();
    expect(sink.sent.map((s) => s.message.id)).toEqual(['row-a', 'row-b']);
    await clock.sleep(120_000);
    await drainer.drainOnce();

    expect(sink.sent.map((s) => s.message.id)).toEqual(['row-a', 'row-b', 'row-a']);
    expect(store.outbox().map((r) => r.status)).toEqual(['sent', 'sent']);
  });

  it('never sends a row twice when two drainers share one store (two Lambda invocations)', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const sink = fakeSink('sec', clock);
    await seed(store, Array.from({ length: 30 }, (_, i) => outboxRow(`r${i}`, { createdAt: i })));
    const make = () => createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep });
    await Promise.all([make().drainUntilEmpty({ deadlineMs: clock.now() + 60_000 }), make().drainUntilEmpty({ deadlineMs: clock.now() + 60_000 })]);
    const ids = sink.sent.map((s) => s.message.id);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });

  it('opens a thread with the ts of a new message and replies into it in the same drain', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const api = fakeSink('sec', clock, { threads: true });
    await seed(store, [
      outboxRow('new', { kind: 'new', findingId: 'f1', createdAt: 1 }),
      outboxRow('repeat', { kind: 'repeat', findingId: 'f1', createdAt: 2 }),
      outboxRow('escalated', { kind: 'escalated', findingId: 'f1', createdAt: 3 }),
    ]);
    await createOutboxDrainer({ store, sinks: new Map([['sec', api.sink]]), now: clock.now, sleep: clock.sleep }).drainOnce();

    const [first, second, third] = api.sent;
    expect(first?.message.threadTs).toBeUndefined();
    expect(second?.message.threadTs).toBe('1700000000.000001');
    expect(third?.message.threadTs).toBe('1700000000.000001');
    expect((await store.getLedger('sec', ['f1'])).get('f1')?.threadTs).toBe('1700000000.000001');
  });

  it("posts an attack sequence's signal into the sequence's thread, and keeps it from opening one of its own", async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const api = fakeSink('sec', clock, { threads: true });
    const signal = (label: string, createdAt: number) =>
      outboxRow(label, { kind: 'new', findingId: `sig-${label}`, findingIds: [`sig-${label}`], createdAt, message: { ...outboxRow(label).message, threadOf: 'seq' } });
    await seed(store, [outboxRow('seq', { kind: 'new', findingId: 'seq', findingIds: ['seq'], createdAt: 1 }), signal('a', 2)]);
    await createOutboxDrainer({ store, sinks: new Map([['sec', api.sink]]), now: clock.now, sleep: clock.sleep }).drainOnce();
    expect(api.sent.map((s) => s.message.threadTs)).toEqual([undefined, '1700000000.000001']);
    expect((await store.getLedger('sec', ['sig-a'])).get('sig-a')?.threadTs).toBeUndefined();

    // Without a thread for its sequence (a webhook-made message, say), a signal goes top-level and opens its own.
    await seed(store, [outboxRow('lonely', { kind: 'new', findingId: 'sig-lonely', findingIds: ['sig-lonely'], createdAt: 3, message: { ...outboxRow('x').message, threadOf: 'unknown-seq' } })]);
    await createOutboxDrainer({ store, sinks: new Map([['sec', api.sink]]), now: clock.now, sleep: clock.sleep }).drainOnce();
    expect(api.sent[2]?.message.threadTs).toBeUndefined();
  });

  it('opens a thread with an escalation that had none, but never moves an existing thread', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const api = fakeSink('sec', clock, { threads: true });
    await store.commit({
      ledger: [ledgerEntry('sec', 'f-old', '1600000000.000001'), ledgerEntry('sec', 'f-new')],
      outbox: [
        outboxRow('old', { kind: 'escalated', findingId: 'f-old', createdAt: 1 }),
        outboxRow('new', { kind: 'escalated', findingId: 'f-new', createdAt: 2 }),
      ],
      decisions: [],
    });
    await createOutboxDrainer({ store, sinks: new Map([['sec', api.sink]]), now: clock.now, sleep: clock.sleep }).drainOnce();
    const ledger = await store.getLedger('sec', ['f-old', 'f-new']);
    expect(ledger.get('f-old')?.threadTs).toBe('1600000000.000001');
    expect(ledger.get('f-new')?.threadTs).toBe('1700000000.000002');
  });

  it('does not look threads up for sinks that do not thread', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    await store.commit({ ledger: [ledgerEntry('sec', 'f1', '1.000001')], outbox: [outboxRow('r', { kind: 'repeat', findingId: 'f1' })], decisions: [] });
    const webhook = fakeSink('sec', clock);
    await createOutboxDrainer({ store, sinks: new Map([['sec', webhook.sink]]), now: clock.now, sleep: clock.sleep }).drainOnce();
    expect(webhook.sent[0]?.message.threadTs).toBeUndefined();
    expect(store.calls).not.toContain('getLedger');
  });

  it('marks a permanent failure failed, logs it loudly with the Slack code, and continues with the next rows', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    const sink = fakeSink('sec', clock, { script: [permanent('channel_not_found')] });
    await seed(store, [outboxRow('a', { createdAt: 1 }), outboxRow('b', { createdAt: 2 })]);
    const { logger, lines } = recordingLogger();
    const events: DrainEvent[] = [];
    const summary = await createOutboxDrainer({
      store,
      sinks: new Map([['sec', sink.sink]]),
      now: clock.now,
      sleep: clock.sleep,
      logger,
      onEvent: (e) => events.push(e),
    }).drainOnce();

    expect(summary).toMatchObject({ sent: 1, failed: 1, retried: 0 });
    expect(store.outbox().map((r) => [r.id, r.status])).toEqual([['row-a', 'failed'], ['row-b', 'sent']]);
    expect(store.outbox()[0]?.lastError).toContain('channel_not_found');
    expect(lines.find((l) => l.level === 'error')?.fields).toMatchObject({ destination: 'sec', outboxId: 'row-a', code: 'channel_not_found' });
    expect(events.map((e) => e.type)).toEqual(['failed', 'sent']);
  });

  it('marks rows for an unknown destination failed', async () => {
    const clock = createManualClock();
    const store = createMemoryStore();
    await seed(store, [outboxRow('a', { destination: 'gone' })]);
    const summary = await createOutboxDrainer({ store, sinks: new Map(), now: clock.now, sleep: clock.sleep }).drainOnce();
    expect(summary.byDestination['gone']).toEqual({ sent: 0, failed: 1, retried: 0 });
    expect(store.outbox()[0]).toMatchObject({ status: 'failed', lastError: expect.stringContaining('gone') });
  });

  it('keeps a row pending when retries run out, defers the destination in order, and lets others continue', async () => {
    const clock = createManualClock(0);
    const store = createMemoryStore();
    const sec = fakeSink('sec', clock, { script: Array.from({ length: 100 }, () => transient()) });
    const ops = fakeSink('ops', clock);
    await seed(store, [
      outboxRow('s1', { createdAt: 1 }),
      outboxRow('s2', { createdAt: 2 }),
      outboxRow('s3', { createdAt: 3 }),
      outboxRow('o1', { destination: 'ops', createdAt: 4 }),
    ]);
    const events: DrainEvent[] = [];
    const summary = await createOutboxDrainer({
      store,
      sinks: new Map([['sec', sec.sink], ['ops', ops.sink]]),
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      retry: { maxElapsedMs: 5_000, baseDelayMs: 100 },
      onEvent: (e) => events.push(e),
    }).drainOnce();

    expect(summary).toMatchObject({ sent: 1, retried: 3, failed: 0 });
    const rows = new Map(store.outbox().map((r) => [r.id, r]));
    expect(rows.get('row-o1')?.status).toBe('sent');
    const s1 = rows.get('row-s1');
    expect(s1).toMatchObject({ status: 'pending', lastError: expect.stringContaining('503') });
    expect(s1?.nextAttemptAt).toBeGreaterThan(clock.now());
    // Untried rows wait for the same moment, so the order survives.
    expect(rows.get('row-s2')?.nextAttemptAt).toBe(s1?.nextAttemptAt);
    expect(rows.get('row-s3')?.nextAttemptAt).toBe(s1?.nextAttemptAt);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { tried: boolean }).tried)).toEqual([true, false, false]);
    expect(sec.sent).toHaveLength(0);
  });

  it('waits out a Retry-After longer than the message budget and sends at the next drain', async () => {
    const clock = createManualClock(0);
    const store = createMemoryStore();
    const sink = fakeSink('sec', clock, { script: [transient({ retryAfterMs: 120_000 })] });
    await seed(store, [outboxRow('a')]);
    const drainer = createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep });
    await drainer.drainOnce();
    expect(store.outbox()[0]?.nextAttemptAt).toBeGreaterThanOrEqual(120_000);
    expect(drainer.limiterFor('sec')?.pausedUntil).toBe(120_000);

    clock.advance(120_000);
    await drainer.drainOnce();
    expect(store.outbox()[0]?.status).toBe('sent');
  });

  it('drainUntilEmpty waits for a backing-off destination when it resumes before the deadline', async () => {
    const clock = createManualClock(0);
    const store = createMemoryStore();
    const sink = fakeSink('sec', clock, { script: Array.from({ length: 3 }, () => transient()) });
    await seed(store, [outboxRow('a', { createdAt: 1 }), outboxRow('b', { createdAt: 2 })]);
    const drainer = createOutboxDrainer({
      store,
      sinks: new Map([['sec', sink.sink]]),
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      retry: { maxElapsedMs: 1_000, baseDelayMs: 200 },
      rowBackoff: { baseMs: 5_000, maxMs: 60_000 },
    });
    const summary = await drainer.drainUntilEmpty({ deadlineMs: 60_000 });
    expect(sink.sent.map((s) => s.message.id)).toEqual(['row-a', 'row-b']);
    expect(summary.sent).toBe(2);
    expect(store.outbox().every((r) => r.status === 'sent')).toBe(true);
  });

  it('leaves rows untouched once the deadline has passed', async () => {
    const clock = createManualClock(0);
    const store = createMemoryStore();
    const sink = fakeSink('sec', clock, { perSecond: 1 });
    await seed(store, Array.from({ length: 5 }, (_, i) => outboxRow(`m${i}`, { createdAt: i })));
    // burst 1000, so time only moves via the sink: make each send take 1 s.
    sink.sink.send = ((original) => async (m: OutgoingMessage) => {
      clock.advance(1_000);
      return original(m);
    })(sink.sink.send.bind(sink.sink));
    const summary = await createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep }).drainUntilEmpty({
      deadlineMs: 2_500,
    });
    expect(summary.sent).toBe(3);
    const pending = store.outbox().filter((r) => r.status === 'pending');
    expect(pending.map((r) => [r.id, r.attempts])).toEqual([['row-m3', 0], ['row-m4', 0]]);
  });

  it('hands back, due at once, a row it claimed but had no time left to send (a slow store ate the invocation)', async () => {
    const clock = createManualClock(0);
    const store = createMemoryStore();
    await seed(store, [outboxRow('slow-claim')]);
    const sink = fakeSink('sec', clock);
    // The claim itself takes longer than the time that was left (DynamoDB answering slowly near a Lambda's end).
    const claim = store.claim.bind(store);
    store.claim = async (id, at, until) => {
      const won = await claim(id, at, until);
      clock.advance(5_000);
      return won;
    };
    const first = await createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep }).drainUntilEmpty({
      deadlineMs: 1_000,
    });
    expect(first.sent).toBe(0);
    expect(store.outbox().map((r) => [r.status, r.attempts])).toEqual([['pending', 0]]);
    // The next invocation (the schedule, minutes before the lease would have ended) sends it.
    const second = await createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep }).drainUntilEmpty({
      deadlineMs: clock.now() + 20_000,
    });
    expect(second.sent).toBe(1);
    expect(sink.sent.map((s) => s.message.id)).toEqual(['row-slow-claim']);
  });

  it('stops drainUntilEmpty when nothing is due', async () => {
    const clock = createManualClock(0);
    const store = createMemoryStore();
    await seed(store, [outboxRow('later', { nextAttemptAt: 1_000_000 })]);
    const sink = fakeSink('sec', clock);
    const summary = await createOutboxDrainer({ store, sinks: new Map([['sec', sink.sink]]), now: clock.now, sleep: clock.sleep }).drainUntilEmpty({
      deadlineMs: 10_000,
    });
    expect(summary).toEqual({ sent: 0, retried: 0, failed: 0, byDestination: {} });
    expect(clock.now()).toBe(0);
  });
});
