import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxDrainer } from '../../src/deliver/outbox-drainer.js';
import { createPagerDutySink, PAGERDUTY_THROTTLE_RETRY_MS } from '../../src/deliver/pagerduty.js';
import { createSink } from '../../src/deliver/create-sink.js';
import { pagerDutyDedupKey, pagerDutyLifecycle, pagerDutyTrigger } from '../../src/render/pagerduty-event.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { sendError } from '../support/delivery-error.js';
import { makeFinding } from '../support/make-finding.js';
import { createManualClock } from '../support/manual-clock.js';
import { startPagerDutyStandin, TEST_ROUTING_KEY, type PagerDutyStandin } from '../support/pagerduty-standin.js';
import { outgoing, outboxRow } from './fixtures.js';

let pd: PagerDutyStandin;
beforeAll(async () => {
  pd = await startPagerDutyStandin();
});
afterAll(async () => {
  await pd.close();
});

const finding = makeFinding({ id: 'pd-sink-finding' });
const withEvent = (event = pagerDutyTrigger(finding)) => {
  // A pagerduty destination's row holds its event only.
  return { ...outgoing({ label: 'x', destination: 'pager', findingId: finding.id }), message: { pagerduty: event } };
};

describe('PagerDuty sink', () => {
  it('enqueues the event with the routing key and opens one alert per dedup key', async () => {
    const sink = createPagerDutySink({ name: 'pager', routingKey: TEST_ROUTING_KEY, apiUrl: `${pd.url}/` });
    await expect(sink.send(withEvent())).resolves.toEqual({});
    await sink.send(withEvent());
    const alert = pd.alert(TEST_ROUTING_KEY, pagerDutyDedupKey(finding.id))!;
    expect(alert).toMatchObject({ status: 'triggered', number: 1, actions: ['trigger', 'trigger'] });
    expect(sink).toMatchObject({ type: 'pagerduty', rate: { perSecond: 2, burst: 5 } });
  });

  it('acknowledges and resolves the open alert with the same key; a trigger after resolve opens a new one', async () => {
    const sink = createPagerDutySink({ name: 'pager', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url });
    const key = pagerDutyDedupKey(finding.id);
    await sink.send(withEvent(pagerDutyLifecycle('acknowledge', key)));
    expect(pd.alert(TEST_ROUTING_KEY, key)?.status).toBe('acknowledged');
    await sink.send(withEvent(pagerDutyLifecycle('resolve', key)));
    expect(pd.alert(TEST_ROUTING_KEY, key)?.status).toBe('resolved');
    await sink.send(withEvent());
    expect(pd.alert(TEST_ROUTING_KEY, key)).toMatchObject({ status: 'triggered', number: 2 });
  });

  it('keeps PagerDuty\'s errors on a 400 and never retries it, without the routing key in the error', async () => {
    const key = 'short-key-that-pagerduty-refuses';
    const sink = createPagerDutySink({ name: 'pager', routingKey: key.slice(0, 20), apiUrl: pd.url });
    const error = await sendError(sink.send(withEvent()));
    expect(error).toMatchObject({ retryable: false, status: 400, code: 'invalid_event' });
    expect(error.message).toContain("Length of 'routing_key' is incorrect");
    expect(error.message).not.toContain(key.slice(0, 20));
    expect(sink.describe()).not.toContain(key.slice(0, 20));
  });

  it('treats 429 as not ingested: retryable, first retry 30 s later', async () => {
    pd.failNext({ type: 'throttle' });
    const sink = createPagerDutySink({ name: 'pager', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url });
    const error = await sendError(sink.send(withEvent()));
    expect(error).toMatchObject({ retryable: true, status: 429, code: 'throttled', retryAfterMs: PAGERDUTY_THROTTLE_RETRY_MS });
  });

  it('retries a 5xx', async () => {
    pd.failNext({ type: 'status', status: 503 });
    const sink = createPagerDutySink({ name: 'pager', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url });
    expect(await sendError(sink.send(withEvent()))).toMatchObject({ retryable: true, status: 503 });
  });

  it('fails a row that holds no PagerDuty event instead of guessing one', async () => {
    const sink = createPagerDutySink({ name: 'pager', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: false, code: 'no_pagerduty_event' });
  });

  it('is built from a pagerduty destination config', () => {
    const sink = createSink({ config: { name: 'pager', type: 'pagerduty', routingKey: { env: 'K' }, apiUrl: pd.url }, secret: TEST_ROUTING_KEY });
    expect(sink.type).toBe('pagerduty');
    expect(() => createSink({ config: { name: 'pager', type: 'pagerduty', routingKey: { env: 'K' } }, secret: ' ' })).toThrow(/routingKey/);
  });

  it('loses nothing through a 429: the drainer keeps the row and sends it after the pause', async () => {
    const clock = createManualClock(Date.parse('2026-12-08T03:00:00Z'));
    const store = createMemoryStore();
    const row = outboxRow('r1', { id: 'r1', destination: 'pager', findingId: finding.id, createdAt: clock.now(), nextAttemptAt: clock.now(), message: { pagerduty: pagerDutyTrigger(makeFinding({ id: 'pd-429' })) } });
    await store.commit({ ledger: [], outbox: [row], decisions: [] });
    pd.failNext({ type: 'throttle' }, { type: 'throttle' });
    const sink = createPagerDutySink({ name: 'pager', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url });
    const drainer = createOutboxDrainer({ store, sinks: new Map([['pager', sink]]), now: clock.now, sleep: clock.sleep, random: () => 0 });
    const first = await drainer.drainOnce({ deadlineMs: clock.now() + 120_000 });
    expect(first.sent + first.retried).toBe(1);
    // Whatever the first pass did, the row is either sent or pending for later: draining until empty delivers it.
    await drainer.drainUntilEmpty({ deadlineMs: clock.now() + 3_600_000 });
    expect((await store.listOutbox({ status: 'sent', limit: 10 })).map((r) => r.id)).toEqual(['r1']);
    expect(pd.alert(TEST_ROUTING_KEY, pagerDutyDedupKey('pd-429'))?.status).toBe('triggered');
  });
});
