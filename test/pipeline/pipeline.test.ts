import { slackIn } from '../support/payloads.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createSnsSink } from '../../src/deliver/sns.js';
import type { Sink } from '../../src/deliver/sink.js';
import { createRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { generateSampleFindings } from '../../src/sources/samples.js';
import { createDynamoDbStore } from '../../src/state/dynamodb-store.js';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import type { Store } from '../../src/state/store.js';
import { formatDecisionReason } from '../../src/policy/decision-record.js';
import { fault, startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { startSnsStandin } from '../support/sns-standin.js';
import { atLeastOnceProblems, createTimeoutWitness } from '../support/timeout-witness.js';
import { createSlackWebhookSink } from '../../src/deliver/slack-webhook.js';
import { startTestDynamoDb } from '../support/local-dynamodb.js';
import { eventBridgeFinding } from '../entry/cli-helpers.js';

/**
 * The whole pipeline as users meet it: routing, policy, state, outbox and sinks, against the Slack stand-in, the SNS
 * stand-in and dynalite. Time is injected so re-publications, reminders and mute expiry happen in simulated hours.
 */

let slack: SlackStandin;
const open: Array<{ runtime: Runtime; store: Store }> = [];

beforeAll(async () => {
  slack = await startSlackStandin({ webhookRate: false, channelRate: false, channels: ['C-SEC'] });
});
afterAll(async () => {
  await slack.close();
});
afterEach(async () => {
  for (const { runtime, store } of open.splice(0)) {
    await runtime.close();
    await store.close();
  }
  slack.reset();
});

const T0 = Date.parse('2026-11-20T08:00:00Z');

async function setup(
  input: Partial<ConfigInput> & Pick<ConfigInput, 'destinations'>,
  options: { store?: Store; sinks?: Map<string, Sink>; realClock?: boolean } = {},
) {
  let now = T0;
  const store = options.store ?? createSqliteStore({ path: ':memory:' });
  const config = parseConfig(input, 'test');
  // Simulated time for policy tests; the real clock where retries really wait (backoff, Retry-After).
  const clock = options.realClock ? Date.now : () => now;
  if (options.realClock) now = Date.now();
  const runtime = await createRuntime(config, { store, sinks: options.sinks, now: clock });
  open.push({ runtime, store });
  return {
    runtime,
    store,
    setNow: (t: number) => (now = t),
    async feed(events: object[]) {
      const result = await runtime.pipeline.ingest(events);
      const drain = await runtime.pipeline.drain({ deadlineMs: clock() + 20_000 });
      return { result, drain };
    },
  };
}

const webhook = (name: string) => ({ name: 'sec', type: 'slack-webhook' as const, url: slack.webhookUrl(name) });

describe('an ingest with nothing to decide', () => {
  it('writes nothing: no commit for an empty tick, one commit for a finding', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    let commits = 0;
    const commit = store.commit.bind(store);
    store.commit = async (batch) => {
      commits += 1;
      return commit(batch);
    };
    const p = await setup({ destinations: [webhook('empty-tick')] }, { store });
    await p.runtime.pipeline.ingestFindings([]);
    await p.runtime.pipeline.ingest([]);
    expect(commits).toBe(0);
    await p.feed([eventBridgeFinding({ id: 'e'.repeat(32), severity: 8 })]);
    expect(commits).toBe(1);
    expect(slack.receivedOn('empty-tick')).toHaveLength(1);
  });
});

describe('never flood', () => {
  it('sends one message for the same finding re-published 20 times with a rising count', async () => {
    const p = await setup({ destinations: [webhook('repeat')] });
    for (let i = 1; i <= 20; i++) {
      p.setNow(T0 + i * 15 * 60_000);
      await p.feed([eventBridgeFinding({ count: i })]);
    }
    expect(slack.receivedOn('repeat')).toHaveLength(1);
    const duplicates = (await p.store.recentDecisions(100)).filter((d) => d.reason === 'duplicate');
    expect(duplicates).toHaveLength(19);
  });

  it('with a bot token, opens a thread for the finding and puts the 19 re-publications in it', async () => {
    const p = await setup({
      destinations: [{ name: 'sec', type: 'slack-api', token: slack.token, channel: 'C-SEC', apiUrl: slack.apiUrl }],
    });
    for (let i = 1; i <= 20; i++) {
      p.setNow(T0 + i * 15 * 60_000);
      await p.feed([eventBridgeFinding({ count: i })]);
    }
    const received = slack.receivedOn('C-SEC');
    expect(received).toHaveLength(20);
    const [first, ...replies] = received;
    expect(first?.threadTs).toBeUndefined();
    expect(replies.every((r) => r.threadTs === first?.ts && r.replyBroadcast !== true)).toBe(true);
  });

  it('sends a second message, marked as an escalation, when the severity band rises (5 → 8)', async () => {
    const p = await setup({ destinations: [webhook('escalate')] });
    await p.feed([eventBridgeFinding({ severity: 5 })]);
    p.setNow(T0 + 3_600_000);
    await p.feed([eventBridgeFinding({ severity: 8, count: 2 })]);
    p.setNow(T0 + 7_200_000);
    await p.feed([eventBridgeFinding({ severity: 8.5, count: 3 })]);
    const received = slack.receivedOn('escalate');
    expect(received).toHaveLength(2);
    expect(JSON.stringify(received[1]?.body)).toMatch(/Medium.{1,20}High/);
  });

  it('broadcasts an escalation from the thread to the channel with a bot token', async () => {
    const p = await setup({ destinations: [{ name: 'sec', type: 'slack-api', token: slack.token, channel: 'C-SEC', apiUrl: slack.apiUrl }] });
    await p.feed([eventBridgeFinding({ severity: 5 })]);
    await p.feed([eventBridgeFinding({ severity: 9, count: 2 })]);
    const [first, escalation] = slack.receivedOn('C-SEC');
    expect(escalation?.threadTs).toBe(first?.ts);
    expect(escalation?.replyBroadcast).toBe(true);
  });

  it('with a bot token, stays quiet when findings first reported in a digest are re-published', async () => {
    const p = await setup({ destinations: [{ name: 'sec', type: 'slack-api', token: slack.token, channel: 'C-SEC', apiUrl: slack.apiUrl }] });
    const burst = (count: number) => Array.from({ length: 12 }, (_, i) => eventBridgeFinding({ id: (i + 1).toString(16).padStart(32, '0'), count }));
    await p.feed(burst(1));
    expect(slack.receivedOn('C-SEC')).toHaveLength(1);
    p.setNow(T0 + 15 * 60_000);
    await p.feed(burst(2));
    expect(slack.receivedOn('C-SEC')).toHaveLength(1);
  });

  it('turns a burst of 300 sample findings into at most 3 messages that account for every finding', async () => {
    const p = await setup({ destinations: [webhook('burst')] });
    const events = generateSampleFindings({ count: 300, now: T0, seed: 5 });
    for (let i = 0; i < events.length; i += 100) await p.feed(events.slice(i, i + 100));
    const received = slack.receivedOn('burst');
    expect(received.length).toBeLessThanOrEqual(3);
    const counted = received.map((m) => Number(/^\[Digest\] (\d+) findings/.exec(String(m.body.text))?.[1] ?? 0));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(300);
  });

  it('reminds about a finding still active after repeatAfter, and not before', async () => {
    const p = await setup({ destinations: [webhook('remind')], routes: [{ to: ['sec'], repeatAfter: '12h' }] });
    await p.feed([eventBridgeFinding({ count: 1 })]);
    p.setNow(T0 + 6 * 3_600_000);
    await p.feed([eventBridgeFinding({ count: 5 })]);
    expect(slack.receivedOn('remind')).toHaveLength(1);
    p.setNow(T0 + 13 * 3_600_000);
    await p.feed([eventBridgeFinding({ count: 9 })]);
    expect(slack.receivedOn('remind')).toHaveLength(2);
  });

  it('honours a mute until it expires, and suppresses with the rule named', async () => {
    const p = await setup({ destinations: [webhook('mute')] });
    await p.store.addMute({ id: 'm-pentest', type: 'UnauthorizedAccess:*', reason: 'pen test', createdAt: T0, expiresAt: T0 + 7 * 86_400_000 });
    const { result } = await p.feed([eventBridgeFinding()]);
    expect(result.decisions.map((d) => formatDecisionReason(d.reason))).toEqual(['muted:m-pentest']);
    expect(slack.receivedOn('mute')).toHaveLength(0);
    p.setNow(T0 + 8 * 86_400_000);
    await p.feed([eventBridgeFinding({ count: 2 })]);
    expect(slack.receivedOn('mute')).toHaveLength(1);
  });

  it('routes each team only its findings, and sends nothing below a destination minimum', async () => {
    const p = await setup({
      destinations: [
        { name: 'sec', type: 'slack-webhook', url: slack.webhookUrl('team-sec'), minSeverity: 7 },
        { name: 'ops', type: 'slack-webhook', url: slack.webhookUrl('team-ops') },
      ],
      routes: [
        { match: { types: ['UnauthorizedAccess:*'] }, to: ['sec', 'ops'] },
        { match: { types: ['Recon:*'] }, to: ['ops'] },
      ],
    });
    const { result } = await p.feed([
      eventBridgeFinding({ id: 'a'.repeat(32), severity: 5 }),
      eventBridgeFinding({ id: 'b'.repeat(32), severity: 8 }),
      eventBridgeFinding({ id: 'c'.repeat(32), type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2 }),
      eventBridgeFinding({ id: 'd'.repeat(32), type: 'Policy:S3/BucketBlockPublicAccessDisabled', severity: 2 }),
    ]);
    expect(result.unrouted).toBe(1);
    expect(slack.receivedOn('team-sec')).toHaveLength(1);
    expect(slack.receivedOn('team-ops')).toHaveLength(3);
    expect(result.decisions.filter((d) => d.reason.code === 'below-threshold').map((d) => d.destination)).toEqual(['sec']);
  });
});

describe('never lose', () => {
  it('delivers every decided message through a 429 storm, 500s, resets and a slow Slack, twice only where an attempt timed out', { timeout: 120_000 }, async () => {
    const witness = createTimeoutWitness();
    const sink = witness.wrap(createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('storm'), rate: { perSecond: 100, burst: 20 } }));
    const p = await setup({
      destinations: [{ ...webhook('storm'), rate: { perSecond: 100, burst: 20 } }],
      digest: { threshold: 1000 },
    }, { realClock: true, sinks: new Map([['sec', sink]]) });
    let n = 0;
    slack.setFaults(() => {
      n += 1;
      if (n % 7 === 0) return fault.rateLimited(0);
      if (n % 11 === 0) return fault.status(500);
      if (n % 13 === 0) return fault.reset();
      if (n % 17 === 0) return fault.slow(300);
      return undefined;
    });
    const events = generateSampleFindings({ count: 120, now: Date.now(), seed: 11 });
    const result = await p.runtime.pipeline.ingest(events);
    // Drain until the outbox is empty, bounded in passes, not by how fast this machine is.
    for (let pass = 0; pass < 20 && (await p.store.stats()).pending > 0; pass++) {
      await p.runtime.pipeline.drain({ deadlineMs: Date.now() + 30_000 });
    }
    expect((await p.store.stats()).pending).toBe(0);
    const expected = (await p.store.listOutbox({ status: 'sent', limit: 1_000 })).map((row) => slackIn(row.message).text);
    expect(expected).toHaveLength(result.messagesQueued);
    // A reset happens before Slack reads the request; only an attempt that timed out on our side may be a second copy.
    const texts = slack.receivedOn('storm').map((m) => String(m.body['text']));
    expect(atLeastOnceProblems(expected, texts, witness.timedOut)).toEqual([]);
  });

  it('keeps a permanently refused message as failed, visible, and goes on with the others', async () => {
    const p = await setup({
      destinations: [
        { name: 'sec', type: 'slack-webhook', url: slack.webhookUrl('gone', { error: 'channel_not_found' }) },
        { name: 'ops', type: 'slack-webhook', url: slack.webhookUrl('fine') },
      ],
    });
    const { drain } = await p.feed([eventBridgeFinding()]);
    expect(drain.failed).toBe(1);
    expect(slack.receivedOn('fine')).toHaveLength(1);
    const [failed] = await p.store.listOutbox({ status: 'failed', limit: 10 });
    expect(failed?.lastError).toContain('channel_not_found');
    expect(failed?.lastError).not.toContain(slack.webhookUrl('gone'));
  });
});

describe('SNS destination', () => {
  it('publishes subject, text and filterable attributes so that SMS can take Critical only', async () => {
    const sns = await startSnsStandin();
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:guardduty';
    const sink = createSnsSink({
      name: 'pager',
      topicArn,
      client: new SNSClient({ region: 'us-east-1', endpoint: sns.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
    });
    const sms = sns.subscribe(topicArn, { band: ['Critical'] });
    const p = await setup({ destinations: [{ name: 'pager', type: 'sns', topicArn }] }, { sinks: new Map([['pager', sink]]) });
    await p.feed([eventBridgeFinding({ id: 'e'.repeat(32), severity: 5 }), eventBridgeFinding({ id: 'f'.repeat(32), severity: 9.2 })]);
    expect(sns.published).toHaveLength(2);
    const critical = sns.published.find((m) => m.attributes.band?.value === 'Critical');
    expect(critical?.subject).toMatch(/^\[Critical 9\.2\]/);
    expect(critical?.attributes).toMatchObject({
      severity: { dataType: 'Number', value: '9.2' },
      type: { dataType: 'String', value: 'UnauthorizedAccess:EC2/SSHBruteForce' },
      account: { dataType: 'String', value: '123456789012' },
    });
    expect(sms.delivered()).toHaveLength(1);
    await sns.close();
  });
});

describe('with the DynamoDB store (DynamoDB Local in CI)', () => {
  it('decides, delivers and deduplicates the same way as with SQLite', async () => {
    const ddb = await startTestDynamoDb();
    try {
      const tableName = await ddb.createTable('gdn-pipeline');
      const store = createDynamoDbStore({ tableName, client: ddb.client });
      const p = await setup({ destinations: [webhook('dynamo')] }, { store });
      await p.feed([eventBridgeFinding({ severity: 5 })]);
      await p.feed([eventBridgeFinding({ severity: 5, count: 2 })]);
      await p.feed([eventBridgeFinding({ severity: 8, count: 3 })]);
      expect(slack.receivedOn('dynamo')).toHaveLength(2);
      expect((await store.stats()).pending).toBe(0);
    } finally {
      for (const { runtime, store } of open.splice(0)) {
        await runtime.close();
        await store.close();
      }
      await ddb.close();
    }
  });
});
