import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApiSink, postMessageArgs, type SlackApiClient } from '../../src/deliver/slack-api.js';
import { fault, startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { outgoing } from './fixtures.js';
import { sendError } from '../support/delivery-error.js';

let slack: SlackStandin;
beforeAll(async () => {
  slack = await startSlackStandin({ channelRate: false, channels: ['C1', 'C2'] });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
});

const sinkFor = (channel = 'C1', token = slack.token) =>
  createSlackApiSink({ name: 'sec', token, channel, apiUrl: slack.apiUrl, timeoutMs: 2_000 });


describe('createSlackApiSink', () => {
  it('posts a new finding top-level and returns its ts', async () => {
    const sink = sinkFor();
    const result = await sink.send(outgoing({ label: 'a', kind: 'new' }));
    expect(result.ts).toMatch(/^\d+\.\d{6}$/);
    const [message] = slack.receivedOn('C1');
    expect(message).toMatchObject({ ts: result.ts, body: expect.objectContaining({ text: 'a', channel: 'C1' }) });
    expect(message?.threadTs).toBeUndefined();
    expect(message?.body).not.toHaveProperty('link_names');
    expect(sink).toMatchObject({ type: 'slack-api', threads: true, rate: { perSecond: 1, burst: 3 } });
  });

  it.each(['repeat', 'reminder'] as const)('posts a %s into the finding thread without broadcasting', async (kind) => {
    const sink = sinkFor();
    const { ts } = await sink.send(outgoing({ label: 'a', kind: 'new' }));
    await sink.send(outgoing({ label: 'b', kind, threadTs: ts }));
    expect(slack.receivedOn('C1')[1]).toMatchObject({ threadTs: ts });
    expect(slack.receivedOn('C1')[1]?.replyBroadcast).toBeUndefined();
  });

  it('posts an escalation into the thread and broadcasts it to the channel', async () => {
    const sink = sinkFor();
    const { ts } = await sink.send(outgoing({ label: 'a', kind: 'new' }));
    await sink.send(outgoing({ label: 'b', kind: 'escalated', threadTs: ts }));
    expect(slack.receivedOn('C1')[1]).toMatchObject({ threadTs: ts, replyBroadcast: true });
  });

  it.each(['escalated', 'repeat', 'digest'] as const)('posts a %s without a thread top-level', async (kind) => {
    await sinkFor().send(outgoing({ kind }));
    expect(slack.received[0]?.threadTs).toBeUndefined();
  });

  it("posts a new message that belongs to another finding's thread (an attack sequence's signal) into it", () => {
    const message = outgoing({ kind: 'new', threadTs: '1.1' });
    expect(postMessageArgs(message, 'C1')).not.toHaveProperty('thread_ts');
    expect(postMessageArgs({ ...message, message: { ...message.message, threadOf: 'seq-1' } }, 'C1')).toMatchObject({ thread_ts: '1.1' });
  });

  it('keeps a digest top-level even when given a thread', () => {
    expect(postMessageArgs(outgoing({ kind: 'digest', threadTs: '1.1' }), 'C1')).not.toHaveProperty('thread_ts');
  });

  it('maps ratelimited (429) to retryable with retryAfterMs', async () => {
    slack.failNext(fault.rateLimited(4));
    expect(await sendError(sinkFor().send(outgoing()))).toMatchObject({ retryable: true, code: 'ratelimited', retryAfterMs: 4_000 });
  });

  it('maps a 500 and a reset connection to retryable', async () => {
    slack.failNext(fault.status(500), fault.reset());
    expect(await sendError(sinkFor().send(outgoing()))).toMatchObject({ retryable: true, status: 500 });
    expect(await sendError(sinkFor().send(outgoing()))).toMatchObject({ retryable: true, code: 'network_error' });
  });

  it('maps a timeout to retryable', async () => {
    slack.failNext(fault.hang());
    const sink = createSlackApiSink({ name: 'sec', token: slack.token, channel: 'C1', apiUrl: slack.apiUrl, timeoutMs: 100 });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: true });
  });

  it.each([
    ['invalid_auth', () => sinkFor('C1', 'xoxb-wrong')],
    ['channel_not_found', () => sinkFor('C404')],
  ])('maps %s to a permanent error with the Slack code', async (code, make) => {
    const error = await sendError(make().send(outgoing()));
    expect(error).toMatchObject({ retryable: false, code });
    expect(error.message).toContain(code);
  });

  it.each(['not_in_channel', 'is_archived'])('maps a channel answering %s to permanent', async (code) => {
    slack.failChannel('C2', code);
    expect(await sendError(sinkFor('C2').send(outgoing()))).toMatchObject({ retryable: false, code });
  });

  it('maps invalid_blocks to permanent', async () => {
    const message = outgoing();
    message.message.slack.blocks = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    expect(await sendError(sinkFor().send(message))).toMatchObject({ retryable: false, code: 'invalid_blocks' });
  });

  it('never shows the token in errors or describe()', async () => {
    const token = 'xoxb-1111-2222-s3cr3tT0k3n';
    const deadPort = createSlackApiSink({ name: 'sec', token, channel: 'C1', apiUrl: 'http://127.0.0.1:9/api/', timeoutMs: 1_000 });
    const wrong = createSlackApiSink({ name: 'sec', token, channel: 'C1', apiUrl: slack.apiUrl });
    slack.failNext(fault.reset());
    const errors = [await sendError(deadPort.send(outgoing())), await sendError(wrong.send(outgoing())), await sendError(wrong.send(outgoing()))];
    for (const error of errors) {
      const cause = error.cause as Error | undefined;
      for (const text of [String(error), error.stack, JSON.stringify(error), String(cause), cause?.stack, JSON.stringify(cause), deadPort.describe()]) {
        expect(text ?? '').not.toContain('s3cr3tT0k3n');
      }
    }
  });

  it.each([
    ['the token itself', (token: string) => token],
    ['an error naming the token', (token: string) => `invalid_auth: ${token}`],
    ['the token as a Bearer header', (token: string) => `not_authed (Authorization: Bearer ${token})`],
    ['the token cut in two', (token: string) => `${token.slice(0, 12)} ${token.slice(12)}`],
    ['terminal escapes', () => 'invalid_auth\u001b[2J\u009b31m'],
  ])('never repeats what a Slack API endpoint (or a proxy) puts in its error field: %s', async (_name, errorOf) => {
    const token = slack.token;
    const echoed = errorOf(token);
    // Through the real WebClient (platform error) and through a client that resolves ok:false.
    slack.failChannel('C1', echoed);
    const viaWebClient = await sendError(createSlackApiSink({ name: 'sec', token, channel: 'C1', apiUrl: slack.apiUrl }).send(outgoing()));
    slack.failChannel('C1', undefined);
    const client: SlackApiClient = { chat: { postMessage: async () => ({ ok: false, error: echoed }) } };
    const viaClient = await sendError(createSlackApiSink({ name: 'sec', token, channel: 'C1', client }).send(outgoing()));
    for (const error of [viaWebClient, viaClient]) {
      expect(error.code).toBe('unknown_error');
      const cause = error.cause as Error | undefined;
      for (const text of [error.message, String(error), error.stack, JSON.stringify(error), String(cause), cause?.stack, JSON.stringify(cause)]) {
        expect(text ?? '').not.toContain(token);
        expect(text ?? '').not.toContain('standin'); // the token's own part, also when the echo cut it in two
        expect(text ?? '').not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
      }
    }
  });

  it.each(['channel_not_found', 'invalid_auth', 'ratelimited'])('keeps a well-formed error code such as %s', async (code) => {
    const client: SlackApiClient = { chat: { postMessage: async () => ({ ok: false, error: code }) } };
    expect(await sendError(createSlackApiSink({ name: 'sec', token: 'xoxb-1', channel: 'C1', client }).send(outgoing()))).toMatchObject({ code });
  });

  it('treats a client that resolves ok:false like a platform error', async () => {
    const client: SlackApiClient = { chat: { postMessage: async () => ({ ok: false, error: 'internal_error' }) } };
    const sink = createSlackApiSink({ name: 'sec', token: 't', channel: 'C1', client });
    expect(await sendError(sink.send(outgoing()))).toMatchObject({ retryable: true, code: 'internal_error' });
  });
});
