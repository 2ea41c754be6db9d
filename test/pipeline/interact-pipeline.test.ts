import { slackIn } from '../support/payloads.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { createInboxSink, type InboxSink } from '../../src/deliver/inbox.js';
import { createRuntime } from '../../src/pipeline/runtime.js';
import { createStoreFindingLookup } from '../../src/pipeline/interact-ports.js';
import type { Sink } from '../../src/deliver/sink.js';
import { createMemoryStore } from '../support/memory-store.js';
import { attackEvent } from '../respond/events.js';

/**
 * With `interact:`, the pipeline renders the buttons on Slack messages (webhook and slack-api alike; never SNS), keeps
 * a snapshot of each notified finding for them in the same commit, and an archived finding's re-publication is
 * suppressed as `archived`.
 */

const EDGE_ARN = 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/guardduty-blocks';
const T0 = Date.parse('2024-05-01T12:30:00.000Z');

function configWith(extra: Partial<ConfigInput> = {}) {
  return parseConfig(
    {
      destinations: [
        { name: 'hook', type: 'slack-webhook', url: 'https://hooks.slack.com/services/T000/B000/XXXX' },
        { name: 'api', type: 'slack-api', token: 'xoxb-test', channel: 'C0SECOPS' },
        { name: 'pager', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:pager' },
      ],
      routes: [{ match: {}, to: ['hook', 'api', 'pager'] }],
      interact: { signingSecret: 'not-used-here', allow: { acknowledge: ['*'] } },
      ...extra,
    },
    'test',
  );
}

async function run(config: ReturnType<typeof configWith>, events: unknown[]) {
  const store = createMemoryStore();
  const inboxes = new Map<string, InboxSink>(['hook', 'api', 'pager'].map((name) => [name, createInboxSink({ name })]));
  const runtime = await createRuntime(config, { store, sinks: inboxes as Map<string, Sink>, now: () => T0 });
  const result = await runtime.pipeline.ingest(events);
  await runtime.pipeline.drain({ deadlineMs: Date.now() + 5_000 });
  // What each destination was sent, whole: an SNS row holds only its text and attributes.
  const slackOf = (name: string) => JSON.stringify(inboxes.get(name)!.messages().map((e) => e.message));
  return { store, runtime, result, slackOf };
}

describe('the pipeline with interact:', () => {
  it('puts the buttons on webhook and slack-api messages, not on SNS', async () => {
    const { slackOf } = await run(configWith(), [attackEvent()]);
    for (const name of ['hook', 'api']) {
      for (const id of ['gdn.acknowledge', 'gdn.archive', 'gdn.mute', 'gdn.open']) expect(slackOf(name)).toContain(id);
      // No respond target: no Block IP menu, whatever the address.
      expect(slackOf(name)).not.toContain('gdn.block');
    }
    expect(slackOf('pager')).not.toContain('gdn.');
  });

  it('offers Block IP only with a respond target and a blockable remote address', async () => {
    const respond = { mode: 'dry-run' as const, allow: ['203.0.113.0/24'], targets: [{ name: 'edge', type: 'network-firewall' as const, ruleGroupArn: EDGE_ARN, priority: 30_000 }] };
    const { slackOf, runtime } = await run(configWith({ respond }), [
      attackEvent({ id: 'a0000000000000000000000000000001', ip: '185.220.101.1' }),
    ]);
    expect(slackOf('api')).toContain('gdn.block');
    await runtime.close();
    const privateOnly = await run(configWith({ respond }), [attackEvent({ id: 'a0000000000000000000000000000002', ip: '10.1.2.3' })]);
    expect(privateOnly.slackOf('api')).not.toContain('gdn.block');
    const sample = await run(configWith({ respond }), [attackEvent({ id: 'a0000000000000000000000000000003', sample: true })]);
    expect(sample.slackOf('api')).not.toContain('gdn.block');
  });

  it('has no buttons without interact:', async () => {
    const config = configWith();
    const { slackOf, store } = await run({ ...config, interact: undefined }, [attackEvent()]);
    expect(slackOf('hook')).not.toContain('gdn.acknowledge');
    expect(await store.getSnapshot('hook', 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6')).toBeUndefined();
  });

  it('keeps what the buttons need of each notified finding, committed with its message', async () => {
    const { store } = await run(configWith(), [attackEvent({ ip: '185.220.101.1' })]);
    const id = 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6';
    const snapshot = await store.getSnapshot('api', id);
    expect(snapshot).toMatchObject({
      destination: 'api',
      findingId: id,
      at: T0,
      arn: `arn:aws:guardduty:eu-west-1:123456789012:detector/12abc34d567e8fa901bc2d34eexample/finding/${id}`,
      region: 'eu-west-1',
      accountId: '123456789012',
      product: 'GuardDuty',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      resourceType: 'Instance',
      archived: false,
      sample: false,
      remoteIps: ['185.220.101.1'],
    });
    // Its outbox row is the message it refers to (the resource's own addresses are not in remoteIps).
    const row = store.outbox().find((r) => r.id === snapshot?.outboxId);
    expect(row).toMatchObject({ destination: 'api', findingId: id });
    expect(snapshot?.message).toEqual(slackIn(row?.message));
    expect(await store.getSnapshot('pager', id)).toBeUndefined();

    // The lookup the buttons use: channel of the slack-api destination, the message as sent.
    const target = await createStoreFindingLookup({ store, config: configWith() }).findTarget('api', id);
    expect(target?.slack?.channel).toBe('C0SECOPS');
    expect(target?.slack?.message).toEqual(slackIn(row?.message));
    const hook = await createStoreFindingLookup({ store, config: configWith() }).findTarget('hook', id);
    expect(hook?.slack?.channel).toBeUndefined();
  });

  it('puts a Mute type menu on a digest', async () => {
    const events = Array.from({ length: 12 }, (_, i) => attackEvent({ id: `d${String(i).padStart(31, '0')}`, type: i % 2 ? 'Recon:EC2/PortProbeUnprotectedPort' : 'UnauthorizedAccess:EC2/SSHBruteForce' }));
    const { slackOf, result } = await run(configWith(), events);
    expect(result.decisions.some((d) => d.outcome === 'digest')).toBe(true);
    expect(slackOf('hook')).toContain('gdn.mute-type');
  });

  it("suppresses an archived finding's next re-publication as archived", async () => {
    const id = 'e1e2e3e4e5e6e7e8e9e0e1e2e3e4e5e6';
    const { runtime, store } = await run(configWith(), [attackEvent({ id })]);
    const again = await runtime.pipeline.ingest([attackEvent({ id, archived: true, count: 2, lastSeen: '2024-05-01T12:20:00.000Z' })]);
    expect(again.decisions.map((d) => [d.destination, d.outcome, d.reason])).toEqual([
      ['hook', 'suppress', { code: 'archived' }],
      ['api', 'suppress', { code: 'archived' }],
      ['pager', 'suppress', { code: 'archived' }],
    ]);
    expect(again.messagesQueued).toBe(0);
    // Suppressed: no new message, so the snapshot still names the message that was clicked.
    expect((await store.getSnapshot('api', id))?.at).toBe(T0);
  });
});
