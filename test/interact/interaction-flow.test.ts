/**
 * A click end to end: a finding message posted through our real sinks into the Slack stand-in, clicked there (Slack
 * builds and signs the block_actions request from the message's own buttons), received on `POST /slack/actions` by
 * the handler on our HTTP helper, acknowledged, and the job carried out against the GuardDuty stand-in (real
 * @aws-sdk/client-guardduty) and in-memory mutes/blocks/audit; the message is updated in Slack (chat.update or
 * response_url) and the thread gets its audit line.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRouter, startHttpServer, type HttpServer } from '../../src/core/http-server.js';
import type { Logger } from '../../src/core/logger.js';
import { createSlackApiSink } from '../../src/deliver/slack-api.js';
import { createSlackWebhookSink } from '../../src/deliver/slack-webhook.js';
import { createSlackRequestVerifier } from '../../src/interact/verify-request.js';
import { createMemoryReplayGuard } from '../../src/interact/replay-guard.js';
import { createAuthoriser } from '../../src/interact/authorise.js';
import { createUserGroupDirectory } from '../../src/interact/user-groups.js';
import { createInteractSlackClient } from '../../src/interact/slack-web-api.js';
import { createResponseUrlClient } from '../../src/interact/response-url.js';
import { createGuardDutyArchiver } from '../../src/interact/guardduty-archiver.js';
import { createInteractionHandler } from '../../src/interact/interaction-handler.js';
import { createInteractionWorker, type InteractionWorker, type JobResult } from '../../src/interact/interaction-worker.js';
import { parseInteractionJob, type InteractionJob } from '../../src/interact/interaction-job.js';
import { slackActionsRoute } from '../../src/interact/http-route.js';
import { createGuardDutyClient } from '../../src/sources/guardduty-client.js';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import type { Finding } from '../../src/finding/finding.js';
import type { MessageInEveryFormat } from '../../src/core/message.js';
import { startSlackStandin, type ReceivedMessage, type SlackStandin } from '../support/slack-standin.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry, startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';
import { makeFinding } from '../support/make-finding.js';
import { formBody, signSlackBody } from '../support/slack-interactions.js';
import { createFakeBlocks, createMemoryAuditLog, createLookupArchive, createMemoryLookup, createMemoryMutes, targetOf } from './doubles.js';

const SECRET = 'e2e-signing-secret-0123456789';
const REGION = 'eu-west-1';
const CHANNEL = 'C0SECOPS';
const DANA = { id: 'U012DANA', name: 'dana' };
const SAM = { id: 'U034SAM', name: 'sam' };
const EVE = { id: 'U099EVE', name: 'eve' };

let slack: SlackStandin;
let gd: GuardDutyStandin;
let detectorId: string;

beforeAll(async () => {
  slack = await startSlackStandin({ channelRate: false, webhookRate: false, signingSecret: SECRET });
  gd = await startGuardDutyStandin();
  detectorId = gd.addDetector(REGION);
  slack.setUserGroup('S0SECOPS', [DANA.id, SAM.id]);
});
afterAll(async () => {
  await slack.close();
  await gd.close();
});

interface Rig {
  http: HttpServer;
  jobs: Array<Promise<JobResult>>;
  audit: ReturnType<typeof createMemoryAuditLog>;
  lookup: ReturnType<typeof createMemoryLookup>;
  mutes: ReturnType<typeof createMemoryMutes>;
  blocks: ReturnType<typeof createFakeBlocks>;
  logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  /** Every job the handler handed over. */
  received: InteractionJob[];
  worker: InteractionWorker;
  /** Waits for the jobs of every click so far. */
  settle(): Promise<JobResult[]>;
}

let rig: Rig;

async function startRig(options: { blocks?: ReturnType<typeof createFakeBlocks> } = {}): Promise<Rig> {
  const logs: Rig['logs'] = [];
  const logger: Logger = {
    debug: (message, fields) => logs.push({ level: 'debug', message, ...(fields ? { fields } : {}) }),
    info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => logs.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  const slackClient = createInteractSlackClient({ token: slack.token, apiUrl: slack.apiUrl });
  const audit = createMemoryAuditLog();
  const handler = createInteractionHandler({
    audit,
    verifier: createSlackRequestVerifier({ signingSecret: SECRET, replayGuard: createMemoryReplayGuard() }),
    authoriser: createAuthoriser({
      allow: { acknowledge: ['*'], archive: ['S0SECOPS'], mute: ['S0SECOPS'], block: ['U034SAM'] },
      groups: createUserGroupDirectory({ client: slackClient }),
    }),
    logger,
  });
  const lookup = createMemoryLookup();
  const mutes = createMemoryMutes();
  const blocks = options.blocks ?? createFakeBlocks();
  const worker = createInteractionWorker({
    lookup,
    audit,
    mutes,
    blocks,
    slack: slackClient,
    // The stand-in's response_url is http://127.0.0.1: allowed here only.
    responder: createResponseUrlClient({ isAllowed: (url) => url.origin === slack.url }),
    archive: createLookupArchive(lookup, createGuardDutyArchiver({
      clientFor: (region) => createGuardDutyClient({ region, endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(1) }),
    })),
    logger,
  });
  const jobs: Array<Promise<JobResult>> = [];
  const received: InteractionJob[] = [];
  const onJob = (job: InteractionJob) => {
    received.push(job);
    jobs.push(worker.run(job));
  };
  const http = await startHttpServer({ port: 0, handler: createRouter({ routes: [slackActionsRoute({ handler, logger, onJob })] }) });
  slack.setInteractionUrl(`${http.url}/slack/actions`);
  return { http, jobs, received, worker, audit, lookup, mutes, blocks, logs, settle: () => Promise.all(jobs) };
}

beforeEach(async () => {
  rig = await startRig();
});
afterEach(async () => {
  await rig.http.close();
  slack.reset();
  slack.setUserGroup('S0SECOPS', [DANA.id, SAM.id]);
});

/** A GuardDuty finding that exists in the stand-in, normalised as the parser would give it. */
function guardDutyFinding(options: { archived?: boolean } = {}): Finding {
  const wire = gd.putFinding(REGION, detectorId, { type: 'UnauthorizedAccess:EC2/SSHBruteForce', ...(options.archived ? { archived: true } : {}) });
  return makeFinding({
    id: wire.id,
    arn: wire.arn as string,
    type: wire.type,
    region: REGION,
    accountId: wire.accountId,
    archived: options.archived ?? false,
    action: {
      type: 'NETWORK_CONNECTION',
      direction: 'INBOUND',
      remoteIp: '185.220.101.1',
      remoteAddresses: [{ ip: '185.220.101.1', direction: 'inbound', from: 'networkConnectionAction' }],
    },
  });
}

function rendered(finding: Finding, destination: string): MessageInEveryFormat {
  return renderFindingMessage(finding, {
    now: Date.now(),
    consoleUrl: `https://${REGION}.console.aws.amazon.com/guardduty/home?region=${REGION}#/findings?fId=${finding.id}`,
    interact: { destination, canBlock: true },
  });
}

/** Posts the finding with the slack-api sink (chat.postMessage) and records what phase 2 stores for it. */
async function postedWithApi(finding: Finding): Promise<ReceivedMessage> {
  const message = rendered(finding, 'sec');
  const sink = createSlackApiSink({ name: 'sec', token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl });
  const { ts } = await sink.send({ id: `sec:${finding.id}`, destination: 'sec', kind: 'new', findingId: finding.id, findingIds: [finding.id], message });
  rig.lookup.put(targetOf(finding, 'sec', { channel: CHANNEL, ts: ts!, message: message.slack }));
  return slack.received.at(-1)!;
}

/** Posts the finding with the webhook sink (no ts, no channel known to us). */
async function postedWithWebhook(finding: Finding): Promise<ReceivedMessage> {
  const message = rendered(finding, 'hook');
  const sink = createSlackWebhookSink({ name: 'hook', url: slack.webhookUrl('hook') });
  await sink.send({ id: `hook:${finding.id}`, destination: 'hook', kind: 'new', findingId: finding.id, findingIds: [finding.id], message });
  rig.lookup.put(targetOf(finding, 'hook', { message: message.slack }));
  return slack.received.at(-1)!;
}

function outcomeText(message: ReceivedMessage): string {
  return JSON.stringify(message.body);
}

describe('happy paths', () => {
  it('Archive: acknowledged at once, ArchiveFindings in the finding\'s region with its detector, the message updated, the thread told', async () => {
    const finding = guardDutyFinding();
    const message = await postedWithApi(finding);
    const ack = await slack.click(message, 'gdn.archive', { user: DANA });
    expect(ack).toMatchObject({ status: 200, body: '' });
    const [result] = await rig.settle();

    expect(result).toMatchObject({ result: 'done', update: 'chat.update', threadLine: true });
    const archive = gd.calls.find((c) => c.operation === 'ArchiveFindings');
    expect(archive).toMatchObject({ region: REGION, detectorId, status: 200, ids: [finding.id] });
    expect(gd.finding(REGION, detectorId, finding.id)?.service.archived).toBe(true);

    expect(slack.updates).toEqual([expect.objectContaining({ via: 'chat.update', channel: CHANNEL, ts: message.ts })]);
    expect(outcomeText(message)).toContain('Archived by <@U012DANA>');
    expect(outcomeText(message)).not.toContain('gdn.archive');
    const thread = slack.received.filter((m) => m.threadTs === message.ts);
    expect(thread.map((m) => m.body['text'])).toEqual([expect.stringMatching(/^:file_cabinet: Archived by <@U012DANA> at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/)]);
    expect(rig.audit.records).toEqual([
      expect.objectContaining({ actor: 'slack:U012DANA', actorName: 'dana', via: 'slack', action: 'archive', result: 'done', destination: 'sec', findingId: finding.id }),
    ]);
  });

  it('Acknowledge: anyone may, the button gives way to the line, the others stay', async () => {
    const message = await postedWithApi(guardDutyFinding());
    expect((await slack.click(message, 'gdn.acknowledge', { user: EVE })).status).toBe(200);
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'done', update: 'chat.update' });
    expect(outcomeText(message)).toContain('Acknowledged by <@U099EVE>');
    expect(outcomeText(message)).not.toContain('gdn.acknowledge');
    expect(outcomeText(message)).toContain('gdn.archive');
    expect(rig.audit.records[0]).toMatchObject({ action: 'acknowledge', result: 'done', actor: 'slack:U099EVE' });
  });

  it('Mute similar (7 d): the same rule as mute add, this type in this account; Undo removes it', async () => {
    const finding = guardDutyFinding();
    const message = await postedWithApi(finding);
    await slack.click(message, 'gdn.mute', { user: SAM, option: '7 d' });
    await rig.settle();
    const [muteId, rule] = [...rig.mutes.rules][0]!;
    expect(rule).toMatchObject({ type: finding.type, account: finding.accountId, createdBy: 'slack:U034SAM', reason: 'Muted from Slack by sam (U034SAM)' });
    expect(rule!.expiresAt - (rig.audit.records[0]!.at)).toBe(7 * 86_400_000);
    expect(outcomeText(message)).toContain(`Muted \`${finding.type}\` in \`${finding.accountId}\` for 7 d by <@U034SAM>`);

    await slack.click(message, 'gdn.undo-mute', { user: SAM });
    await rig.settle();
    expect(rig.mutes.rules.has(muteId!)).toBe(false);
    expect(outcomeText(message)).toContain('Mute removed by <@U034SAM>');
    expect(outcomeText(message)).toContain('gdn.mute"');
    expect(rig.audit.records.map((r) => [r.action, r.result, r.muteId])).toEqual([
      ['mute', 'done', muteId],
      ['unmute', 'done', muteId],
    ]);
  });

  it('Block IP (12 h) through respond, then Undo', async () => {
    const finding = guardDutyFinding();
    const message = await postedWithApi(finding);
    await slack.click(message, 'gdn.block', { user: SAM, option: '12 h' });
    await rig.settle();
    expect(rig.blocks.inForce.get('185.220.101.1')).toMatchObject({ findingId: finding.id });
    expect(outcomeText(message)).toContain('Blocked `185.220.101.1` for 12 h by <@U034SAM>');
    expect(outcomeText(message)).toContain('gdn.undo-block');

    await slack.click(message, 'gdn.undo-block', { user: SAM });
    await rig.settle();
    expect(rig.blocks.inForce.size).toBe(0);
    expect(outcomeText(message)).toContain('Unblocked `185.220.101.1` by <@U034SAM>');
    expect(rig.audit.records.map((r) => [r.action, r.result, r.ips, r.forMs])).toEqual([
      ['block', 'done', ['185.220.101.1'], 43_200_000],
      ['unblock', 'done', ['185.220.101.1'], undefined],
    ]);
  });

  it('updates a webhook message through its response_url, replacing it in place', async () => {
    const message = await postedWithWebhook(guardDutyFinding());
    await slack.click(message, 'gdn.archive', { user: DANA });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'done', update: 'response_url' });
    expect(slack.responsePosts).toEqual([expect.objectContaining({ outcome: 'replaced', status: 200 })]);
    expect(slack.responsePosts[0]!.body).toMatchObject({ replace_original: true });
    expect(outcomeText(message)).toContain('Archived by <@U012DANA>');
  });

  it('Mute type from a digest mutes the type in every account', async () => {
    const findings = [guardDutyFinding(), guardDutyFinding()];
    const digest = renderDigestMessage(findings.map((finding) => ({ finding })), { now: Date.now(), interact: { destination: 'sec' } });
    const sink = createSlackApiSink({ name: 'sec', token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl });
    await sink.send({ id: 'digest-1', destination: 'sec', kind: 'digest', findingIds: findings.map((f) => f.id), message: digest });
    const message = slack.received.at(-1)!;
    await slack.click(message, 'gdn.mute-type', { user: DANA, option: 'UnauthorizedAccess:EC2/SSHBruteForce · 30 d' });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'done', update: 'response_url' });
    expect([...rig.mutes.rules.values()]).toEqual([expect.objectContaining({ type: 'UnauthorizedAccess:EC2/SSHBruteForce' })]);
    expect([...rig.mutes.rules.values()][0]).not.toHaveProperty('account');
    expect(outcomeText(message)).toContain('in every account for 30 d');
  });
});

describe('refused and nothing done', () => {
  const nothingDone = () => {
    expect(gd.calls.filter((c) => c.operation === 'ArchiveFindings')).toEqual([]);
    expect(slack.updates).toEqual([]);
  };
  beforeEach(() => gd.resetCalls());

  it.each([
    ['a forged signature', { secret: 'not-the-secret' }, 'bad-signature'],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }, 'stale'],
    ['a tampered body', { tamper: (body: string) => body.replace('U012DANA', 'U034SAM') }, 'bad-signature'],
    ['no signature', { unsigned: true }, 'unsigned'],
  ] as const)('%s: 401, a log line without the secret, nothing else', async (_name, options, reason) => {
    const message = await postedWithApi(guardDutyFinding());
    const answer = await slack.click(message, 'gdn.archive', { user: DANA, ...options });
    expect(answer.status).toBe(401);
    await rig.settle();
    expect(rig.jobs).toEqual([]);
    nothingDone();
    expect(rig.audit.records).toEqual([]);
    expect(rig.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'Slack request refused', fields: expect.objectContaining({ reason }) }));
    expect(JSON.stringify(rig.logs)).not.toContain(SECRET);
  });

  /** A request signed with the app's secret, posted straight to our listener (what a leaked secret or a Slack change would send). */
  async function signedPost(payload: unknown): Promise<Response> {
    const body = typeof payload === 'string' ? payload : formBody(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    return fetch(`${rig.http.url}/slack/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signSlackBody(SECRET, timestamp, body) },
      body,
    });
  }
  const clickOn = (actionId: string, value?: string) => ({
    type: 'block_actions',
    user: { id: DANA.id, username: DANA.name },
    container: { type: 'message', message_ts: '1718000000.000100', channel_id: CHANNEL },
    actions: [{ type: 'button', action_id: actionId, ...(value === undefined ? {} : { value }) }],
  });

  it.each([
    ['an action_id that is not ours', clickOn('gdn.delete-everything', '{"v":1,"d":"sec","f":"abc"}'), 200, 'unknown-action', `slack:${DANA.id}`, /action_id "gdn\.delete-everything" is not one of ours/],
    ['a block_actions payload without actions', { ...clickOn('gdn.archive'), actions: [] }, 400, 'malformed', `slack:${DANA.id}`, /actions/],
    ['a payload that is not JSON', 'payload=%7Bnot-json', 400, 'malformed', 'slack:unknown', /not JSON/],
  ] as const)('a signed click with %s: answered, nothing done, audited as refused with why', async (_name, payload, status, reason, actor, detail) => {
    const answer = await signedPost(payload);
    expect(answer.status).toBe(status);
    await rig.settle();
    expect(rig.jobs).toEqual([]);
    nothingDone();
    expect(rig.audit.records).toHaveLength(1);
    expect(rig.audit.records[0]).toMatchObject({ action: 'unknown', result: 'refused', reason, actor, via: 'slack' });
    expect(rig.audit.records[0]!.detail).toMatch(detail);
  });

  it('a link button (Open in GuardDuty) is not an action: answered, not audited', async () => {
    expect((await signedPost(clickOn('gdn.open'))).status).toBe(200);
    expect(rig.audit.records).toEqual([]);
  });

  it('a replayed request: the first is done, the copy is refused with 401', async () => {
    const message = await postedWithApi(guardDutyFinding());
    const first = await slack.click(message, 'gdn.acknowledge', { user: DANA });
    expect(first.status).toBe(200);
    expect((await slack.send(first.request)).status).toBe(401);
    await rig.settle();
    expect(rig.jobs).toHaveLength(1);
    expect(rig.logs).toContainEqual(expect.objectContaining({ message: 'Slack request refused', fields: expect.objectContaining({ reason: 'replayed' }) }));
  });

  it('an unauthorised user: told ephemerally, audited as refused, message unchanged', async () => {
    const message = await postedWithApi(guardDutyFinding());
    const before = JSON.stringify(message.body);
    expect((await slack.click(message, 'gdn.archive', { user: EVE })).status).toBe(200);
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'refused', reason: 'not-allowed', toldClicker: true });
    nothingDone();
    expect(JSON.stringify(message.body)).toBe(before);
    expect(slack.responsePosts).toEqual([expect.objectContaining({ outcome: 'ephemeral', visibleTo: EVE.id })]);
    expect(String(slack.responsePosts[0]!.body['text'])).toContain('You are not allowed to do this here');
    expect(rig.audit.records).toEqual([expect.objectContaining({ action: 'archive', result: 'refused', reason: 'not-allowed', actor: 'slack:U099EVE' })]);
  });

  it('a finding no longer in the store: refused, nothing done', async () => {
    const finding = guardDutyFinding();
    const message = await postedWithApi(finding);
    rig.lookup.remove('sec', finding.id);
    await slack.click(message, 'gdn.archive', { user: DANA });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'refused', reason: 'not-found' });
    nothingDone();
  });

  it('a finding already archived: refused, nothing done', async () => {
    const finding = guardDutyFinding();
    const message = await postedWithApi(finding);
    rig.lookup.put({ ...targetOf(finding, 'sec', { channel: CHANNEL, ts: message.ts! }), archived: true });
    await slack.click(message, 'gdn.archive', { user: DANA });
    expect((await rig.settle())[0]).toMatchObject({ result: 'refused', reason: 'already-archived' });
    nothingDone();
  });

  it('AccessDenied from GuardDuty: the clicker learns only the administrator account may archive', async () => {
    const message = await postedWithApi(guardDutyFinding());
    gd.injectFault({ kind: 'access-denied', operation: 'ArchiveFindings' });
    await slack.click(message, 'gdn.archive', { user: DANA });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'failed', reason: 'access-denied', toldClicker: true, update: 'none' });
    expect(String(slack.responsePosts[0]!.body['text'])).toContain('only the GuardDuty administrator account can archive findings');
    expect(slack.updates).toEqual([]);
    expect(rig.audit.records[0]).toMatchObject({ result: 'failed', reason: 'access-denied' });
  });

  it('a user-group look-up that fails: refused as unavailable (fail closed)', async () => {
    const message = await postedWithApi(guardDutyFinding());
    // WebClient tries twice (one retry): both answers fail.
    slack.failNext({ type: 'status', status: 500 }, { type: 'status', status: 500 });
    await slack.click(message, 'gdn.mute', { user: DANA, option: '7 d' });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'refused', reason: 'authorisation-unavailable', toldClicker: true });
    expect(rig.mutes.rules.size).toBe(0);
  });
});

describe('blocking through respond', () => {
  it('in dry-run the message says "Would block" and nothing is blocked', async () => {
    await rig.http.close();
    rig = await startRig({ blocks: createFakeBlocks({ mode: 'dry-run' }) });
    const message = await postedWithApi(guardDutyFinding());
    await slack.click(message, 'gdn.block', { user: SAM, option: '1 h' });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'dry-run' });
    expect(rig.blocks.inForce.size).toBe(0);
    expect(outcomeText(message)).toContain('Would block `185.220.101.1` for 1 h (dry-run: nothing was changed)');
    expect(outcomeText(message)).toContain('gdn.block');
  });

  it('a click while the firewall write fails: the message says "Blocking … (writing to edge)" and why, never "Blocked"', async () => {
    await rig.http.close();
    rig = await startRig({ blocks: createFakeBlocks({ writeError: 'access-denied (AccessDeniedException)' }) });
    const message = await postedWithApi(guardDutyFinding());
    await slack.click(message, 'gdn.block', { user: SAM, option: '24 h' });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'failed', reason: 'write-failed' });
    expect(outcomeText(message)).toContain('Blocking `185.220.101.1` for 24 h (writing to edge) — could not block yet: access-denied (AccessDeniedException)');
    expect(outcomeText(message)).not.toContain('Blocked');
    expect(rig.audit.records[0]!.detail).toContain('stored, not in force: 185.220.101.1 in edge: access-denied');
  });

  it("an address respond refuses: the clicker is told why, nothing changes", async () => {
    await rig.http.close();
    rig = await startRig({ blocks: createFakeBlocks({ refuse: () => 'allow-list' }) });
    const message = await postedWithApi(guardDutyFinding());
    const before = JSON.stringify(message.body);
    await slack.click(message, 'gdn.block', { user: SAM, option: '7 d' });
    const [result] = await rig.settle();
    expect(result).toMatchObject({ result: 'refused', reason: 'allow-list', toldClicker: true });
    expect(String(slack.responsePosts[0]!.body['text'])).toContain('185.220.101.1 (allow-list)');
    expect(JSON.stringify(message.body)).toBe(before);
  });

  it('a user allowed to archive but not to block is refused the block', async () => {
    const message = await postedWithApi(guardDutyFinding());
    await slack.click(message, 'gdn.block', { user: DANA, option: '1 h' });
    expect((await rig.settle())[0]).toMatchObject({ result: 'refused', reason: 'not-allowed' });
    expect(rig.blocks.requests).toEqual([]);
  });
});

describe('the job is safe to run twice', () => {
  it('a redelivered mute job writes one rule and one audit record', async () => {
    const message = await postedWithApi(guardDutyFinding());
    await slack.click(message, 'gdn.mute', { user: DANA, option: '30 d' });
    await rig.settle();
    // The same job again, as a queue redelivery would run it (through its JSON form, as SQS carries it).
    const job = parseInteractionJob(JSON.parse(JSON.stringify(rig.received[0])));
    expect(job).toBeDefined();
    await rig.worker.run(job!);
    expect(rig.mutes.rules.size).toBe(1);
    expect(rig.audit.records).toHaveLength(1);
    expect([...rig.mutes.rules.keys()][0]).toMatch(/^slack-[0-9a-f]{32}$/);
    expect(rig.audit.records[0]!.id).toBe([...rig.mutes.rules.keys()][0]);
  });
});
