import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSlackStandin, fault, type SlackStandin } from '../support/slack-standin.js';
import { LAMBDA_BUNDLE_PATH as bundlePath, failedRecordIds, sqsEvent, startLambdaContainer, type LambdaContainer } from '../support/lambda-container.js';
import { eventBridgeFinding } from './cli-helpers.js';

/**
 * The bundle as people deploy it by hand: dist/lambda/index.mjs uploaded with only SLACK_WEBHOOK_URL and MIN_SEVERITY,
 * no STATE_TABLE, behind an EventBridge rule or an SQS queue, in one warm container (test/support/lambda-container.ts).
 * Build it with `npm run build:lambda`.
 */
const hex = (n: number) => n.toString(16).padStart(32, '0');
const failedIds = failedRecordIds;

describe.skipIf(!existsSync(bundlePath))('Lambda bundle without STATE_TABLE (SLACK_WEBHOOK_URL and MIN_SEVERITY only)', () => {
  let slack: SlackStandin;
  let container: LambdaContainer;

  beforeAll(async () => {
    slack = await startSlackStandin({ webhookRate: false });
    container = startLambdaContainer({ SLACK_WEBHOOK_URL: slack.webhookUrl('hand'), MIN_SEVERITY: '4' });
  });
  afterEach(() => {
    slack.reset();
    slack.setFaults(undefined);
  });
  afterAll(async () => {
    await container?.close();
    await slack?.close();
  });

  it('sends an EventBridge event directly, and a repeat within the warm container is silent', async () => {
    const event = eventBridgeFinding({ id: hex(1), severity: 8 });
    expect(await container.invoke(event)).toEqual({ result: null });
    expect(slack.receivedOn('hand')).toHaveLength(1);
    expect(await container.invoke(event)).toEqual({ result: null });
    expect(slack.receivedOn('hand')).toHaveLength(1);
    // Below MIN_SEVERITY: not sent, not an error.
    expect(await container.invoke(eventBridgeFinding({ id: hex(2), severity: 2 }))).toEqual({ result: null });
    expect(slack.receivedOn('hand')).toHaveLength(1);
  });

  it('says once, at cold start, what STATE_TABLE would add', () => {
    const warnings = container.logs.filter((l) => l.level === 'WARN' && String(l.message).startsWith('STATE_TABLE is not set'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.message)).toMatch(/deduplication across invocations.*digests across batches.*outbox/);
  });

  it('fails exactly the SQS records whose messages Slack did not take, and delivers them on redelivery', async () => {
    const refused = { id: 'm-refused', body: eventBridgeFinding({ id: hex(11), severity: 9, title: 'Refused the first time' }) };
    const good = { id: 'm-good', body: eventBridgeFinding({ id: hex(10), severity: 7 }) };
    const poison = { id: 'm-poison', body: '{"detail": ' };
    // Slack refuses the first message it is sent (the refused finding's: messages go in record order) for good.
    let requests = 0;
    slack.setFaults(() => (requests++ === 0 ? fault.status(400, 'invalid_payload') : undefined));
    const first = await container.invoke(sqsEvent([refused, good, poison]));
    expect(failedIds(first)).toEqual(['m-poison', 'm-refused']);
    expect(slack.receivedOn('hand').filter((m) => JSON.stringify(m.body).includes('Refused the first time'))).toEqual([]);
    expect(slack.receivedOn('hand')).toHaveLength(1);

    // SQS redelivers the failed record; Slack is back. The finding was forgotten with its message, so it goes out now.
    slack.setFaults(undefined);
    const second = await container.invoke(sqsEvent([refused]));
    expect(failedIds(second)).toEqual([]);
    expect(slack.receivedOn('hand').filter((m) => JSON.stringify(m.body).includes('Refused the first time'))).toHaveLength(1);
    // And the one that went out the first time stays silent when it comes again.
    expect(failedIds(await container.invoke(sqsEvent([good])))).toEqual([]);
    expect(slack.receivedOn('hand')).toHaveLength(2);
  });

  it('throws for a direct EventBridge event it could not deliver, so that Lambda retries it, and delivers the retry', async () => {
    const event = eventBridgeFinding({ id: hex(20), severity: 8 });
    let requests = 0;
    slack.setFaults(() => (requests++ === 0 ? fault.status(400, 'invalid_payload') : undefined));
    const first = await container.invoke(event);
    expect(first.error).toMatch(/not delivered/);
    expect(slack.receivedOn('hand')).toHaveLength(0);
    expect(await container.invoke(event)).toEqual({ result: null });
    expect(slack.receivedOn('hand')).toHaveLength(1);
  });

  it('turns a burst in one SQS batch into a digest, and treats the scheduled drain as nothing to do', async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => ({ id: `m-burst-${i}`, body: eventBridgeFinding({ id: hex(100 + i), severity: 4 + (i % 6) }) }));
    expect(failedIds(await container.invoke(sqsEvent(bodies)))).toEqual([]);
    expect(slack.receivedOn('hand')).toHaveLength(1);
    expect(String(slack.receivedOn('hand')[0]?.body.text)).toMatch(/12/);
    expect(await container.invoke({ source: 'aws.events', 'detail-type': 'Scheduled Event', id: 's', detail: {} })).toEqual({ result: null });
    expect(slack.receivedOn('hand')).toHaveLength(1);
  });

  // Last: the webhook then backs off for a while, in this warm container as with a table.
  it('fails the records of a batch Slack is down for, instead of dropping its findings', async () => {
    slack.setFaults(() => fault.status(503));
    const answer = await container.invoke(sqsEvent([{ id: 'm-down', body: eventBridgeFinding({ id: hex(30), severity: 8 }) }]), 4_500);
    expect(failedIds(answer)).toEqual(['m-down']);
    expect(slack.receivedOn('hand')).toHaveLength(0);
    const warning = container.logs.find((l) => String(l.message).startsWith('Messages not delivered in this invocation'));
    expect(warning).toMatchObject({ messages: 1, findings: 1 });
  });
});
