/**
 * The Slack actions function's Function URL half, in-process: a request not signed with the signing secret is answered
 * 401 having read nothing but the signing secret (issue 18, items 8 and 9) — the runtime (state table, bot token,
 * queue) is never built for it — and a crafted event (a `null` or object body) is a 401, never a TypeError.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createActionsHandler } from '../../src/lambda/actions-handler.js';
import type { ActionsRuntime } from '../../src/lambda/actions-runtime.js';
import { slackSignature } from '../../src/interact/verify-request.js';

const SECRET = 'actions-handler-unit-secret';
const NOW_S = Math.floor(Date.now() / 1000);

function urlEvent(body: unknown, headers: Record<string, string> | null = {}, isBase64Encoded = false): Record<string, unknown> {
  return {
    version: '2.0',
    rawPath: '/slack/actions',
    rawQueryString: '',
    headers,
    requestContext: { http: { method: 'POST', path: '/slack/actions' } },
    body,
    isBase64Encoded,
  };
}

function signedHeaders(body: string, timestamp = String(NOW_S)): Record<string, string> {
  return { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(SECRET, timestamp, body), 'content-type': 'application/x-www-form-urlencoded' };
}

/** A handler whose every other piece of work is counted: the runtime build (table, bot token, queue), and the table itself. */
function counted(env: NodeJS.ProcessEnv = {}, withSecretOption = true) {
  const calls = { runtime: 0, table: 0, secret: 0, handled: 0 };
  const runtime: ActionsRuntime = {
    interaction: {
      interact: {} as ActionsRuntime['interaction']['interact'],
      handler: {
        handle: async () => {
          calls.handled += 1;
          return { reply: { status: 200, headers: {}, body: '' } };
        },
      },
      worker: { run: async () => { throw new Error('not in this test'); } },
    },
    sendJob: async () => undefined,
  };
  const handler = createActionsHandler({
    logger: silentLogger,
    env,
    openTableStore: async () => {
      calls.table += 1;
      throw new Error('the state table must not be opened for this request');
    },
    createRuntime: async () => {
      calls.runtime += 1;
      return runtime;
    },
    ...(withSecretOption
      ? {
          signingSecret: async () => {
            calls.secret += 1;
            return SECRET;
          },
        }
      : {}),
  });
  return { handler, calls };
}

describe('the Slack actions Function URL answers 401 before any other work', () => {
  const signedButEmpty = signedHeaders('');
  it.each<[string, Record<string, unknown>]>([
    ['no signature headers', urlEvent('payload=%7B%7D')],
    ['headers of null', urlEvent('payload=%7B%7D', null)],
    ['a forged signature', urlEvent('payload=%7B%7D', { 'x-slack-request-timestamp': String(NOW_S), 'x-slack-signature': `v0=${'a'.repeat(64)}` })],
    ['a stale timestamp', urlEvent('payload=%7B%7D', signedHeaders('payload=%7B%7D', String(NOW_S - 3600)))],
    ['a null body with well-formed signature headers', urlEvent(null, { 'x-slack-request-timestamp': String(NOW_S), 'x-slack-signature': `v0=${'b'.repeat(64)}` })],
    ['an object body with well-formed signature headers', urlEvent({ payload: '{}' }, signedButEmpty)],
    ['a number body with well-formed signature headers', urlEvent(42, signedButEmpty, true)],
  ])('%s: 401, the runtime never built', async (_name, event) => {
    const { handler, calls } = counted();
    const result = (await handler(event)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(401);
    expect(calls).toMatchObject({ runtime: 0, table: 0, handled: 0 });
  });

  it('reads only the signing secret from the configuration in the environment (no table, no bot token)', async () => {
    const env = {
      SIGNING: SECRET,
      GDN_CONFIG: JSON.stringify({
        state: { dynamodb: 'gdn-state' },
        destinations: [{ name: 'sec', type: 'slack-api', token: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bot' }, channel: 'C1' }],
        interact: { signingSecret: { env: 'SIGNING' } },
      }),
    };
    const { handler, calls } = counted(env, false);
    const result = (await handler(urlEvent('payload=%7B%7D'))) as { statusCode: number };
    expect(result.statusCode).toBe(401);
    expect(calls).toMatchObject({ runtime: 0, table: 0 });
  });

  it('a signed request goes on to the runtime and its handler', async () => {
    const { handler, calls } = counted();
    const body = 'payload=%7B%7D';
    const result = (await handler(urlEvent(body, signedHeaders(body)))) as { statusCode: number };
    expect(result.statusCode).toBe(200);
    expect(calls).toMatchObject({ runtime: 1, handled: 1, secret: 1 });
  });
});
