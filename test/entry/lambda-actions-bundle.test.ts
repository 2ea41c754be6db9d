/**
 * Acting from Slack through the shipped Lambda bundle (`npm run build`: dist/lambda/index.mjs and actions.mjs), each in
 * a warm container of its own (a Node process that imported it once, with only the environment given):
 *
 *   finding event ─▶ index.mjs ─▶ Slack stand-in (message with buttons; snapshot in DynamoDB Local)
 *   click in the stand-in ─▶ local Function URL (the raw request as a Function URL event, body base64) ─▶ actions.mjs
 *     ─▶ 200 at once, the job on the SQS stand-in ─▶ the job as an SQS event ─▶ actions.mjs
 *     ─▶ GuardDuty / Network Firewall stand-ins (real SDK clients), chat.update, audit record in the table.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDynamoDbStore } from '../../src/state/dynamodb-store.js';
import type { AuditRecord } from '../../src/state/store.js';
import { startSlackStandin, type ReceivedMessage, type SlackStandin } from '../support/slack-standin.js';
import { startTestDynamoDb } from '../support/local-dynamodb.js';
import { startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { startSqsStandin, type SqsStandin } from '../support/sqs-standin.js';
import { LAMBDA_ACTIONS_BUNDLE_PATH, LAMBDA_BUNDLE_PATH, failedRecordIds, sqsEvent, startLambdaContainer, type LambdaContainer } from '../support/lambda-container.js';
import { attackEvent } from '../respond/events.js';

const SECRET = 'lambda-e2e-signing-secret';
const REGION = 'eu-west-1';
const DETECTOR = '12abc34d567e8fa901bc2d34eexample';
const CHANNEL = 'C0SECOPS';
const DANA = { id: 'U012DANA', name: 'dana' };
const SAM = { id: 'U034SAM', name: 'sam' };
const EVE = { id: 'U099EVE', name: 'eve' };

let slack: SlackStandin;
let dynamo: Awaited<ReturnType<typeof startTestDynamoDb>>;
let gd: GuardDutyStandin;
let nfw: NetworkFirewallStandin;
let sqs: SqsStandin;
let table: string;
let queueUrl: string;
let groupArn: string;
let notifier: LambdaContainer;
let actions: LambdaContainer;
let functionUrl: Server;
let functionUrlBase: string;
/** The actions container the local Function URL sends the next request to (a replay may land on another). */
let urlTarget: () => LambdaContainer;
const containers: LambdaContainer[] = [];

function environment(): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDACTIONSTEST',
    AWS_SECRET_ACCESS_KEY: 'actions-test-secret',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_GUARDDUTY: gd.endpoint,
    AWS_ENDPOINT_URL_NETWORK_FIREWALL: nfw.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    STATE_TABLE: table,
    ACTIONS_QUEUE_URL: queueUrl,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SECRET,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    GDN_CONFIG: JSON.stringify({
      destinations: [{ name: 'sec', type: 'slack-api', token: { env: 'SLACK_BOT_TOKEN' }, channel: CHANNEL, apiUrl: slack.apiUrl }],
      respond: { mode: 'enforce', targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30000 }] },
      interact: {
        signingSecret: { env: 'SLACK_SIGNING_SECRET' },
        allow: { acknowledge: ['*'], archive: ['S0SECOPS'], mute: ['S0SECOPS'], block: [SAM.id] },
      },
    }),
  };
}

function newActionsContainer(): LambdaContainer {
  const container = startLambdaContainer(environment(), { bundle: LAMBDA_ACTIONS_BUNDLE_PATH });
  containers.push(container);
  return container;
}

/** What a Lambda Function URL hands the function: payload format 2.0, header names lower-cased, the body base64. */
function functionUrlEvent(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  const [path, query = ''] = (req.url ?? '/').split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'urlid',
      domainName: 'urlid.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'urlid',
      http: { method: req.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: 'req',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

const bundlesBuilt = existsSync(LAMBDA_BUNDLE_PATH) && existsSync(LAMBDA_ACTIONS_BUNDLE_PATH);

// Each test runs several invocations in spawned containers (the first ones cold: the bundle's import), one test a new
// container: on a busy shared machine that is tens of seconds, past the default 30 s per test.
describe.skipIf(!bundlesBuilt)('Slack actions through the Lambda bundle (Function URL + actions queue)', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    [slack, dynamo, gd, nfw, sqs] = await Promise.all([
      startSlackStandin({ channelRate: false, webhookRate: false, signingSecret: SECRET }),
      startTestDynamoDb(),
      startGuardDutyStandin(),
      startNetworkFirewallStandin(),
      startSqsStandin(),
    ]);
    table = await dynamo.createTable('gdn-actions');
    queueUrl = sqs.queueUrl('gdn-actions');
    gd.addDetector(REGION, DETECTOR);
    groupArn = nfw.createRuleGroup({ name: 'lambda-actions', capacity: 1_000, rules: [{ Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } }] });
    notifier = startLambdaContainer(environment());
    containers.push(notifier);
    actions = newActionsContainer();
    urlTarget = () => actions;
    functionUrl = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void urlTarget()
          .invoke(functionUrlEvent(req, Buffer.concat(chunks)))
          .then(({ result, error }) => {
            const r = (result ?? { statusCode: 502, body: String(error) }) as { statusCode: number; headers?: Record<string, string>; body?: string };
            res.writeHead(r.statusCode, r.headers ?? {});
            res.end(r.body ?? '');
          });
      });
    });
    await new Promise<void>((resolve) => functionUrl.listen(0, '127.0.0.1', resolve));
    functionUrlBase = `http://127.0.0.1:${(functionUrl.address() as AddressInfo).port}`;
    slack.setInteractionUrl(`${functionUrlBase}/slack/actions`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(containers.map((c) => c.close()));
    await new Promise((resolve) => functionUrl?.close(resolve));
    await Promise.all([slack?.close(), dynamo?.close(), gd?.close(), nfw?.close(), sqs?.close()]);
  });

  beforeEach(() => {
    slack.reset();
    slack.setInteractionUrl(`${functionUrlBase}/slack/actions`);
    slack.setUserGroup('S0SECOPS', [DANA.id, SAM.id]);
    sqs.drain(queueUrl);
    urlTarget = () => actions;
  });

  let n = 0;
  /** A finding through the notifier bundle: its message in Slack, the finding in the GuardDuty stand-in. */
  async function notified(ip = '185.220.101.7', type?: string): Promise<{ message: ReceivedMessage; id: string }> {
    n += 1;
    const id = `a${String(n).padStart(31, '0')}`;
    gd.putFinding(REGION, DETECTOR, { id, remoteIp: ip, ...(type === undefined ? {} : { type }) });
    const event = attackEvent({ id, ip, lastSeen: new Date().toISOString(), ...(type === undefined ? {} : { type }) });
    const answer = await notifier.invoke(sqsEvent([{ id: `m-${id}`, body: event }]), 20_000);
    expect(failedRecordIds(answer)).toEqual([]);
    const message = slack.received.find((m) => m.threadTs === undefined && JSON.stringify(m.body).includes(id));
    expect(message, JSON.stringify(notifier.logs.slice(-5))).toBeDefined();
    return { message: message!, id };
  }

  /** Runs the queued jobs as the event source mapping would (one batch). */
  async function runQueuedJobs(): Promise<unknown> {
    const jobs = sqs.drain(queueUrl);
    if (jobs.length === 0) return undefined;
    return actions.invoke(sqsEvent(jobs.map((m) => ({ id: m.messageId, body: m.body }))), 30_000);
  }

  async function audit(): Promise<AuditRecord[]> {
    const store = createDynamoDbStore({ tableName: table, client: dynamo.client });
    try {
      return await store.listAudit({ since: 0 });
    } finally {
      await store.close();
    }
  }

  const updated = (message: ReceivedMessage) => JSON.stringify(slack.updates.filter((u) => u.ts === message.ts).at(-1)?.body ?? {});

  it('Archive: 200 at once with the job queued; the job archives in GuardDuty, updates the message, audits', async () => {
    const { message, id } = await notified();
    const answer = await slack.click(message, 'gdn.archive', { user: DANA });
    expect(answer.status).toBe(200);
    // Only queued so far: nothing archived before the queue hands the job over.
    expect(sqs.messages(queueUrl)).toHaveLength(1);
    expect(gd.finding(REGION, DETECTOR, id)?.service.archived).toBe(false);
    expect(failedRecordIds((await runQueuedJobs()) as { result?: unknown })).toEqual([]);
    expect(gd.finding(REGION, DETECTOR, id)?.service.archived).toBe(true);
    expect(updated(message)).toContain(`Archived by <@${DANA.id}>`);
    expect((await audit()).find((r) => r.action === 'archive' && r.findingId === id)).toMatchObject({ result: 'done', actor: `slack:${DANA.id}` });
  });

  it('Block IP 1 h and Mute similar 30 d: the rule group holds the address, the mute rule is stored', async () => {
    // A type of its own: the mute silences this type in this account for every later test.
    const { message, id } = await notified('185.220.101.8', 'Backdoor:EC2/C&CActivity.B');
    expect((await slack.click(message, 'gdn.block', { user: SAM, option: '1 h' })).status).toBe(200);
    expect((await slack.click(message, 'gdn.mute', { user: DANA, option: '30 d' })).status).toBe(200);
    await runQueuedJobs();
    const ours = nfw
      .ruleGroup(groupArn)
      .rules.filter((r) => (r.Priority ?? 0) >= 30_000)
      .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])].map((a) => a.AddressDefinition));
    expect(ours).toContain('185.220.101.8/32');
    const records = (await audit()).filter((r) => r.findingId === id);
    expect(records.map((r) => [r.action, r.result]).sort()).toEqual([
      ['block', 'done'],
      ['mute', 'done'],
    ]);
    const store = createDynamoDbStore({ tableName: table, client: dynamo.client });
    try {
      const mute = records.find((r) => r.action === 'mute');
      expect((await store.listMutes(Date.now())).map((m) => m.id)).toContain(mute?.muteId);
    } finally {
      await store.close();
    }
  });

  it('Acknowledge reaches Slack with the raw body base64-encoded, as a Function URL delivers it', async () => {
    const { message } = await notified();
    expect((await slack.click(message, 'gdn.acknowledge', { user: EVE })).status).toBe(200);
    await runQueuedJobs();
    expect(updated(message)).toContain(`Acknowledged by <@${EVE.id}>`);
  });

  it.each([
    ['a forged signature', { secret: 'another-apps-secret' }],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 301 }],
    ['a tampered body', { tamper: (b: string) => b.replace('gdn.block', 'gdn.archive') }],
  ])('answers 401 to %s and queues nothing', async (_name, options) => {
    const { message } = await notified();
    const answer = await slack.click(message, 'gdn.block', { user: SAM, option: '1 h', ...options });
    expect(answer.status).toBe(401);
    expect(sqs.messages(queueUrl)).toEqual([]);
  });

  it('refuses a replay even when another container receives it (the guard is in the table)', async () => {
    const { message } = await notified();
    const first = await slack.click(message, 'gdn.acknowledge', { user: DANA });
    expect(first.status).toBe(200);
    const other = newActionsContainer();
    urlTarget = () => other;
    expect((await slack.send(first.request)).status).toBe(401);
    expect(sqs.messages(queueUrl)).toHaveLength(1);
  });

  it('refuses an unauthorised user and a finding the store does not hold: the clicker told, nothing done, both audited', async () => {
    const { message, id } = await notified();
    expect((await slack.click(message, 'gdn.archive', { user: EVE })).status).toBe(200);
    const foreign = { ...message, body: JSON.parse(JSON.stringify(message.body).replaceAll(id, 'f'.repeat(32))) as Record<string, unknown> };
    expect((await slack.click(foreign, 'gdn.archive', { user: DANA })).status).toBe(200);
    await runQueuedJobs();
    expect(gd.finding(REGION, DETECTOR, id)?.service.archived).toBe(false);
    const records = await audit();
    expect(records.find((r) => r.findingId === id && r.action === 'archive')).toMatchObject({ result: 'refused', reason: 'not-allowed' });
    expect(records.find((r) => r.findingId === 'f'.repeat(32))).toMatchObject({ result: 'refused', reason: 'not-found' });
    expect(slack.responsePosts.filter((p) => p.outcome === 'ephemeral').map((p) => p.visibleTo).sort()).toEqual([DANA.id, EVE.id]);
  });

  it('never says Blocked when the firewall write fails: "Blocking … (writing to edge)" and why; the block stays pending', async () => {
    const { message } = await notified('185.220.101.9');
    nfw.injectFault({ kind: 'access-denied', operation: 'UpdateRuleGroup', times: 20 });
    await slack.click(message, 'gdn.block', { user: SAM, option: '24 h' });
    await runQueuedJobs();
    nfw.clearFaults();
    expect(updated(message)).toMatch(/Blocking .* \(writing to edge\) — could not block yet: access-denied/);
    expect(updated(message)).not.toMatch(/:no_entry: Blocked/);
  });

  it('drops a queue record that is not a job (no retry loop), and answers 404 off the Slack path', async () => {
    const answer = await actions.invoke(sqsEvent([{ id: 'junk', body: '{"hello":"world"}' }]));
    expect(failedRecordIds(answer)).toEqual([]);
    const elsewhere = await fetch(`${functionUrlBase}/`, { method: 'POST', body: 'x' });
    expect(elsewhere.status).toBe(404);
  });
});
