import { describe, expect, it } from 'vitest';
import { createSink, DEFAULT_RATES } from '../../src/deliver/create-sink.js';

describe('createSink', () => {
  it.each([
    [{ name: 'w', type: 'slack-webhook', url: { env: 'X' } }, 'https://hooks.slack.com/services/T1/B2/secret', 'slack-webhook', { perSecond: 1, burst: 3 }],
    [{ name: 'a', type: 'slack-api', token: { env: 'X' }, channel: 'C1' }, 'xoxb-token', 'slack-api', { perSecond: 1, burst: 3 }],
    [{ name: 's', type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:t' }, undefined, 'sns', { perSecond: 10, burst: 10 }],
    [{ name: 'o', type: 'stdout' }, undefined, 'stdout', { perSecond: 1000, burst: 1000 }],
    [{ name: 'f', type: 'file', path: '/tmp/x.jsonl' }, undefined, 'file', { perSecond: 1000, burst: 1000 }],
  ] as const)('builds a %s sink with the default rate', (config, secret, type, rate) => {
    const sink = createSink({ config, secret });
    expect(sink).toMatchObject({ name: config.name, type, rate });
    expect(DEFAULT_RATES[type]).toEqual(rate);
  });

  it('uses the destination rate when the config has one', () => {
    const sink = createSink({ config: { name: 'w', type: 'stdout', rate: { perSecond: 2, burst: 4 } } });
    expect(sink.rate).toEqual({ perSecond: 2, burst: 4 });
  });

  it('refuses a Slack destination without its secret, naming the destination', () => {
    expect(() => createSink({ config: { name: 'sec', type: 'slack-webhook', url: { env: 'X' } } })).toThrow(/"sec".*url/);
  });

  it('never puts the webhook URL in describe()', () => {
    const sink = createSink({ config: { name: 'w', type: 'slack-webhook', url: { env: 'X' } }, secret: 'https://hooks.slack.com/services/T1/B2/s3cr3t' });
    expect(sink.describe()).not.toContain('s3cr3t');
  });
});
