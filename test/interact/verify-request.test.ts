import { describe, expect, it } from 'vitest';
import {
  createSlackRequestVerifier,
  headerValue,
  rawBodyOf,
  slackSignature,
  MAX_REQUEST_SKEW_MS,
} from '../../src/interact/verify-request.js';
import { createMemoryReplayGuard } from '../../src/interact/replay-guard.js';
import { signSlackBody } from '../support/slack-interactions.js';

/**
 * Slack's published example, "Verifying requests from Slack" (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 * the slash-command body of the page's walk-through, its timestamp, the example signing secret and the signature Slack shows.
 */
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_TIMESTAMP = '1531420618';
const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
  '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F' +
  'commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SLACK_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const AT_SLACK_TIME = Number(SLACK_TIMESTAMP) * 1000 + 1_000;

const headers = (signature: string, timestamp: string) => ({ 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp });

describe("Slack's published example", () => {
  it('computes the signature Slack shows for its example request', () => {
    expect(slackSignature(SLACK_SECRET, SLACK_TIMESTAMP, SLACK_BODY)).toBe(SLACK_SIGNATURE);
  });

  it('accepts the example request at its own time', async () => {
    const verifier = createSlackRequestVerifier({ signingSecret: SLACK_SECRET, now: () => AT_SLACK_TIME });
    const result = await verifier.verify({ headers: headers(SLACK_SIGNATURE, SLACK_TIMESTAMP), body: SLACK_BODY });
    expect(result).toMatchObject({ ok: true, timestampSeconds: 1531420618 });
    expect(result.ok && result.rawBody.toString('utf8')).toBe(SLACK_BODY);
  });

  it('accepts the example when a Function URL hands the body over base64-encoded', async () => {
    const verifier = createSlackRequestVerifier({ signingSecret: SLACK_SECRET, now: () => AT_SLACK_TIME });
    const result = await verifier.verify({
      headers: { 'X-Slack-Signature': SLACK_SIGNATURE, 'X-Slack-Request-Timestamp': SLACK_TIMESTAMP },
      body: Buffer.from(SLACK_BODY).toString('base64'),
      isBase64Encoded: true,
    });
    expect(result.ok).toBe(true);
  });

  it('refuses the example once it is more than five minutes old', async () => {
    const verifier = createSlackRequestVerifier({ signingSecret: SLACK_SECRET, now: () => Number(SLACK_TIMESTAMP) * 1000 + MAX_REQUEST_SKEW_MS + 1_000 });
    expect(await verifier.verify({ headers: headers(SLACK_SIGNATURE, SLACK_TIMESTAMP), body: SLACK_BODY })).toMatchObject({ ok: false, reason: 'stale' });
  });
});

describe('createSlackRequestVerifier', () => {
  const secret = 'test-signing-secret';
  const now = 1_700_000_000_000;
  const ts = String(now / 1000);
  const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';
  const signed = (extra: { body?: string; timestamp?: string; secret?: string } = {}) => ({
    headers: headers(signSlackBody(extra.secret ?? secret, extra.timestamp ?? ts, body), extra.timestamp ?? ts),
    body: extra.body ?? body,
  });
  const verifier = (replayGuard = createMemoryReplayGuard()) => createSlackRequestVerifier({ signingSecret: secret, now: () => now, replayGuard });

  it.each([
    ['no signature at all', { headers: {}, body }, 'unsigned'],
    ['a signature without its timestamp', { headers: { 'x-slack-signature': `v0=${'0'.repeat(64)}` }, body }, 'unsigned'],
    ['a signature that is not v0 hex', { headers: headers('v1=abc', ts), body }, 'malformed'],
    ['a timestamp that is not seconds', { headers: headers(`v0=${'a'.repeat(64)}`, '17e8'), body }, 'malformed'],
    ['a repeated signature header', { headers: { 'x-slack-signature': ['v0=1', 'v0=2'], 'x-slack-request-timestamp': ts }, body }, 'malformed'],
  ] as const)('refuses %s', async (_name, request, reason) => {
    expect(await verifier().verify(request)).toMatchObject({ ok: false, reason });
  });

  it('refuses a request signed with another secret (a forgery)', async () => {
    expect(await verifier().verify(signed({ secret: 'not-the-secret' }))).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a body changed after signing (tampered)', async () => {
    expect(await verifier().verify(signed({ body: `${body}x` }))).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a body whose bytes differ only in encoding', async () => {
    const latin = Buffer.from('payload=caf\u00e9', 'latin1');
    const request = { headers: headers(signSlackBody(secret, ts, 'payload=caf\u00e9'), ts), body: latin };
    expect(await verifier().verify(request)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it.each([
    ['older than five minutes', now / 1000 - 301, 'stale'],
    ['more than five minutes ahead', now / 1000 + 301, 'stale'],
  ] as const)('refuses a timestamp %s', async (_name, seconds, reason) => {
    expect(await verifier().verify(signed({ timestamp: String(seconds) }))).toMatchObject({ ok: false, reason });
  });

  it('accepts a timestamp just inside the five minutes', async () => {
    expect(await verifier().verify(signed({ timestamp: String(now / 1000 - 299) }))).toMatchObject({ ok: true });
  });

  it('refuses the same signed request the second time (a replay)', async () => {
    const v = verifier();
    expect(await v.verify(signed())).toMatchObject({ ok: true });
    expect(await v.verify(signed())).toMatchObject({ ok: false, reason: 'replayed' });
  });

  it('does not let forged requests fill the replay guard', async () => {
    const guard = createMemoryReplayGuard({ capacity: 2 });
    const v = verifier(guard);
    for (let i = 0; i < 10; i += 1) await v.verify(signed({ secret: `forged-${i}` }));
    expect(guard.size).toBe(0);
    expect(await v.verify(signed())).toMatchObject({ ok: true });
  });

  it('refuses rather than forgets when the replay guard is full of live requests', async () => {
    const v = verifier(createMemoryReplayGuard({ capacity: 1 }));
    expect(await v.verify(signed())).toMatchObject({ ok: true });
    expect(await v.verify(signed({ timestamp: String(now / 1000 - 1) }))).toMatchObject({ ok: false, reason: 'unavailable' });
  });

  it('refuses when the replay guard fails (a store error is not a pass)', async () => {
    const v = createSlackRequestVerifier({ signingSecret: secret, now: () => now, replayGuard: { claim: () => Promise.reject(new Error('down')) } });
    expect(await v.verify(signed())).toMatchObject({ ok: false, reason: 'unavailable' });
  });

  it('refuses an oversized body before computing anything over it', async () => {
    const v = createSlackRequestVerifier({ signingSecret: secret, now: () => now, maxBodyBytes: 10 });
    expect(await v.verify(signed())).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('never puts the secret in what it returns', async () => {
    const results = await Promise.all([
      verifier().verify(signed({ secret: 'x' })),
      verifier().verify(signed({ timestamp: '1' })),
      verifier().verify({ headers: {}, body }),
    ]);
    for (const result of results) expect(JSON.stringify(result)).not.toContain(secret);
  });
});

describe('request helpers', () => {
  it('reads headers case-insensitively', () => {
    expect(headerValue({ 'X-Slack-Signature': 'v0=1' }, 'x-slack-signature')).toBe('v0=1');
    expect(headerValue({ 'x-slack-signature': ['v0=1'] }, 'X-Slack-Signature')).toBe('v0=1');
    expect(headerValue({ a: '1', A: '2' }, 'a')).toBeNull();
  });

  it('keeps the raw bytes as they arrived', () => {
    const bytes = new Uint8Array([0x70, 0xff, 0x00]);
    expect([...rawBodyOf({ body: bytes })]).toEqual([0x70, 0xff, 0x00]);
    expect(rawBodyOf({ body: 'cA==', isBase64Encoded: true }).toString()).toBe('p');
    expect(rawBodyOf({ body: undefined }).length).toBe(0);
  });
});
