import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { destinationSchema } from '../../src/config/schema.js';
import { DESTINATION_CHECKS, probeDestination, type DestinationCheckContext } from '../../src/doctor/destination-checks.js';
import { fault, startSlackStandin, type SlackStandin } from '../support/slack-standin.js';

/**
 * doctor's Slack webhook check: an empty JSON object `{}` tells a live webhook from a dead one without posting. The
 * answers are Slack's (see the comment on WEBHOOK_LIVE_ANSWERS); the stand-in gives each one as Slack words it.
 */

let slack: SlackStandin;
beforeAll(async () => {
  slack = await startSlackStandin({ webhookRate: false });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => slack.reset());

const context = (url: string): DestinationCheckContext => ({ secrets: { url }, env: {}, fetch: globalThis.fetch, timeoutMs: 5_000 });
const webhook = { name: 'sec', type: 'slack-webhook' as const, url: { env: 'SLACK_WEBHOOK_URL' } };

describe('doctor: Slack webhook without posting', () => {
  it.each([
    [400, 'no_text'],
    [400, 'missing_text_or_fallback_or_attachments'],
    [400, 'invalid_payload'],
  ])('calls a webhook answering %i %s live', async (status, body) => {
    const url = slack.webhookUrl('sec');
    slack.failNext(fault.status(status, body));
    const outcome = await probeDestination(webhook, context(url));
    expect(outcome).toEqual({ ok: true, detail: expect.stringContaining(`is live (Slack answered an empty test with ${body}; nothing was posted)`) });
    expect(slack.received).toHaveLength(0);
  });

  it.each([
    ['no_service', 'the webhook was removed or its app uninstalled'],
    ['invalid_token', "the webhook URL's secret is wrong or was revoked"],
    ['channel_is_archived', "the webhook's channel is archived"],
    ['channel_not_found', "the webhook's channel no longer exists"],
    ['action_prohibited', 'a workspace admin restricted posting'],
    ['team_disabled', 'the Slack workspace is disabled'],
  ] as const)('calls a webhook answering %s dead, and says what to do', async (error, hint) => {
    const url = slack.webhookUrl(`dead-${error}`, { error });
    const outcome = await probeDestination(webhook, context(url));
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).toContain(`${error}: ${hint}`);
    // The URL's secret part is never shown.
    expect(outcome.detail).not.toContain(new URL(url).pathname.split('/').pop());
    expect(slack.received).toHaveLength(0);
  });

  it('does not call a rate-limited or failing Slack live or dead: it says to try again', async () => {
    const url = slack.webhookUrl('sec');
    slack.failNext(fault.rateLimited(3), fault.status(500));
    expect((await probeDestination(webhook, context(url))).detail).toContain('rate limited right now (429); run doctor again in a minute');
    expect((await probeDestination(webhook, context(url))).detail).toContain('Slack answered 500 rollup_error; Slack may be having trouble');
  });

  it('has one entry per destination type of the config schema (a new type adds its own)', () => {
    // zod's own description of the discriminated union: each option's `type` literal.
    const def = (destinationSchema as unknown as { _zod: { def: { options: Array<{ _zod: { def: { shape: { type: { _zod: { def: { values: string[] } } } } } } }> } } })._zod.def;
    const types = def.options.flatMap((o) => o._zod.def.shape.type._zod.def.values);
    expect(types).toContain('slack-webhook');
    expect(Object.keys(DESTINATION_CHECKS).sort()).toEqual([...types].sort());
  });
});

describe('pagerduty destination check', () => {
  const pager = { name: 'pager', type: 'pagerduty' as const, routingKey: { env: 'K' } };
  const withKey = (routingKey: string): DestinationCheckContext => ({ secrets: { routingKey }, env: {}, fetch: globalThis.fetch, timeoutMs: 5_000 });

  it('accepts the shape of an integration key without sending anything, and never prints the key', async () => {
    const key = 'R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY32';
    const outcome = await probeDestination(pager, withKey(key));
    expect(outcome.ok).toBe(true);
    expect(outcome.detail).toContain('cannot be checked without opening an alert');
    expect(outcome.detail).not.toContain(key);
  });

  it('refuses a key that is not 32 letters and digits', async () => {
    const outcome = await probeDestination(pager, withKey('https://events.pagerduty.com/x'));
    expect(outcome.ok).toBe(false);
    expect(outcome.detail).not.toContain('events.pagerduty.com/x');
  });
});
