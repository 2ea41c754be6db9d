import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fault, startSlackStandin, type SlackStandin } from './slack-standin.js';

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string) => ({ type: 'button', text: { type: 'plain_text', text }, action_id: 'a' });

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
}

describe('Slack stand-in: incoming webhooks', () => {
  let slack: SlackStandin;
  beforeEach(async () => {
    slack = await startSlackStandin({ webhookRate: false });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('answers ok as text/plain and records the message', async () => {
    const url = slack.webhookUrl('sec');
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('ok');
    expect(slack.receivedOn('sec')).toEqual([expect.objectContaining({ body: { text: 'hi' }, kind: 'webhook', webhook: 'sec' })]);
    expect(slack.receivedOn(url)).toHaveLength(1);
  });

  it('gives the same URL for the same name and a different one for another name', () => {
    expect(slack.webhookUrl('a')).toBe(slack.webhookUrl('a'));
    expect(slack.webhookUrl('a')).not.toBe(slack.webhookUrl('b'));
    expect(slack.webhookUrl('a')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[a-f0-9]+$/);
  });

  it.each([
    ['bad JSON', '{"text":', 'invalid_payload'],
    ['no text, blocks or attachments', { username: 'x' }, 'invalid_payload'],
    ['51 blocks', { text: 't', blocks: Array.from({ length: 51 }, (_, i) => section(`b${i}`)) }, 'invalid_blocks'],
    ['section text of 3001 characters', { text: 't', blocks: [section('x'.repeat(3001))] }, 'invalid_blocks'],
    ['11 fields', { text: 't', blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] }, 'invalid_blocks'],
    ['a field of 2001 characters', { text: 't', blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'x'.repeat(2001) }] }] }, 'invalid_blocks'],
    ['a header of 151 characters', { text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }, 'invalid_blocks'],
    ['a mrkdwn header', { text: 't', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }, 'invalid_blocks'],
    ['button text of 76 characters', { text: 't', blocks: [{ type: 'actions', elements: [button('b'.repeat(76))] }] }, 'invalid_blocks'],
    ['26 actions elements', { text: 't', blocks: [{ type: 'actions', elements: Array.from({ length: 26 }, () => button('b')) }] }, 'invalid_blocks'],
    ['an empty section text', { text: 't', blocks: [section('')] }, 'invalid_blocks'],
    ['duplicate block_id', { text: 't', blocks: [{ ...section('a'), block_id: 'x' }, { ...section('b'), block_id: 'x' }] }, 'invalid_blocks'],
    ['an unknown block type', { text: 't', blocks: [{ type: 'banner' }] }, 'invalid_blocks'],
    ['broken blocks inside an attachment', { text: 't', attachments: [{ color: '#f00', blocks: [section('x'.repeat(3001))] }] }, 'invalid_blocks'],
  ])('rejects %s with 400 %s', async (_what, body, code) => {
    const result = await postJson(slack.webhookUrl(), body);
    expect(result).toMatchObject({ status: 400, text: code });
    expect(slack.received).toHaveLength(0);
    expect(slack.attempts.at(-1)).toMatchObject({ outcome: code, status: 400 });
  });

  it('accepts a message exactly at every limit', async () => {
    const body = {
      text: 't',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
        section('x'.repeat(3000)),
        { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(2000) })) },
        { type: 'actions', elements: Array.from({ length: 25 }, (_, i) => ({ ...button('b'.repeat(75)), action_id: `a${i}` })) },
        ...Array.from({ length: 46 }, () => ({ type: 'divider' })),
      ],
    };
    expect(body.blocks).toHaveLength(50);
    expect(await postJson(slack.webhookUrl(), body)).toMatchObject({ status: 200, text: 'ok' });
  });

  it.each([
    ['no_service', 404],
    ['channel_not_found', 404],
    ['channel_is_archived', 410],
    ['action_prohibited', 403],
  ] as const)('answers %s with %i for a webhook configured to fail that way', async (error, status) => {
    const url = slack.webhookUrl('broken', { error });
    expect(await postJson(url, { text: 'x' })).toMatchObject({ status, text: error });
    slack.failWebhook('broken', undefined);
    expect(await postJson(url, { text: 'x' })).toMatchObject({ status: 200, text: 'ok' });
  });

  it('answers no_service for unknown webhooks when strict', async () => {
    const strict = await startSlackStandin({ strictWebhooks: true });
    try {
      expect(await postJson(`${strict.url}/services/T1/B1/nope`, { text: 'x' })).toMatchObject({ status: 404, text: 'no_service' });
    } finally {
      await strict.close();
    }
  });
});

describe('Slack stand-in: rate limits', () => {
  it('answers 429 with Retry-After in whole seconds once a webhook exceeds its burst, and recovers with time', async () => {
    let time = 1_000_000;
    const slack = await startSlackStandin({ webhookRate: { perSecond: 1, burst: 2 }, now: () => time });
    try {
      const url = slack.webhookUrl('sec');
      expect((await postJson(url, { text: '1' })).status).toBe(200);
      expect((await postJson(url, { text: '2' })).status).toBe(200);
      const limited = await postJson(url, { text: '3' });
      expect(limited).toMatchObject({ status: 429, text: 'rate_limited', retryAfter: '1' });
      // Another webhook has its own bucket.
      expect((await postJson(slack.webhookUrl('other'), { text: 'x' })).status).toBe(200);
      time += 1_000;
      expect((await postJson(url, { text: '3 again' })).status).toBe(200);
      expect(slack.receivedOn('sec').map((m) => m.body['text'])).toEqual(['1', '2', '3 again']);
    } finally {
      await slack.close();
    }
  });

  it('rate limits chat.postMessage per channel with 429, Retry-After and error ratelimited', async () => {
    let time = 5_000_000;
    const slack = await startSlackStandin({ channelRate: { perSecond: 1, burst: 1 }, now: () => time });
    try {
      const post = (channel: string) =>
        postJson(`${slack.apiUrl}chat.postMessage`, { channel, text: 'x' }, { authorization: `Bearer ${slack.token}` });
      expect(JSON.parse((await post('C1')).text)).toMatchObject({ ok: true });
      const limited = await post('C1');
      expect(limited.status).toBe(429);
      expect(limited.retryAfter).toBe('1');
      expect(JSON.parse(limited.text)).toEqual({ ok: false, error: 'ratelimited' });
      expect(JSON.parse((await post('C2')).text)).toMatchObject({ ok: true });
      time += 1_000;
      expect(JSON.parse((await post('C1')).text)).toMatchObject({ ok: true });
    } finally {
      await slack.close();
    }
  });
});

describe('Slack stand-in: chat.postMessage', () => {
  let slack: SlackStandin;
  beforeEach(async () => {
    slack = await startSlackStandin({ channelRate: false, channels: ['C1', 'C2'] });
  });
  afterEach(async () => {
    await slack.close();
  });

  const form = (fields: Record<string, string>) =>
    fetch(`${slack.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${slack.token}` },
      body: new URLSearchParams(fields).toString(),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);

  it('answers invalid_auth for a wrong token and not_authed for none', async () => {
    const wrong = await postJson(`${slack.apiUrl}chat.postMessage`, { channel: 'C1', text: 'x' }, { authorization: 'Bearer xoxb-wrong' });
    expect(JSON.parse(wrong.text)).toEqual({ ok: false, error: 'invalid_auth' });
    const none = await postJson(`${slack.apiUrl}chat.postMessage`, { channel: 'C1', text: 'x' });
    expect(JSON.parse(none.text)).toEqual({ ok: false, error: 'not_authed' });
    expect(slack.received).toHaveLength(0);
  });

  it('accepts form bodies with JSON-encoded blocks and returns increasing unique ts', async () => {
    const blocks = JSON.stringify([section('hello')]);
    const first = await form({ channel: 'C1', text: 'a', blocks });
    const second = await form({ channel: 'C1', text: 'b', blocks });
    expect(first).toMatchObject({ ok: true, channel: 'C1' });
    expect(typeof first['ts']).toBe('string');
    expect(Number(second['ts'])).toBeGreaterThan(Number(first['ts']));
    expect(slack.received[0]?.body['blocks']).toEqual([section('hello')]);
    expect(slack.received[0]?.body).not.toHaveProperty('token');
  });

  it('records thread_ts and reply_broadcast', async () => {
    const parent = await form({ channel: 'C1', text: 'parent' });
    await form({ channel: 'C1', text: 'reply', thread_ts: String(parent['ts']), reply_broadcast: 'true' });
    expect(slack.receivedOn('C1')[1]).toMatchObject({ threadTs: parent['ts'], replyBroadcast: true });
  });

  it.each([
    ['an unknown channel', { channel: 'C9', text: 'x' }, 'channel_not_found'],
    ['no text', { channel: 'C1' }, 'no_text'],
    ['text over 40,000 characters', { channel: 'C1', text: 'x'.repeat(40_001) }, 'msg_too_long'],
    ['a broken block', { channel: 'C1', text: 'x', blocks: JSON.stringify([section('x'.repeat(3001))]) }, 'invalid_blocks'],
  ])('answers ok:false for %s', async (_what, fields, error) => {
    expect(await form(fields)).toEqual({ ok: false, error });
  });

  it('answers a configured channel error', async () => {
    slack.failChannel('C2', 'is_archived');
    expect(await form({ channel: 'C2', text: 'x' })).toEqual({ ok: false, error: 'is_archived' });
  });
});

describe('Slack stand-in: fault injection', () => {
  let slack: SlackStandin;
  beforeEach(async () => {
    slack = await startSlackStandin({ webhookRate: false });
  });
  afterEach(async () => {
    await slack.close();
  });

  it('plays queued faults in order, then behaves normally', async () => {
    const url = slack.webhookUrl();
    slack.failNext(fault.rateLimited(7), fault.status(500), fault.status(503));
    expect(await postJson(url, { text: 'x' })).toMatchObject({ status: 429, retryAfter: '7' });
    expect(await postJson(url, { text: 'x' })).toMatchObject({ status: 500, text: 'rollup_error' });
    expect((await postJson(url, { text: 'x' })).status).toBe(503);
    expect((await postJson(url, { text: 'x' })).status).toBe(200);
    expect(slack.received).toHaveLength(1);
    expect(slack.attempts.map((a) => a.outcome)).toEqual(['fault:ratelimit', 'fault:500', 'fault:503', 'ok']);
  });

  it('resets the connection without recording the message', async () => {
    slack.failNext(fault.reset());
    await expect(postJson(slack.webhookUrl(), { text: 'x' })).rejects.toThrow();
    expect(slack.received).toHaveLength(0);
  });

  it('answers late when slow and never when hanging', async () => {
    slack.failNext(fault.slow(30), fault.hang());
    expect((await postJson(slack.webhookUrl(), { text: 'slow' })).status).toBe(200);
    const hung = fetch(slack.webhookUrl(), { method: 'POST', body: '{"text":"x"}', signal: AbortSignal.timeout(100) });
    await expect(hung).rejects.toThrow();
    expect(slack.received.map((m) => m.body['text'])).toEqual(['slow']);
  });

  it('asks a fault function per request once the queue is empty', async () => {
    slack.setFaults((request) => (request.index % 2 === 0 ? fault.status(500) : undefined));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postJson(slack.webhookUrl(), { text: `${i}` })).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
  });
});
