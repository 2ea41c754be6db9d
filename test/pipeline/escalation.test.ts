import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { createRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { formatStatus, readStatus } from '../../src/state/status-report.js';
import { pagerDutyDedupKey } from '../../src/render/pagerduty-event.js';
import { bandOf, type Finding } from '../../src/finding/finding.js';
import { createMemoryStore, type MemoryStore } from '../support/memory-store.js';
import { makeFinding } from '../support/make-finding.js';
import { startPagerDutyStandin, TEST_ROUTING_KEY, type PagerDutyStandin } from '../support/pagerduty-standin.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';

/**
 * Escalation end to end with an injected clock: the pipeline commits a High finding's message with its deadline, the
 * escalator (the daemon calls it before every drain pass) pages PagerDuty and replies in the Slack thread with the
 * config's mentions when nobody acknowledged, repeats, and stops at `times` or at an acknowledgement.
 */

const T0 = Date.parse('2026-12-08T03:00:00.000Z');
const MIN = 60_000;

let slack: SlackStandin;
let pd: PagerDutyStandin;
beforeAll(async () => {
  slack = await startSlackStandin({ channelRate: false, webhookRate: false });
  pd = await startPagerDutyStandin();
});
afterAll(async () => {
  await slack.close();
  await pd.close();
});

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  slack.reset();
});

function configWith(escalate: Record<string, unknown>, extraDestinations: unknown[] = []) {
  return parseConfig(
    {
      destinations: [
        { name: 'sec', type: 'slack-api', token: slack.token, channel: 'C-SEC', apiUrl: slack.apiUrl, rate: { perSecond: 100, burst: 100 } },
        { name: 'pager', type: 'pagerduty', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url, rate: { perSecond: 100, burst: 100 } },
        ...extraDestinations,
      ],
      routes: [{ name: 'high', match: { minSeverity: 7 }, to: ['sec'], escalate: { to: ['pager'], ...escalate } }],
    },
    'test',
  );
}

async function start(config: ReturnType<typeof configWith>, store: MemoryStore = createMemoryStore()) {
  let now = T0;
  runtime = await createRuntime(config, { store, now: () => now });
  const rt = runtime;
  return {
    store,
    runtime: rt,
    at: (ms: number) => {
      now = ms;
    },
    /** One daemon drain pass at `ms`: escalations first, then delivery. */
    async pass(ms: number) {
      now = ms;
      const summary = await rt.escalator.run(ms);
      await rt.pipeline.drain({ deadlineMs: ms + 30_000 });
      return summary;
    },
  };
}

const high = (id: string, overrides: Partial<Finding> = {}): Finding => makeFinding({ id, severity: 8, band: bandOf(8), ...overrides });

describe('escalation when nobody acknowledges', () => {
  it('does nothing when the finding was acknowledged before the deadline', async () => {
    const t = await start(configWith({ after: '15m', mention: ['<!subteam^S0123ABCD>'] }));
    await t.runtime.pipeline.ingestFindings([high('f-acked')]);
    await t.pass(T0);
    await t.store.recordAck({ findingId: 'f-acked', at: T0 + 5 * MIN, by: 'slack:U1', via: 'slack' });
    const summary = await t.pass(T0 + 15 * MIN);
    expect(summary).toMatchObject({ escalated: 0, acknowledged: 1 });
    expect(pd.events.filter((e) => e.dedupKey === pagerDutyDedupKey('f-acked'))).toEqual([]);
    expect(slack.receivedOn('C-SEC')).toHaveLength(1);
    expect(await t.store.dueEscalations(T0 + 999 * MIN, 10)).toEqual([]);
  });

  it('pages once and replies in the thread with the mentions live, then stops (times defaults to 1)', async () => {
    const t = await start(configWith({ after: '15m', mention: ['<!subteam^S0123ABCD>'] }));
    await t.runtime.pipeline.ingestFindings([high('f-1')]);
    await t.pass(T0);
    expect(await t.pass(T0 + 15 * MIN - 1)).toMatchObject({ escalated: 0 });
    expect(await t.pass(T0 + 15 * MIN)).toMatchObject({ escalated: 1 });
    await t.pass(T0 + 90 * MIN);

    const pages = pd.events.filter((e) => e.dedupKey === pagerDutyDedupKey('f-1'));
    expect(pages.map((e) => e.eventAction)).toEqual(['trigger']);
    expect(pd.alert(TEST_ROUTING_KEY, pagerDutyDedupKey('f-1'))?.status).toBe('triggered');

    const [original, reply, ...rest] = slack.receivedOn('C-SEC');
    expect(rest).toEqual([]);
    expect(reply!.threadTs).toBe(original!.ts);
    expect(reply!.replyBroadcast).toBe(true);
    expect(String(reply!.body.text)).toBe('<!subteam^S0123ABCD> Not acknowledged for 15 min — paged pager');
    // `status` lists it as not acknowledged.
    const status = formatStatus(await readStatus(t.store, 10, T0 + 90 * MIN), T0 + 90 * MIN);
    expect(status).toContain('route high: 0 of 1 acknowledged');
    expect(status).toMatch(/f-1 {2}1h30m ago, escalated 1× {2}\[High 8\.0\]/);
  });

  it('repeats every `repeat` until `times` escalations were made', async () => {
    const t = await start(configWith({ after: '15m', repeat: '30m', times: 3 }));
    await t.runtime.pipeline.ingestFindings([high('f-rep')]);
    await t.pass(T0);
    for (const at of [15, 44, 45, 75, 105, 200]) await t.pass(T0 + at * MIN);
    const replies = slack.receivedOn('C-SEC').slice(1).map((m) => String(m.body.text));
    expect(replies).toEqual([
      'Not acknowledged for 15 min — paged pager (escalation 1 of 3)',
      'Not acknowledged for 45 min — paged pager (escalation 2 of 3)',
      'Not acknowledged for 1 h 15 min — paged pager (escalation 3 of 3)',
    ]);
    expect(pd.events.filter((e) => e.dedupKey === pagerDutyDedupKey('f-rep'))).toHaveLength(3);
  });

  it('neither loses nor doubles a step when the process dies between the deadline and moving the row on', async () => {
    const store = createMemoryStore();
    const config = configWith({ after: '15m' });
    const t = await start(config, store);
    await t.runtime.pipeline.ingestFindings([high('f-crash')]);
    await t.pass(T0);
    // The escalation's messages are committed, then the process dies before the row is moved on.
    store.failNext('updateEscalation', new Error('killed'));
    await t.runtime.escalator.run(T0 + 15 * MIN);
    await t.runtime.close();
    // A restart over the same store: the row is still due, its messages are the same rows, stored once.
    const again = await start(config, store);
    expect(await again.pass(T0 + 16 * MIN)).toMatchObject({ escalated: 1 });
    await again.pass(T0 + 60 * MIN);
    expect(pd.events.filter((e) => e.dedupKey === pagerDutyDedupKey('f-crash'))).toHaveLength(1);
    expect(slack.receivedOn('C-SEC').filter((m) => String(m.body.text).includes('Not acknowledged'))).toHaveLength(1);
  });

  it('mentions the owner mapped from a resource tag, and nobody for a hostile or unmapped tag value', async () => {
    const t = await start(configWith({ after: '15m', mentionByTag: { tag: 'owner', map: { payments: '<!subteam^S0PAY>' } } }));
    const tagged = (id: string, owner: string) => high(id, { resource: { ...makeFinding().resource, tags: { owner } } });
    await t.runtime.pipeline.ingestFindings([tagged('f-pay', 'payments'), tagged('f-evil', '<!channel>'), tagged('f-proto', '__proto__'), tagged('f-none', 'unknown-team')]);
    await t.pass(T0);
    await t.pass(T0 + 15 * MIN);
    const replies = slack.receivedOn('C-SEC').filter((m) => String(m.body.text).includes('Not acknowledged'));
    expect(replies).toHaveLength(4);
    const mentions = replies.map((m) => JSON.stringify(m.body).match(/<[!@][^>]*>/g) ?? []);
    expect(mentions.flat().sort()).toEqual(['<!subteam^S0PAY>', '<!subteam^S0PAY>']);
  });
});
