import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSnsSink, messageAttributes, publishInput, snsSubject } from '../../src/deliver/sns.js';
import { startSnsStandin, type SnsStandin } from '../support/sns-standin.js';
import { outgoing, rendered } from './fixtures.js';
import { sendError } from '../support/delivery-error.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardduty-alerts';
const FIFO_TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardduty-alerts.fifo';

let sns: SnsStandin;
let client: SNSClient;
beforeAll(async () => {
  sns = await startSnsStandin({ topics: [TOPIC, FIFO_TOPIC] });
  client = new SNSClient({
    endpoint: sns.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'standin' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await sns.close();
});

const message = (label: string, attributes: Record<string, string>) => outgoing({ label, message: rendered(label, attributes) });
const critical = { severity: '9.5', band: 'Critical', type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS', account: '123456789012' };
const medium = { severity: '5', band: 'Medium', type: 'Recon:EC2/PortProbeUnprotectedPort', account: '123456789012' };


describe('createSnsSink with the real SDK client', () => {
  beforeEach(() => {
    (sns.published as unknown[]).length = 0;
  });

  it('publishes subject, message and typed attributes', async () => {
    const sink = createSnsSink({ name: 'pager', topicArn: TOPIC, client });
    await sink.send(message('a', critical));
    expect(sns.published).toEqual([
      expect.objectContaining({
        topicArn: TOPIC,
        subject: 'GuardDuty: a',
        message: 'Finding a',
        attributes: {
          severity: { dataType: 'Number', value: '9.5' },
          band: { dataType: 'String', value: 'Critical' },
          type: { dataType: 'String', value: critical.type },
          account: { dataType: 'String', value: '123456789012' },
        },
      }),
    ]);
  });

  it('lets a filter policy send only Critical findings to an SMS subscription', async () => {
    const sms = sns.subscribe(TOPIC, { severity: [{ numeric: ['>=', 9] }] });
    const email = sns.subscribe(TOPIC);
    const sink = createSnsSink({ name: 'pager', topicArn: TOPIC, client });
    await sink.send(message('crit', critical));
    await sink.send(message('med', medium));
    expect(sms.delivered().map((p) => p.message)).toEqual(['Finding crit']);
    expect(email.delivered()).toHaveLength(2);
  });

  it('sends a group and a stable dedup id to FIFO topics, so a retried publish is not delivered twice', async () => {
    const sink = createSnsSink({ name: 'pager', topicArn: FIFO_TOPIC, client });
    await sink.send(message('a', critical));
    await sink.send(message('a', critical));
    expect(sns.published).toHaveLength(1);
    expect(sns.published[0]).toMatchObject({ messageGroupId: 'sec', messageDeduplicationId: expect.stringMatching(/^[a-f0-9]{64}$/) });
  });

  it.each([
    ['Throttled', true],
    ['KMSThrottling', true],
    ['InternalError', true],
    ['NotFound', false],
    ['AuthorizationError', false],
    ['InvalidParameter', false],
  ] as const)('maps %s to retryable=%s', async (code, retryable) => {
    sns.failNext({ type: 'error', code });
    const error = await sendError(createSnsSink({ name: 'pager', topicArn: TOPIC, client }).send(message('a', critical)));
    expect(error).toMatchObject({ retryable, code });
  });

  it('maps a topic that does not exist to permanent NotFound', async () => {
    const sink = createSnsSink({ name: 'pager', topicArn: 'arn:aws:sns:us-east-1:123456789012:gone', client });
    expect(await sendError(sink.send(message('a', critical)))).toMatchObject({ retryable: false, code: 'NotFound', status: 404 });
  });

  it('maps a reset connection to retryable', async () => {
    sns.failNext({ type: 'reset' });
    const error = await sendError(createSnsSink({ name: 'pager', topicArn: TOPIC, client }).send(message('a', critical)));
    expect(error.retryable).toBe(true);
  });
});

describe('SNS request shaping', () => {
  it.each([
    ['GuardDuty: ✓ crypto\nminer', 'GuardDuty: ? crypto miner'],
    ['Café', 'Cafe'],
    ['x'.repeat(150), `${'x'.repeat(96)}...`],
    ['   ', ''],
  ])('turns subject %j into %j', (input, expected) => {
    expect(snsSubject(input)).toBe(expected);
  });

  it('keeps at most ten attributes, severity band type account first, and skips empty or invalid names', () => {
    const attributes: Record<string, string> = { ...critical, empty: '', 'AWS.reserved': 'x', 'bad name': 'x' };
    for (let i = 0; i < 12; i++) attributes[`extra${String(i).padStart(2, '0')}`] = 'v';
    const out = messageAttributes(attributes);
    expect(Object.keys(out)).toHaveLength(10);
    expect(Object.keys(out).slice(0, 4)).toEqual(['severity', 'band', 'type', 'account']);
    expect(out).not.toHaveProperty('empty');
  });

  it('sends severity as String when it is not a number', () => {
    expect(messageAttributes({ severity: 'unknown' })['severity']).toEqual({ DataType: 'String', StringValue: 'unknown' });
  });

  it('falls back to the subject when the body is empty', () => {
    const m = outgoing();
    m.message.text = { subject: 'Only a subject', body: '' };
    expect(publishInput(m, TOPIC).Message).toBe('Only a subject');
  });
});
