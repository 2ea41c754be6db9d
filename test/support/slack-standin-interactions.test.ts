import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage } from 'node:http';
import { WebClient } from '@slack/web-api';
import { ArchiveFindingsCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { listenOnLoopback, type LoopbackServer } from './loopback-server.js';
import { startSlackStandin, RESPONSE_URL_MAX_USES, type SlackStandin } from './slack-standin.js';
import { signSlackBody } from './slack-interactions.js';
import { DUMMY_CREDENTIALS, startGuardDutyStandin, type GuardDutyStandin } from './guardduty-standin.js';
import { createManualClock } from './manual-clock.js';

const button = (actionId: string, value: string) => ({ type: 'button', action_id: actionId, text: { type: 'plain_text', text: actionId }, value });
const menu = {
  type: 'static_select',
  action_id: 'pick',
  placeholder: { type: 'plain_text', text: 'Pick' },
  options: [
    { text: { type: 'plain_text', text: 'One' }, value: '1' },
    { text: { type: 'plain_text', text: 'Two' }, value: '2' },
  ],
};
const interactive = { text: 'hi', attachments: [{ color: '#000000', blocks: [{ type: 'actions', block_id: 'acts', elements: [button('go', 'v-go'), menu] }] }] };

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
}

let slack: SlackStandin;
let app: LoopbackServer;
const seen: Seen[] = [];
const clock = createManualClock(Date.parse('2026-01-10T10:00:00Z'));

beforeAll(async () => {
  slack = await startSlackStandin({ channelRate: false, webhookRate: false, now: clock.now });
  app = await listenOnLoopback(
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end();
      });
    }),
  );
  slack.setInteractionUrl(`${app.url}/slack/actions`);
});
afterAll(async () => {
  await slack.close();
  await app.close();
});

async function postApi(body: Record<string, unknown>) {
  const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  await client.chat.postMessage({ channel: 'C0SEC', ...body } as never);
  return slack.received.at(-1)!;
}

describe('Slack stand-in: clicks', () => {
  it('signs like Slack: the published example gives the published signature', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F' +
      'commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackBody('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('posts a signed, form-encoded block_actions payload built from the message', async () => {
    const message = await postApi(interactive);
    seen.length = 0;
    await slack.click(message, 'go', { user: { id: 'U012DANA', name: 'dana' } });
    const [request] = seen;
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const ts = request!.headers['x-slack-request-timestamp'] as string;
    expect(ts).toBe(String(Math.floor(clock.now() / 1000)));
    expect(request!.headers['x-slack-signature']).toBe(signSlackBody(slack.signingSecret, ts, request!.body));
    const payload = JSON.parse(new URLSearchParams(request!.body).get('payload')!);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U012DANA', username: 'dana' },
      container: { type: 'message_attachment', message_ts: message.ts, channel_id: 'C0SEC', is_ephemeral: false, attachment_id: 1 },
      channel: { id: 'C0SEC' },
      message: { ts: message.ts, attachments: interactive.attachments },
      response_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/actions\//),
      actions: [{ type: 'button', action_id: 'go', block_id: 'acts', value: 'v-go' }],
    });
  });

  it('chooses a menu option by label or value', async () => {
    const message = await postApi(interactive);
    seen.length = 0;
    await slack.click(message, 'pick', { option: 'Two' });
    await slack.click(message, 'pick', { option: '1' });
    const chosen = seen.map((s) => JSON.parse(new URLSearchParams(s.body).get('payload')!).actions[0].selected_option.value);
    expect(chosen).toEqual(['2', '1']);
  });

  it('refuses to click what the message does not have', async () => {
    const message = await postApi(interactive);
    await expect(slack.click(message, 'nope')).rejects.toThrow(/no element "nope".*has: go, pick/);
  });

  it('gives webhook messages a channel and ts of their own', async () => {
    await fetch(slack.webhookUrl('w'), { method: 'POST', body: JSON.stringify(interactive) });
    seen.length = 0;
    await slack.click(slack.received.at(-1)!, 'go');
    const payload = JSON.parse(new URLSearchParams(seen[0]!.body).get('payload')!);
    expect(payload.container.channel_id).toMatch(/^C0HOOK\d{4}$/);
    expect(payload.container.message_ts).toMatch(/^\d+\.\d{6}$/);
  });
});

describe('Slack stand-in: updates', () => {
  it('chat.update replaces blocks and attachments of a message it posted, and validates them', async () => {
    const message = await postApi(interactive);
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await client.chat.update({ channel: 'C0SEC', ts: message.ts!, text: 'done', attachments: [{ color: '#111111', blocks: [{ type: 'divider' }] }] } as never);
    expect(message.body).toMatchObject({ text: 'done', attachments: [{ color: '#111111', blocks: [{ type: 'divider' }] }] });
    expect(slack.updates.at(-1)).toMatchObject({ via: 'chat.update', channel: 'C0SEC', ts: message.ts });
    await expect(client.chat.update({ channel: 'C0SEC', ts: '1.000001', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(
      client.chat.update({ channel: 'C0SEC', ts: message.ts!, text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] } as never),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('chat.update of a webhook message answers cant_update_message', async () => {
    await fetch(slack.webhookUrl('w2'), { method: 'POST', body: JSON.stringify(interactive) });
    const message = slack.received.at(-1)!;
    seen.length = 0;
    await slack.click(message, 'go');
    const payload = JSON.parse(new URLSearchParams(seen[0]!.body).get('payload')!);
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(client.chat.update({ channel: payload.container.channel_id, ts: payload.container.message_ts, text: 'x' })).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });
  });

  it('a response_url replaces the message, shows ephemeral text to the clicker, and works 5 times within 30 minutes', async () => {
    const message = await postApi(interactive);
    const { responseUrl } = await slack.click(message, 'go', { user: { id: 'U034SAM' } });
    const post = (body: unknown) => fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ response_type: 'ephemeral', replace_original: false, text: 'only you' })).status).toBe(200);
    expect(slack.responsePosts.at(-1)).toMatchObject({ outcome: 'ephemeral', visibleTo: 'U034SAM' });
    expect((await post({ replace_original: true, text: 'replaced', blocks: [{ type: 'divider' }] })).status).toBe(200);
    expect(message.body).toMatchObject({ text: 'replaced', blocks: [{ type: 'divider' }] });
    for (let i = 2; i < RESPONSE_URL_MAX_USES; i += 1) expect((await post({ text: `n${i}` })).status).toBe(200);
    const sixth = await post({ text: 'again' });
    expect([sixth.status, await sixth.text()]).toEqual([404, 'used_url']);

    const later = await slack.click(message, 'go');
    clock.advance(31 * 60_000);
    const expired = await fetch(later.responseUrl, { method: 'POST', body: JSON.stringify({ text: 'late' }) });
    expect([expired.status, await expired.text()]).toEqual([404, 'expired_url']);
  });

  it('answers usergroups.users.list from setUserGroup, and no_such_subteam otherwise', async () => {
    slack.setUserGroup('S0SECOPS', ['U012DANA']);
    const client = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    expect(await client.usergroups.users.list({ usergroup: 'S0SECOPS' })).toMatchObject({ ok: true, users: ['U012DANA'] });
    await expect(client.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
  });
});

describe('GuardDuty stand-in: ArchiveFindings', () => {
  let gd: GuardDutyStandin;
  beforeAll(async () => {
    gd = await startGuardDutyStandin();
  });
  afterAll(() => gd.close());

  const client = () => new GuardDutyClient({ region: 'eu-west-1', endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });

  it('archives findings of a detector, answering 200 with no body', async () => {
    const detector = gd.addDetector('eu-west-1');
    const finding = gd.putFinding('eu-west-1', detector);
    const out = await client().send(new ArchiveFindingsCommand({ DetectorId: detector, FindingIds: [finding.id] }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(gd.finding('eu-west-1', detector, finding.id)?.service.archived).toBe(true);
    expect(gd.calls.at(-1)).toMatchObject({ operation: 'ArchiveFindings', region: 'eu-west-1', detectorId: detector, ids: [finding.id] });
  });

  it('answers AccessDenied on demand, as GuardDuty does for a member account', async () => {
    const detector = gd.addDetector('eu-west-1');
    const finding = gd.putFinding('eu-west-1', detector);
    gd.injectFault({ kind: 'access-denied', operation: 'ArchiveFindings' });
    await expect(client().send(new ArchiveFindingsCommand({ DetectorId: detector, FindingIds: [finding.id] }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(gd.finding('eu-west-1', detector, finding.id)?.service.archived).toBe(false);
  });

  it('refuses more than 50 ids and a detector that is not ours', async () => {
    const detector = gd.addDetector('eu-west-1');
    const ids = Array.from({ length: 51 }, (_, i) => `f${i}`);
    await expect(client().send(new ArchiveFindingsCommand({ DetectorId: detector, FindingIds: ids }))).rejects.toMatchObject({ name: 'BadRequestException' });
    await expect(client().send(new ArchiveFindingsCommand({ DetectorId: 'someone-elses', FindingIds: ['x'] }))).rejects.toThrow(/not owned/);
  });
});
