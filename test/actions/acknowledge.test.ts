import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeFindings } from '../../src/actions/acknowledge.js';
import { formatStatus, readStatus } from '../../src/state/status-report.js';
import { parseConfig } from '../../src/config/validate.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { createPagerDutyWebhook } from '../../src/pipeline/pagerduty-webhook-runtime.js';
import { createRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { pagerDutyDedupKey, pagerDutyTrigger } from '../../src/render/pagerduty-event.js';
import { verifyPagerDutySignature } from '../../src/interact/pagerduty-webhook.js';
import { bandOf, type Finding } from '../../src/finding/finding.js';
import { createMemoryStore } from '../support/memory-store.js';
import { makeFinding } from '../support/make-finding.js';
import { incidentWebhookBody, signPagerDutyWebhook, startPagerDutyStandin, TEST_ROUTING_KEY, type PagerDutyStandin } from '../support/pagerduty-standin.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';

/**
 * One acknowledgement everywhere: the gate (src/actions/acknowledge.ts) behind the Slack button, PagerDuty's webhook,
 * archiving and `ack`; lifecycle sync to PagerDuty and Slack; the webhook's signature and replay rules.
 */

const T0 = Date.parse('2026-12-08T03:00:00.000Z');
const MIN = 60_000;
const SECRET = 'pd-webhook-secret-for-tests';

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

const fast = { perSecond: 100, burst: 100 };
async function start() {
  const config = parseConfig(
    {
      destinations: [
        { name: 'sec', type: 'slack-api', token: slack.token, channel: 'C-SEC', apiUrl: slack.apiUrl, rate: fast },
        { name: 'pager', type: 'pagerduty', routingKey: TEST_ROUTING_KEY, apiUrl: pd.url, webhookSecret: SECRET, rate: fast },
      ],
      routes: [{ name: 'high', match: { minSeverity: 7 }, to: ['sec', 'pager'], escalate: { after: '15m', to: ['pager'], mention: ['<!here>'], repeat: '15m', times: 3 } }],
    },
    'test',
  );
  let now = T0;
  const store = createMemoryStore();
  runtime = await createRuntime(config, { store, now: () => now });
  const rt = runtime;
  const webhook = (await createPagerDutyWebhook({ config, store, secrets: createSecretResolver({ env: {} }), logger: rt.logger, now: () => now }))!;
  return {
    config,
    store,
    rt,
    webhook,
    async pass(ms: number) {
      now = ms;
      await rt.escalator.run(ms);
      await rt.pipeline.drain({ deadlineMs: ms + 30_000 });
    },
    async post(body: string, signature: string | undefined) {
      return webhook.handle({ headers: signature === undefined ? {} : { 'x-pagerduty-signature': signature }, body: Buffer.from(body) });
    },
  };
}

const high = (id: string): Finding => makeFinding({ id, severity: 8, band: bandOf(8) });
const alertOf = (id: string) => pd.alert(TEST_ROUTING_KEY, pagerDutyDedupKey(id));

describe('one acknowledgement everywhere', () => {
  it('a Slack or CLI acknowledgement acknowledges the PagerDuty alert, notes it in the thread, and stops escalation', async () => {
    const t = await start();
    await t.rt.pipeline.ingestFindings([high('f-ack')]);
    await t.pass(T0);
    expect(alertOf('f-ack')?.status).toBe('triggered');

    const [result] = await acknowledgeFindings({ config: t.config, store: t.store }, { findingIds: ['f-ack'], by: 'cli:alice', byName: 'alice', via: 'cli', at: T0 + 3 * MIN, requestId: 'r1' });
    expect(result).toMatchObject({ result: 'done', told: ['pager', 'sec'] });
    await t.pass(T0 + 3 * MIN);
    expect(alertOf('f-ack')?.status).toBe('acknowledged');
    const note = slack.receivedOn('C-SEC').at(-1)!;
    expect(String(note.body.text)).toBe('Acknowledged in the command line by alice, 03:03 UTC');
    expect(note.threadTs).toBe(slack.receivedOn('C-SEC')[0]!.ts);

    await t.pass(T0 + 60 * MIN);
    expect(slack.receivedOn('C-SEC').some((m) => String(m.body.text).includes('Not acknowledged'))).toBe(false);
    // Recorded once: a second acknowledgement is told who was first and changes nothing.
    const [again] = await acknowledgeFindings({ config: t.config, store: t.store }, { findingIds: ['f-ack'], by: 'slack:U2', via: 'slack', at: T0 + 4 * MIN, requestId: 'r2' });
    expect(again).toMatchObject({ result: 'already', ack: { by: 'cli:alice', via: 'cli' } });
    // `status`: the time to acknowledge per route.
    const status = formatStatus(await readStatus(t.store, 10, T0 + 60 * MIN), T0 + 60 * MIN);
    expect(status).toMatch(/route high: 1 of 1 acknowledged, time to acknowledge: median 3m/);
    const audit = await t.store.listAudit({ since: 0 });
    expect(audit.map((r) => [r.action, r.result, r.via])).toEqual([
      ['acknowledge', 'done', 'slack'],
      ['acknowledge', 'done', 'cli'],
    ]);
  });

  it('archiving resolves the PagerDuty alert', async () => {
    const t = await start();
    await t.rt.pipeline.ingestFindings([high('f-arch')]);
    await t.pass(T0);
    await acknowledgeFindings({ config: t.config, store: t.store }, { findingIds: ['f-arch'], by: 'slack:U1', via: 'slack', at: T0 + MIN, requestId: 'r3', archived: true, fromDestination: 'sec' });
    await t.pass(T0 + MIN);
    expect(alertOf('f-arch')?.status).toBe('resolved');
  });

  it('GuardDuty sending the finding archived later resolves its PagerDuty alert and ends its escalation', async () => {
    const t = await start();
    await t.rt.pipeline.ingestFindings([high('f-later')]);
    await t.pass(T0);
    await t.rt.pipeline.ingestFindings([makeFinding({ id: 'f-later', severity: 8, band: bandOf(8), archived: true, updatedAt: '2026-12-08T03:05:00.000Z' })]);
    await t.pass(T0 + 5 * MIN);
    expect(alertOf('f-later')?.status).toBe('resolved');
    await t.pass(T0 + 60 * MIN);
    expect(slack.receivedOn('C-SEC').some((m) => String(m.body.text).includes('Not acknowledged'))).toBe(false);
  });

  it('refuses a finding the store never notified', async () => {
    const t = await start();
    const [result] = await acknowledgeFindings({ config: t.config, store: t.store }, { findingIds: ['never'], by: 'cli:x', via: 'cli', at: T0, requestId: 'r4' });
    expect(result).toEqual({ findingId: 'never', result: 'not-found' });
  });
});

describe('PagerDuty webhook', () => {
  it('verifies one of several comma-separated v1 signatures, in constant time, and refuses the rest', () => {
    const body = Buffer.from('{"event":{}}');
    expect(verifyPagerDutySignature(body, signPagerDutyWebhook(body.toString(), ['old', SECRET]), [SECRET])).toBe(true);
    expect(verifyPagerDutySignature(body, signPagerDutyWebhook(body.toString(), ['wrong']), [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(body, undefined, [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(body, 'v1=zz', [SECRET])).toBe(false);
    expect(verifyPagerDutySignature(Buffer.from('{"event":{"x":1}}'), signPagerDutyWebhook(body.toString(), [SECRET]), [SECRET])).toBe(false);
  });

  it('acknowledges from PagerDuty: the Slack thread says who, escalation stops; unsigned and replayed events change nothing', async () => {
    const t = await start();
    await t.rt.pipeline.ingestFindings([high('f-pd')]);
    await t.pass(T0);
    const title = pagerDutyTrigger(high('f-pd')).payload!.summary;
    const body = incidentWebhookBody({ eventId: 'E1', eventType: 'incident.acknowledged', title, agentName: 'Dana' });

    expect((await t.post(body, undefined)).status).toBe(401);
    expect((await t.post(body, signPagerDutyWebhook(body, ['not-the-secret']))).status).toBe(401);
    expect(await t.store.getAcks(['f-pd'])).toEqual(new Map());

    await t.pass(T0 + 4 * MIN);
    expect(await t.post(body, signPagerDutyWebhook(body, [SECRET]))).toEqual({ status: 200, body: 'ok\n' });
    expect((await t.store.getAcks(['f-pd'])).get('f-pd')).toMatchObject({ via: 'pagerduty', byName: 'Dana' });
    await t.pass(T0 + 4 * MIN);
    expect(String(slack.receivedOn('C-SEC').at(-1)!.body.text)).toBe('Acknowledged in PagerDuty by Dana, 03:04 UTC');
    await t.pass(T0 + 20 * MIN);
    expect(slack.receivedOn('C-SEC').some((m) => String(m.body.text).includes('Not acknowledged'))).toBe(false);

    // incident.unacknowledged: escalation resumes.
    const unack = incidentWebhookBody({ eventId: 'E2', eventType: 'incident.unacknowledged', title, incidentKey: pagerDutyDedupKey('f-pd') });
    expect((await t.post(unack, signPagerDutyWebhook(unack, [SECRET]))).status).toBe(200);
    expect((await t.store.getAcks(['f-pd'])).size).toBe(0);
    await t.pass(T0 + 40 * MIN);
    expect(slack.receivedOn('C-SEC').filter((m) => String(m.body.text).includes('Not acknowledged'))).toHaveLength(1);

    // The first event again (a replay, or PagerDuty's retry): applied once, so the finding stays unacknowledged.
    expect(await t.post(body, signPagerDutyWebhook(body, [SECRET]))).toEqual({ status: 200, body: 'already applied\n' });
    expect((await t.store.getAcks(['f-pd'])).size).toBe(0);
  });

  it('answers 200 for an incident we did not open, and matches by incident_key when the title has no reference', async () => {
    const t = await start();
    const unknown = incidentWebhookBody({ eventId: 'E3', eventType: 'incident.acknowledged', title: 'Disk full on db-1' });
    expect(await t.post(unknown, signPagerDutyWebhook(unknown, [SECRET]))).toEqual({ status: 200, body: 'unknown incident\n' });

    await t.rt.pipeline.ingestFindings([high('f-key')]);
    await t.pass(T0);
    const byKey = incidentWebhookBody({ eventId: 'E4', eventType: 'incident.resolved', title: 'renamed by someone', incidentKey: pagerDutyDedupKey('f-key'), agentName: 'Bob' });
    expect((await t.post(byKey, signPagerDutyWebhook(byKey, [SECRET]))).status).toBe(200);
    expect((await t.store.getAcks(['f-key'])).get('f-key')).toMatchObject({ byName: 'Bob' });
  });
});
