import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/deliver/errors.js';
import { createSlackWebhookSink } from '../../src/deliver/slack-webhook.js';
import { fault, startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { outgoing, rendered } from './fixtures.js';
import { sendError } from '../support/delivery-error.js';

let slack: SlackStandin;
beforeAll(async () => {
  slack = await startSlackStandin({ webhookRate: false });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
});


describe('createSlackWebhookSink', () => {
  it('posts the rendered Slack message once and succeeds on ok', async () => {
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    await expect(sink.send(outgoing({ label: 'hello' }))).resolves.toEqual({});
    expect(slack.receivedOn('sec')).toHaveLength(1);
    expect(slack.receivedOn('sec')[0]?.body).toEqual(rendered('hello').slack);
    expect(sink).toMatchObject({ name: 'sec', type: 'slack-webhook', rate: { perSecond: 1, burst: 3 } });
  });

  it('never sends link_names, even when a message carries it', async () => {
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    const message = outgoing();
    (message.message.slack as unknown as Record<string, unknown>)['link_names'] = true;
    await sink.send(message);
    expect(slack.received[0]?.body).not.toHaveProperty('link_names');
  });

  it('maps 429 to retryable with retryAfterMs from Retry-After', async () => {
    slack.failNext(fault.rateLimited(7));
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    const error = await sendError(sink.send(outgoing()));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7_000, code: 'rate_limited' });
  });

  it.each([500, 502, 503])('maps %i to retryable', async (status) => {
    slack.failNext(fault.status(status));
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: true, status });
  });

  it('maps a reset connection to retryable', async () => {
    slack.failNext(fault.reset());
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: true });
  });

  it('maps a timeout to retryable with code timeout', async () => {
    slack.failNext(fault.hang());
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec'), timeoutMs: 100 });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: true, code: 'timeout' });
  });

  it.each([
    ['no_service', 404],
    ['channel_not_found', 404],
    ['channel_is_archived', 410],
    ['action_prohibited', 403],
    ['no_team', 404],
    ['team_disabled', 404],
  ] as const)('maps %s (%i) to a permanent error naming the code', async (code, status) => {
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl(`broken-${code}`, { error: code }) });
    const error = await sendError(sink.send(outgoing()));
    expect(error).toMatchObject({ retryable: false, status, code });
    expect(error.message).toContain(code);
  });

  it('maps a message breaking Block Kit limits to permanent invalid_blocks', async () => {
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    const message = outgoing();
    message.message.slack.blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    expect(await sendError(sink.send(message))).toMatchObject({ retryable: false, status: 400, code: 'invalid_blocks' });
  });

  it('maps an unknown 4xx to permanent with an http_ code', async () => {
    slack.failNext(fault.status(418, '<html>teapot</html>'));
    const sink = createSlackWebhookSink({ name: 'sec', url: slack.webhookUrl('sec') });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: false, status: 418, code: 'http_418' });
  });
});

describe('createSlackWebhookSink keeps the webhook URL secret', () => {
  const secretUrl = 'https://hooks.slack.com/services/T0123ABC/B0456DEF/s3cr3tS3cr3tS3cr3t';
  const secretParts = ['s3cr3tS3cr3tS3cr3t', 'B0456DEF/s3cr3t', encodeURIComponent(secretUrl)];

  function expectNoSecret(error: DeliveryError, describe: string): void {
    const cause = error.cause as Error | undefined;
    const texts = [
      describe,
      String(error),
      error.message,
      error.stack ?? '',
      JSON.stringify(error),
      String(cause),
      cause?.stack ?? '',
      String((cause?.cause as Error | undefined)?.stack),
      JSON.stringify(cause) ?? '',
    ];
    for (const text of texts) for (const part of secretParts) expect(text).not.toContain(part);
  }

  it('shows only the workspace id in describe()', () => {
    const sink = createSlackWebhookSink({ name: 'sec', url: secretUrl });
    expect(sink.describe()).toBe('slack-webhook "sec" https://hooks.slack.com/services/T0123ABC/***');
  });

  it('scrubs the URL from network errors and their causes', async () => {
    const leakyFetch: typeof fetch = async (input) => {
      const inner = Object.assign(new Error(`getaddrinfo ENOTFOUND while fetching ${String(input)}`), {
        code: 'ENOTFOUND',
        url: String(input),
      });
      throw new TypeError(`fetch to ${String(input)} failed`, { cause: inner });
    };
    const sink = createSlackWebhookSink({ name: 'sec', url: secretUrl, fetch: leakyFetch });
    const error = await sendError(sink.send(outgoing()));
    expect(error).toMatchObject({ retryable: true, code: 'ENOTFOUND' });
    expect(error.message).toContain('https://hooks.slack.com/services/T0123ABC/***');
    expectNoSecret(error, sink.describe());
  });

  it('scrubs the URL from an error body that echoes it', async () => {
    const echoFetch: typeof fetch = async (input) => new Response(`bad request for ${String(input)}`, { status: 400 });
    const sink = createSlackWebhookSink({ name: 'sec', url: secretUrl, fetch: echoFetch });
    const error = await sendError(sink.send(outgoing()));
    expect(error.retryable).toBe(false);
    expectNoSecret(error, sink.describe());
  });

  it('keeps the secret out of timeouts', async () => {
    const neverFetch: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const sink = createSlackWebhookSink({ name: 'sec', url: secretUrl, fetch: neverFetch, timeoutMs: 20 });
    const error = await sendError(sink.send(outgoing()));
    expect(error).toMatchObject({ retryable: true, code: 'timeout' });
    expectNoSecret(error, sink.describe());
  });

  it('keeps the secret out of errors against the stand-in too', async () => {
    const url = slack.webhookUrl('secret-check', { error: 'channel_not_found' });
    const secret = new URL(url).pathname.split('/').at(-1) ?? '';
    const sink = createSlackWebhookSink({ name: 'sec', url });
    slack.failNext(fault.reset());
    for (const error of [await sendError(sink.send(outgoing())), await sendError(sink.send(outgoing()))]) {
      for (const text of [String(error), error.stack, JSON.stringify(error), String(error.cause), (error.cause as Error | undefined)?.stack, sink.describe()]) {
        expect(text ?? '').not.toContain(secret);
      }
    }
  });
});
