/**
 * Slack actions end to end, through the real entries, on the stand-ins:
 *
 * - **daemon**: `runDaemon` with a SQLite state file, the GuardDuty, Slack and Network Firewall stand-ins; each finding
 *   is polled, posted (slack-api), then its Block IP 1 h is clicked in the Slack stand-in (signed block_actions to the
 *   daemon's listener). Measured: click → ack (Slack's 200, which it wants within 3 s) and click → rule group written
 *   (the address in the stand-in's rules: UpdateRuleGroup done).
 * - **Lambda bundle** (`npm run build` first): dist/lambda/actions.mjs in a warm container (a Node process that imported
 *   it once), a Function URL event per click (body base64), state in dynalite. Measured: click → ack, cold (the
 *   container's first request: imports, config, secret, store) and warm.
 *
 * Figures, not verdicts: the machines are shared. `npm run bench -- interact-e2e`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { runDaemon } from '../src/daemon/run-daemon.js';
import { createNetworkFirewallTarget } from '../src/respond/targets/network-firewall.js';
import type { BlockTarget } from '../src/respond/targets/target.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry, startGuardDutyStandin } from '../test/support/guardduty-standin.js';
import { startSlackStandin, type ReceivedMessage } from '../test/support/slack-standin.js';
import { startNetworkFirewallStandin } from '../test/support/network-firewall-standin.js';
import { formBody, signSlackBody } from '../test/support/slack-interactions.js';
import { LAMBDA_ACTIONS_BUNDLE_PATH, startLambdaContainer } from '../test/support/lambda-container.js';
import { startDynalite } from '../test/support/dynalite.js';
import { networkFirewallClient, noSleep } from '../test/respond/helpers.js';

const DAEMON_CLICKS = 40;
const LAMBDA_CLICKS = 30;
const SECRET = 'bench-e2e-signing-secret';
const REGION = 'eu-west-1';

const ms = (v: number) => `${v.toFixed(1)} ms`;
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const summary = (values: number[]) => `p50 ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))}, max ${ms(Math.max(...values))}`;

/** Polls `check` (bounded: 10 s, every 1 ms) and returns when it holds. */
async function until(what: string, check: () => boolean): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function daemonFigures(): Promise<void> {
  const [gd, slack, nfw] = await Promise.all([
    startGuardDutyStandin(),
    startSlackStandin({ channelRate: false, webhookRate: false, signingSecret: SECRET }),
    startNetworkFirewallStandin(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'gdn-bench-actions-'));
  const detectorId = gd.addDetector(REGION);
  const groupArn = nfw.createRuleGroup({ name: 'bench', capacity: 1_000, rules: [{ Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } }] });
  const config = parseConfig(
    {
      state: { sqlite: join(dir, 'state.db') },
      destinations: [{ name: 'sec', type: 'slack-api', token: slack.token, channel: 'C0SECOPS', apiUrl: slack.apiUrl, rate: { perSecond: 100, burst: 100 } }],
      poll: { regions: [REGION], interval: '100ms', listen: '127.0.0.1:0' },
      respond: { mode: 'enforce', maxActive: 500, maxNewPerHour: 500, targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30_000 }] },
      interact: { signingSecret: SECRET, apiUrl: slack.apiUrl, allow: { block: ['U034SAM'] } },
    },
    'bench',
  );
  const targets = new Map<string, BlockTarget>([
    ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: groupArn, priority: 30_000, client: networkFirewallClient(nfw.endpoint), sleep: noSleep })],
  ]);
  const controller = new AbortController();
  let ready: (url: string) => void = () => {};
  const started = new Promise<string>((resolve) => (ready = resolve));
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const done = runDaemon({
    config,
    logger: silent,
    signal: controller.signal,
    runtimeOptions: { respondTargets: targets },
    clientOptions: { endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(2) },
    onReady: (info) => ready(info.url ?? ''),
  });
  slack.setInteractionUrl(`${await started}/slack/actions`);
  const written = () =>
    new Set(nfw.ruleGroup(groupArn).rules.flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? [])].map((a) => a.AddressDefinition ?? '')));

  const acks: number[] = [];
  const toFirewall: number[] = [];
  for (let i = 0; i < DAEMON_CLICKS; i++) {
    const ip = `185.220.${100 + Math.floor(i / 200)}.${(i % 200) + 1}`;
    const wire = gd.putFinding(REGION, detectorId, { remoteIp: ip });
    let message: ReceivedMessage | undefined;
    await until('the finding message', () => (message = slack.received.find((m) => JSON.stringify(m.body).includes(wire.id))) !== undefined);
    const start = performance.now();
    const answer = await slack.click(message!, 'gdn.block', { user: { id: 'U034SAM', name: 'sam' }, option: '1 h' });
    acks.push(performance.now() - start);
    if (answer.status !== 200) throw new Error(`bench: click answered ${answer.status}`);
    await until('the rule group written', () => written().has(`${ip}/32`));
    toFirewall.push(performance.now() - start);
  }
  controller.abort();
  await done;
  console.log(
    `interact-e2e daemon: ${DAEMON_CLICKS} Block IP clicks (SQLite, real SDK clients on the stand-ins): ` +
      `click → ack first ${ms(acks[0]!)}, then ${summary(acks.slice(1))}; ` +
      `click → rule group written (UpdateRuleGroup) first ${ms(toFirewall[0]!)}, then ${summary(toFirewall.slice(1))}`,
  );
  await Promise.all([gd.close(), slack.close(), nfw.close()]);
  rmSync(dir, { recursive: true, force: true });
}

async function lambdaFigures(): Promise<void> {
  if (!existsSync(LAMBDA_ACTIONS_BUNDLE_PATH)) {
    console.log('interact-e2e lambda: skipped: run `npm run build` first (dist/lambda/actions.mjs)');
    return;
  }
  const dynamo = await startDynalite();
  const table = await dynamo.createTable('bench-actions');
  const env = {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    // The job goes nowhere: the fast half's figure is the answer, which waits for SendMessage; a closed port would
    // fail it, so SQS is a stand-in that answers at once.
    STATE_TABLE: table,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    GDN_CONFIG: JSON.stringify({
      destinations: [{ name: 'sec', type: 'slack-webhook', url: 'https://hooks.slack.com/services/T0/B0/bench' }],
      interact: { signingSecret: SECRET, allow: { acknowledge: ['*'] } },
    }),
  };
  const { startSqsStandin } = await import('../test/support/sqs-standin.js');
  const sqs = await startSqsStandin();
  const queueUrl = sqs.queueUrl('bench');
  const event = (i: number) => {
    const payload = {
      type: 'block_actions',
      user: { id: 'U012DANA', username: 'dana' },
      container: { type: 'message', message_ts: `1767225600.${String(i).padStart(6, '0')}`, channel_id: 'C0SECOPS', is_ephemeral: false },
      channel: { id: 'C0SECOPS' },
      response_url: 'https://hooks.slack.com/actions/T0/1/x',
      actions: [{ type: 'button', action_id: 'gdn.acknowledge', value: `{"v":1,"d":"sec","f":"f${i}"}`, block_id: 'gdn-actions' }],
    };
    const body = formBody(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      version: '2.0',
      rawPath: '/slack/actions',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signSlackBody(SECRET, timestamp, body) },
      requestContext: { http: { method: 'POST', path: '/slack/actions' } },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    };
  };
  const colds: number[] = [];
  const warms: number[] = [];
  for (let c = 0; c < 3; c++) {
    const container = startLambdaContainer({ ...env, AWS_ENDPOINT_URL_SQS: sqs.endpoint, ACTIONS_QUEUE_URL: queueUrl }, { bundle: LAMBDA_ACTIONS_BUNDLE_PATH });
    for (let i = 0; i < LAMBDA_CLICKS / 3; i++) {
      const start = performance.now();
      const answer = await container.invoke(event(c * 1000 + i));
      const took = performance.now() - start;
      if ((answer.result as { statusCode?: number } | undefined)?.statusCode !== 200) throw new Error(`bench: the bundle answered ${JSON.stringify(answer)}`);
      (i === 0 ? colds : warms).push(took);
    }
    await container.close();
  }
  console.log(
    `interact-e2e lambda: dist/lambda/actions.mjs, Function URL events (signature, replay guard in dynalite, job to the SQS stand-in): ` +
      `click → ack cold (a new container: Node start, bundle import, config, then the request) ${colds.map(ms).join(' / ')}; warm ${summary(warms)} ` +
      `(the harness's stdin/stdout adds well under 1 ms)`,
  );
  await sqs.close();
  await dynamo.close();
}

export async function main(): Promise<void> {
  await daemonFigures();
  await lambdaFigures();
}
