/**
 * Slack request verification, before anything else reads the request.
 *
 * Slack signs every request it sends to the app's Request URL: `X-Slack-Signature: v0=` + hex(HMAC-SHA256(signing
 * secret, `v0:` + X-Slack-Request-Timestamp + `:` + raw body)). We recompute it over the body bytes exactly as they
 * arrived, compare in constant time, refuse timestamps more than five minutes from our clock, and refuse a signature
 * seen before inside that window (a replay). Source: https://docs.slack.dev/authentication/verifying-requests-from-slack
 * ("If the timestamp is more than five minutes from local time, it could be a replay attack"; header names are
 * case-insensitive).
 *
 * Why node:crypto and not @slack/bolt's verifier: Bolt's `verifySlackRequest` is the same dozen lines, but the package
 * brings express, axios and the whole framework into a Lambda bundle we keep small, it has no replay refusal, and it
 * takes a string body while a Function URL hands us base64 bytes. Slack's published example (secret, timestamp, body,
 * signature) is in the tests, so agreement with Slack's algorithm is checked, not assumed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ReplayClaim, ReplayGuard } from './replay-guard.js';

export const SLACK_SIGNATURE_VERSION = 'v0';
/** "more than five minutes from local time": both ways, since a clock may be ahead as well as behind. */
export const MAX_REQUEST_SKEW_MS = 5 * 60_000;
/**
 * A block_actions payload carries the clicked message (at most ~12,000 characters of block text plus JSON), so real
 * ones are tens of KB; 1 MiB leaves room and keeps the HMAC of a hostile body cheap.
 */
export const MAX_INTERACTION_BODY_BYTES = 1024 * 1024;

/** A request as both runtimes have it: node:http (headers lower-cased by node) or a Lambda Function URL event. */
export interface SlackHttpRequest {
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The body exactly as received: bytes, or the Function URL's string (base64 when `isBase64Encoded`). */
  body: string | Uint8Array | undefined;
  /** Lambda Function URL events: the body string is base64 of the bytes Slack sent. */
  isBase64Encoded?: boolean;
}

export type VerifyFailureReason =
  /** No X-Slack-Signature or X-Slack-Request-Timestamp header. */
  | 'unsigned'
  /** A header that is not `v0=<64 hex>` / a whole number of seconds, repeated headers, or an oversized body. */
  | 'malformed'
  /** The timestamp is more than five minutes from our clock. */
  | 'stale'
  /** The signature does not match the body (forged, tampered, or signed with another app's secret). */
  | 'bad-signature'
  /** The same signed request was already received inside its window. */
  | 'replayed'
  /** The replay guard could not record the request (full, or its store failed): refused, since it could be a replay. */
  | 'unavailable';

export type VerifyResult =
  | { ok: true; rawBody: Buffer; timestampSeconds: number; signature: string }
  | { ok: false; reason: VerifyFailureReason; detail: string };

/** `v0=<hex>` for `rawBody` sent at `timestamp` (seconds, as Slack writes it in the header). */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Uint8Array | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`${SLACK_SIGNATURE_VERSION}:${timestamp}:`);
  hmac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return `${SLACK_SIGNATURE_VERSION}=${hmac.digest('hex')}`;
}

/** The body bytes exactly as Slack sent them (a Function URL may hand them over base64-encoded). */
export function rawBodyOf(request: Pick<SlackHttpRequest, 'body' | 'isBase64Encoded'>): Buffer {
  const body: unknown = request.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body !== 'string') return Buffer.alloc(0);
  return request.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

/**
 * One header, case-insensitively (Function URL events lower-case names; other callers may not). Undefined when absent;
 * `null` when it appears more than once, which a genuine Slack request never does.
 */
export function headerValue(headers: SlackHttpRequest['headers'], name: string): string | undefined | null {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value !== 'string') {
      if (value.length !== 1) return null;
      count += 1;
      found = value[0];
    } else {
      count += 1;
      found = value;
    }
  }
  return count > 1 ? null : found;
}

const SIGNATURE = /^v0=([0-9a-f]{64})$/;
const TIMESTAMP = /^\d{1,12}$/;

export interface SlackRequestVerifierOptions {
  /** The app's signing secret (Basic Information → App Credentials). Never logged, never in an error. */
  signingSecret: string;
  /** Epoch ms. */
  now?: () => number;
  /** Refuses signatures seen before; without one, replays inside the window are not detected (tests only). */
  replayGuard?: ReplayGuard;
  maxSkewMs?: number;
  maxBodyBytes?: number;
}

export interface SlackRequestVerifier {
  verify(request: SlackHttpRequest): Promise<VerifyResult>;
}

/**
 * @example
 * const verifier = createSlackRequestVerifier({ signingSecret, replayGuard: createMemoryReplayGuard() });
 * const checked = await verifier.verify({ headers: event.headers, body: event.body, isBase64Encoded: event.isBase64Encoded });
 * if (!checked.ok) return { statusCode: 401, body: 'invalid request' };
 */
export function createSlackRequestVerifier(options: SlackRequestVerifierOptions): SlackRequestVerifier {
  const now = options.now ?? Date.now;
  const maxSkewMs = options.maxSkewMs ?? MAX_REQUEST_SKEW_MS;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_INTERACTION_BODY_BYTES;
  if (options.signingSecret === '') throw new Error('createSlackRequestVerifier: the signing secret is empty');
  const fail = (reason: VerifyFailureReason, detail: string): VerifyResult => ({ ok: false, reason, detail });

  return {
    async verify(request) {
      const signature = headerValue(request.headers, 'x-slack-signature');
      const timestamp = headerValue(request.headers, 'x-slack-request-timestamp');
      if (signature === undefined || timestamp === undefined) {
        return fail('unsigned', signature === undefined ? 'no X-Slack-Signature header' : 'no X-Slack-Request-Timestamp header');
      }
      if (signature === null || timestamp === null) return fail('malformed', 'a signing header appears more than once');
      const given = SIGNATURE.exec(signature)?.[1];
      if (given === undefined) return fail('malformed', 'X-Slack-Signature is not v0=<64 hex digits>');
      if (!TIMESTAMP.test(timestamp)) return fail('malformed', 'X-Slack-Request-Timestamp is not a number of seconds');

      const at = now();
      const timestampSeconds = Number(timestamp);
      const skew = at - timestampSeconds * 1000;
      if (Math.abs(skew) > maxSkewMs) {
        return fail('stale', `timestamp is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'old' : 'in the future'} (limit ${maxSkewMs / 1000} s)`);
      }

      // A Function URL event is JSON that anyone can shape: a `null`, number or object body is nothing Slack signed
      // (Slack always sends a form body), so it is refused here (401), never read (a TypeError: 500).
      const body: unknown = request.body;
      if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        return fail('malformed', `the body is ${body === null ? 'null' : `a ${typeof body}`}, not the text Slack signs`);
      }
      const rawBody = rawBodyOf(request);
      if (rawBody.length > maxBodyBytes) return fail('malformed', `body of ${rawBody.length} bytes is over ${maxBodyBytes}`);
      const expected = Buffer.from(slackSignature(options.signingSecret, timestamp, rawBody).slice(3), 'hex');
      if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return fail('bad-signature', 'signature does not match the body');

      // Only now, with a valid signature: an attacker cannot fill the guard with forged requests.
      let claim: ReplayClaim = 'fresh';
      try {
        if (options.replayGuard) claim = await options.replayGuard.claim(signature, timestampSeconds * 1000 + maxSkewMs, at);
      } catch {
        claim = 'unavailable';
      }
      if (claim === 'replayed') return fail('replayed', 'this signed request was already received');
      if (claim === 'unavailable') return fail('unavailable', 'the replay guard could not record the request');
      return { ok: true, rawBody, timestampSeconds, signature };
    },
  };
}
