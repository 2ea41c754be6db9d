import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { startTestDynamoDb } from '../support/local-dynamodb.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { attackEvent } from '../respond/events.js';
import { lambdaContext, sqsEvent as sqsEventOf } from '../support/lambda-container.js';

/**
 * respond/ in the shipped Lambda bundle (dist/lambda/index.mjs, `npm run build`), imported and invoked as Lambda
 * would, with GDN_CONFIG holding a `respond:` in enforce mode, state in DynamoDB Local, and the real SDK clients sent
 * to the Network Firewall and WAF stand-ins by AWS_ENDPOINT_URL_NETWORK_FIREWALL / AWS_ENDPOINT_URL_WAFV2. The SQS
 * batch writes the targets after its commit; the 5-minute scheduled event prunes what expired and converges.
 * Time moves by faking Date only (the bundle reads Date.now); nothing waits.
 */

const bundlePath = fileURLToPath(new URL('../../dist/lambda/index.mjs', import.meta.url));
type Handler = (event: unknown, context?: Context) => Promise<SQSBatchResponse | void>;

let slack: SlackStandin;
let dynamo: Awaited<ReturnType<typeof startTestDynamoDb>>;
let nfw: NetworkFirewallStandin;
let waf: Wafv2Standin;
let handler: Handler;
let groupArn: string;
let setArn: string;
const savedEnv = { ...process.env };
const emf: string[] = [];
const T0 = Date.parse('2026-03-02T09:00:00.000Z');

const context = (remainingMs = 20_000): Context => lambdaContext(remainingMs);
const sqsEvent = (bodies: Array<{ id: string; body: string }>): SQSEvent => sqsEventOf(bodies, 'eu-west-1');

const ours = () =>
  nfw
    .ruleGroup(groupArn)
    .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
    .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])])
    .map((a) => a.AddressDefinition)
    .filter((c) => c !== '127.0.0.1/32');

describe.skipIf(!existsSync(bundlePath))('respond in the Lambda bundle', () => {
  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    [slack, dynamo, nfw, waf] = await Promise.all([startSlackStandin({ webhookRate: false }), startTestDynamoDb(), startNetworkFirewallStandin(), startWafv2Standin()]);
    const table = await dynamo.createTable('gdn-respond');
    groupArn = nfw.createRuleGroup({ name: 'lambda-respond', capacity: 1_000, rules: [{ Priority: 30_000, RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: '127.0.0.1/32' }] }, Actions: ['aws:drop'] } }] });
    setArn = waf.createIpSet({ name: 'lambda-respond', version: 'IPV4', addresses: [] });
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_NETWORK_FIREWALL: nfw.endpoint,
      AWS_ENDPOINT_URL_WAFV2: waf.endpoint,
      STATE_TABLE: table,
      GDN_CONFIG: JSON.stringify({
        destinations: [{ name: 'sec', type: 'slack-webhook', url: slack.webhookUrl('sec') }],
        respond: {
          mode: 'enforce',
          targets: [
            { name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30000 },
            { name: 'alb', type: 'waf-ip-set', ipv4SetArn: setArn },
          ],
          rules: [{ name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: ['edge', 'alb'] }],
        },
      }),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      LOG_LEVEL: 'ERROR',
    });
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string' && chunk.includes('"_aws"')) emf.push(chunk);
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write);
    ({ handler } = (await import(pathToFileURL(bundlePath).href)) as { handler: Handler });
  });

  afterAll(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    process.env = savedEnv;
    await Promise.all([slack?.close(), dynamo?.close(), nfw?.close(), waf?.close()]);
  });

  it('writes the rule group and the IP set within the SQS batch, and announces the block in the message', async () => {
    const response = (await handler(sqsEvent([{ id: 'm-1', body: JSON.stringify(attackEvent({ ip: '185.220.101.21', lastSeen: new Date(T0).toISOString() })) }]), context())) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    expect(ours()).toEqual(['185.220.101.21/32', '185.220.101.21/32']);
    expect(waf.ipSet(setArn).addresses).toEqual(['185.220.101.21/32']);
    expect(JSON.stringify(slack.receivedOn('sec')[0]?.body)).toContain('Blocked 185.220.101.21 for 12 h in edge (source and destination)');
    const inForce = emf.map((l) => JSON.parse(l) as Record<string, unknown>).find((m) => m.BlocksInForce !== undefined && m.target === 'edge');
    expect(inForce?.BlocksInForce).toBe(1);
  });

  it('on the scheduled event after expiry, prunes, takes every address out and announces the unblock', async () => {
    vi.setSystemTime(T0 + 12 * 3_600_000 + 60_000);
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', id: 'sched-1', detail: {} }, context());
    expect(ours()).toEqual([]);
    expect(waf.ipSet(setArn).addresses).toEqual([]);
    const texts = slack.receivedOn('sec').map((m) => JSON.stringify(m.body));
    expect(texts.some((t) => t.includes('Released 185.220.101.21 in edge (expired after 12 h)'))).toBe(true);
    const failures = emf.map((l) => JSON.parse(l) as Record<string, unknown>).filter((m) => m.BlockWriteFailures !== undefined);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((m) => m.BlockWriteFailures === 0)).toBe(true);
  });
});
