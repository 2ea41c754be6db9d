import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateTableCommand, ScanCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDynamoDb } from '../../test/support/local-dynamodb.js';
import { startSlackStandin, type SlackStandin } from '../../test/support/slack-standin.js';
import { startSecretsStandin, type SecretsStandin } from './support/secrets-standin.js';
import { synth, testConfig, TEST_ACCOUNT } from './support/synth.js';
import { awsCallsOfBundle } from './support/bundle-aws-calls.js';

/**
 * The wiring test: a synthesised GuardDuty EventBridge event goes through the real bundle, run the way Lambda runs
 * it (a fresh Node process, the environment the stack sets and nothing else), against local stand-ins that speak
 * the real protocols: DynamoDB (the run's DynamoDB Local), Secrets Manager and Slack. Two containers per bundle: one
 * cold invocation, then a second cold container (a redelivery must be silent through the table, not memory) that
 * stays warm for the SNS-wrapped invocations, as Lambda reuses containers. Each Node process costs seconds on a busy
 * machine, so the test starts no more of them than its points need. It proves that the names the stack wires
 * (table, secret names, GDN_CONFIG, metric namespace and dimension) are the ones the function uses.
 *
 * Bundles: the asset the stack deploys (bundled here by the local esbuild, as `cdk synth` does) and, when present,
 * dist/lambda/index.mjs from `npm run build`.
 */

const run = promisify(execFile);
const REGION = 'eu-west-1';
const INFRA_DIR = fileURLToPath(new URL('../', import.meta.url));
const DIST_BUNDLE = fileURLToPath(new URL('../../dist/lambda/index.mjs', import.meta.url));

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

/** What the stack deploys: the bundle directory, the function's environment, the rule's pattern. */
interface Deployment {
  bundle: string;
  environment: Record<string, unknown>;
  eventPattern: Record<string, unknown>;
  tableLogicalId: string;
  /** The table as the template declares it (keys, attributes, indexes). */
  table: Record<string, unknown>;
  alarmMetric: { namespace: string; name: string; dimensions: Record<string, string> };
}

let outdir: string;
let deployment: Deployment;
let dynamo: Awaited<ReturnType<typeof startTestDynamoDb>>;
let slack: SlackStandin;
let secrets: SecretsStandin;

const config = testConfig({
  regions: { home: REGION },
  destinations: [
    { name: 'security', type: 'slack-webhook', secret: 'guardduty-notifier/slack-security' },
    // A JSON secret read by key: `secretKey` must reach the function as `url.key`.
    { name: 'ops', type: 'slack-webhook', secret: 'guardduty-notifier/slack-ops', secretKey: 'webhookUrl', minSeverity: 7 },
  ],
  minSeverity: 4,
});

function resourcesOfType(template: Template, type: string): Array<[string, Record<string, unknown>]> {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties]);
}

beforeAll(async () => {
  // Inside the repository, so the bundle's external @aws-sdk/* imports resolve from node_modules like Lambda's runtime.
  mkdirSync(join(INFRA_DIR, 'cdk.out'), { recursive: true });
  outdir = mkdtempSync(join(INFRA_DIR, 'cdk.out', 'test-wiring-'));
  const { stacks, app } = synth(config, { bundle: true, outdir });
  const assembly = app.synth();
  const template = assembly.getStackByName(stacks.home.stackName).template as Template;
  const [, fn] = resourcesOfType(template, 'AWS::Lambda::Function')[0]!;
  const s3Key = (fn.Code as { S3Key: string }).S3Key;
  const [, rule] = resourcesOfType(template, 'AWS::Events::Rule')[0]!;
  const [tableLogicalId, table] = resourcesOfType(template, 'AWS::DynamoDB::Table')[0]!;
  const alarm = resourcesOfType(template, 'AWS::CloudWatch::Alarm').find(([, a]) => a.MetricName === 'OutboxFailures')![1];
  deployment = {
    bundle: join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'),
    environment: (fn.Environment as { Variables: Record<string, unknown> }).Variables,
    eventPattern: rule.EventPattern as Record<string, unknown>,
    tableLogicalId,
    table,
    alarmMetric: {
      namespace: alarm.Namespace as string,
      name: alarm.MetricName as string,
      dimensions: Object.fromEntries((alarm.Dimensions as Array<{ Name: string; Value: string }>).map((d) => [d.Name, d.Value])),
    },
  };

  [dynamo, slack, secrets] = await Promise.all([
    startTestDynamoDb(),
    startSlackStandin({ webhookRate: { perSecond: 100, burst: 100 } }),
    startSecretsStandin({ region: REGION, account: TEST_ACCOUNT }),
  ]);
  secrets.put('guardduty-notifier/slack-security', slack.webhookUrl('security'));
  secrets.put('guardduty-notifier/slack-ops', JSON.stringify({ webhookUrl: slack.webhookUrl('ops') }));
}, 120_000);

afterAll(async () => {
  await Promise.all([dynamo?.close(), slack?.close(), secrets?.close()]);
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** A GuardDuty finding event as EventBridge delivers it (GuardDuty user guide, "EventBridge event format"). */
function guardDutyEvent(options: { id: string; type: string; severity: number; title: string }): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    version: '0',
    id: `${options.id}-event`,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: TEST_ACCOUNT,
    time: now,
    region: REGION,
    resources: [],
    detail: {
      schemaVersion: '2.0',
      accountId: TEST_ACCOUNT,
      region: REGION,
      partition: 'aws',
      id: options.id,
      arn: `arn:aws:guardduty:${REGION}:${TEST_ACCOUNT}:detector/12abc34d567e8fa901bc2d34e56789f0/finding/${options.id}`,
      type: options.type,
      resource: {
        resourceType: 'Instance',
        instanceDetails: { instanceId: 'i-0123456789abcdef0', instanceType: 't3.micro', tags: [{ key: 'Name', value: 'web-1' }] },
      },
      service: {
        serviceName: 'guardduty',
        detectorId: '12abc34d567e8fa901bc2d34e56789f0',
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: {
            connectionDirection: 'INBOUND',
            protocol: 'TCP',
            blocked: false,
            remoteIpDetails: { ipAddressV4: '198.51.100.7', country: { countryName: 'Example' } },
            localPortDetails: { port: 22, portName: 'SSH' },
          },
        },
        archived: false,
        count: 3,
        eventFirstSeen: now,
        eventLastSeen: now,
        resourceRole: 'TARGET',
        additionalInfo: { value: '{}', type: 'default' },
      },
      severity: options.severity,
      createdAt: now,
      updatedAt: now,
      title: options.title,
      description: `${options.title} (synthesised for the wiring test)`,
    },
  };
}

/** EventBridge pattern matching for what our rules use: literal lists, nested objects and `numeric` ranges. */
function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.some((p) => {
      if (p !== null && typeof p === 'object' && 'numeric' in p) {
        const [op, bound] = (p as { numeric: [string, number] }).numeric;
        return values.some((v) => typeof v === 'number' && ({ '>=': v >= bound, '>': v > bound, '<': v < bound, '<=': v <= bound, '=': v === bound } as Record<string, boolean>)[op]);
      }
      return values.includes(p);
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([key, sub]) => matchesPattern(sub, (value as Record<string, unknown>)[key]));
  }
  return false;
}

function sqsRecord(messageId: string, body: string): Record<string, unknown> {
  return {
    messageId,
    receiptHandle: `${messageId}-receipt`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'AIDAEVENTBRIDGE', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${TEST_ACCOUNT}:findings`,
    awsRegion: REGION,
  };
}

/** What one invocation printed and returned. */
interface Invocation {
  result: unknown;
  emf: Array<Record<string, unknown>>;
  logs: string;
}

/**
 * A bound on a child that hangs, not on speed: a cold start of the bundle takes about a second on a quiet machine and
 * many times that on a loaded one.
 */
const CHILD_TIMEOUT_MS = 180_000;

/**
 * Starts one fresh Node process, as a cold Lambda container, and runs the bundle's `handler` once per event in it, one
 * after the other (a warm container's later invocations). A process costs seconds on a busy machine; a container per
 * invocation is only needed where the point is that nothing is remembered in memory.
 */
async function invokeInOneContainer(bundle: string, tableName: string, events: unknown[]): Promise<Invocation[]> {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(deployment.environment)) {
    if (typeof value === 'string') environment[key] = value;
    else if (JSON.stringify(value) === JSON.stringify({ Ref: deployment.tableLogicalId })) environment[key] = tableName;
    else throw new Error(`environment ${key} is ${JSON.stringify(value)}: the test only knows how to resolve the table's Ref`);
  }
  const script = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
    const events = JSON.parse(process.env.TEST_EVENTS);
    for (const [i, event] of events.entries()) {
      const context = { functionName: 'notifier', awsRequestId: 'req-' + (i + 1), invokedFunctionArn: 'arn:aws:lambda:${REGION}:${TEST_ACCOUNT}:function:notifier', memoryLimitInMB: '512', getRemainingTimeInMillis: () => 30000 };
      const result = await handler(event, context);
      console.log('WIRING-RESULT ' + JSON.stringify(result ?? null));
    }
  `;
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      ...environment,
      // What Lambda's runtime sets, and endpoints for the stand-ins. AWS_ENDPOINT_URL sends any other service to a
      // closed port, so nothing in this test can reach the internet.
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'notifier',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_ACCESS_KEY_ID: 'AKIDWIRINGTEST',
      AWS_SECRET_ACCESS_KEY: 'wiring-test-secret',
      AWS_SESSION_TOKEN: 'wiring-test-session',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      TEST_EVENTS: JSON.stringify(events),
    },
    cwd: outdir,
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 20 * 1024 * 1024,
  });
  // Each invocation's output runs up to its result line.
  const invocations: Invocation[] = [];
  let lines: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('WIRING-RESULT ')) {
      lines.push(line);
      continue;
    }
    invocations.push({
      result: JSON.parse(line.slice('WIRING-RESULT '.length)),
      emf: lines.filter((l) => l.startsWith('{') && l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>),
      logs: `${lines.join('\n')}\n${stderr}`,
    });
    lines = [];
  }
  if (invocations.length !== events.length) {
    throw new Error(`the handler printed ${invocations.length} results for ${events.length} events.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
  }
  return invocations;
}

const bundles = (): Array<[string, () => string]> => [
  ['the asset the stack deploys', () => deployment.bundle],
  ['dist/lambda/index.mjs', () => DIST_BUNDLE],
];

describe('a GuardDuty finding through the real bundle, with the environment the stack sets', () => {
  it('bundles the handler with the local esbuild into one ES module, keeping the SDK and SQLite out', () => {
    expect(existsSync(deployment.bundle)).toBe(true);
    const code = readFileSync(deployment.bundle, 'utf8');
    // (Booleans, so that a failure does not print a megabyte of minified code.)
    expect(code.startsWith('import { createRequire as __gdnCreateRequire }'), 'starts with the require banner').toBe(true);
    expect(/export\s*\{[^}]*\bhandler\b/.test(code), 'exports handler').toBe(true);
    // A static import of better-sqlite3 would fail the cold start in Lambda, where it is not installed.
    const staticImports = [...code.matchAll(/(?:^|[;}\n])\s*import\s*[^;(]*?from\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(staticImports.filter((name) => !name!.startsWith('@aws-sdk/') && !name!.startsWith('node:'))).toEqual([]);
    expect(staticImports).toContain('@aws-sdk/client-dynamodb');
    // The respond clients load on the first sync of a config that has respond:, never at cold start.
    expect(staticImports).not.toContain('@aws-sdk/client-network-firewall');
    expect(staticImports).not.toContain('@aws-sdk/client-wafv2');
  });

  it('is allowed exactly the AWS calls the bundle can make, and no more', () => {
    const { calls: needed, unknownModules } = awsCallsOfBundle(readFileSync(deployment.bundle, 'utf8'));
    expect(unknownModules, 'SDK packages with no IAM prefix in bundle-aws-calls.ts').toEqual([]);
    expect(needed.size).toBeGreaterThan(0);
    // A deployment that uses every kind of destination and account names, so every statement is there.
    const { home } = synth(
      testConfig({
        destinations: [
          { name: 's', type: 'slack-webhook', secret: 'gd/s' },
          { name: 'p', type: 'sns', topicArn: `arn:aws:sns:${REGION}:${TEST_ACCOUNT}:pager` },
        ],
        organizations: { enabled: true, managementAccountId: '999988887777', organizationId: 'o-a1b2c3d4e5' },
        // Both kinds of respond target: the function converges a rule group and a WAF IP set.
        respond: {
          mode: 'enforce',
          targets: [
            { name: 'edge', type: 'network-firewall', create: true, priority: 30000 },
            { name: 'alb', type: 'waf-ip-set', ipv4SetArn: `arn:aws:wafv2:${REGION}:${TEST_ACCOUNT}:regional/ipset/gd-v4/1a2b3c4d-0000-4000-8000-000000000001` },
          ],
          rules: [{ name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: ['edge', 'alb'] }],
        },
      } as never),
    );
    const allowed = new Set(
      Object.values(home.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties.Roles).includes('FunctionRole'))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement)
        .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]))
        .filter((action) => !/^(logs|sqs):/.test(action)), // the runtime and the event source mapping use these
    );
    expect([...needed].sort()).toEqual([...allowed].sort());
  });

  it.for(bundles())('%s: notifies Slack once, keeps state in the table, reports poison records', { timeout: 2 * CHILD_TIMEOUT_MS + 60_000 }, async ([, bundleOf], ctx) => {
    const bundle = bundleOf();
    if (!existsSync(bundle)) ctx.skip(); // dist/lambda is built by `npm run build` (part of `npm test`)
    slack.reset();
    const tableName = `wiring-${Math.random().toString(36).slice(2, 10)}`;
    // The table exactly as the stack declares it (dynalite has no TTL API; the stack switches TTL on in AWS).
    const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes, BillingMode } = deployment.table as Omit<CreateTableCommandInput, 'TableName'>;
    await dynamo.client.send(new CreateTableCommand({ TableName: tableName, KeySchema, AttributeDefinitions, GlobalSecondaryIndexes, BillingMode }));

    const ssh = guardDutyEvent({ id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 5, title: '198.51.100.7 is performing SSH brute force attacks against i-0123456789abcdef0.' });
    const backdoor = guardDutyEvent({ id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f', type: 'Backdoor:EC2/C&CActivity.B', severity: 8, title: 'EC2 instance i-0123456789abcdef0 is querying an IP address associated with a known command and control server.' });
    const low = guardDutyEvent({ id: '00112233445566778899aabbccddeeff', type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, title: 'Unprotected port on EC2 instance is being probed.' });
    // The stack's rule lets the first two through and keeps the low one out of the queue.
    expect(matchesPattern(deployment.eventPattern, ssh)).toBe(true);
    expect(matchesPattern(deployment.eventPattern, backdoor)).toBe(true);
    expect(matchesPattern(deployment.eventPattern, low)).toBe(false);

    const batch = { Records: [sqsRecord('m-ssh', JSON.stringify(ssh)), sqsRecord('m-backdoor', JSON.stringify(backdoor)), sqsRecord('m-poison', 'not json')] };
    const [first] = await invokeInOneContainer(bundle, tableName, [batch]);
    if (first === undefined) throw new Error('no invocation');

    // Only the poison record goes back to SQS (and so, after 5 receives, to the DLQ).
    expect(first.result, first.logs).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-poison' }] });
    // security gets both findings; ops (minSeverity 7, a JSON secret read by key) gets the backdoor only.
    const onSecurity = slack.receivedOn('security').map((m) => JSON.stringify(m.body));
    const onOps = slack.receivedOn('ops').map((m) => JSON.stringify(m.body));
    expect(onSecurity.some((m) => m.includes('SSHBruteForce') || m.includes('SSH brute force')), first.logs).toBe(true);
    expect(onSecurity.some((m) => m.includes('C&amp;CActivity') || m.includes('command and control')), first.logs).toBe(true);
    expect(onOps).toHaveLength(1);
    expect(onOps[0]).toMatch(/command and control|C&amp;CActivity/);
    // The secrets were read by the names in the config, signed for Secrets Manager in the stack's region.
    expect(new Set(secrets.requests.map((r) => r.secretId))).toEqual(new Set(['guardduty-notifier/slack-security', 'guardduty-notifier/slack-ops']));
    expect(secrets.requests.every((r) => r.signedRegion === REGION && r.signedService === 'secretsmanager')).toBe(true);
    // State landed in the table the stack names; TTL rows carry the attribute the table's TTL reads.
    const items = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    expect(items.Count ?? 0).toBeGreaterThan(0);

    // The metrics the alarms watch are the ones the function emits (namespace, name, service dimension).
    const metricDefinitions = first.emf.flatMap((m) => (m._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics.map((d) => ({ ...d, document: m })));
    const sent = metricDefinitions.find((d) => d.Metrics.some((x) => x.Name === 'NotificationsSent'));
    expect(sent, first.logs).toBeDefined();
    expect(sent?.Namespace).toBe(deployment.alarmMetric.namespace);
    expect(metricDefinitions.some((d) => d.Metrics.some((x) => x.Name === deployment.alarmMetric.name))).toBe(true);
    for (const [dimension, value] of Object.entries(deployment.alarmMetric.dimensions)) {
      expect(sent?.Dimensions.flat()).toContain(dimension);
      expect(sent?.document[dimension]).toBe(value);
    }

    // SQS delivers at least once: the same batch again, in a new container (nothing in memory), is a silent duplicate
    // thanks to the table. Then, in that now warm container: subscribed to an SNS topic that carries the events, and
    // fed by a queue subscribed to a topic without raw message delivery, the envelopes are unwrapped; a finding
    // already told is a duplicate, a new one is sent.
    const messagesBefore = slack.received.length;
    const topicArn = `arn:aws:sns:${REGION}:${TEST_ACCOUNT}:guardduty-findings`;
    const fresh = guardDutyEvent({ id: '99887766554433221100ffeeddccbbaa', type: 'Trojan:EC2/DNSDataExfiltration', severity: 8, title: 'EC2 instance i-0123456789abcdef0 is exfiltrating data through DNS queries.' });
    const notification = { Type: 'Notification', MessageId: 'sns-2', TopicArn: topicArn, Message: JSON.stringify(ssh) };
    const [again, viaSns, viaQueue] = await invokeInOneContainer(bundle, tableName, [
      { Records: [sqsRecord('m-ssh-2', JSON.stringify(ssh)), sqsRecord('m-backdoor-2', JSON.stringify(backdoor))] },
      { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Type: 'Notification', MessageId: 'sns-1', TopicArn: topicArn, Message: JSON.stringify(fresh) } }] },
      { Records: [sqsRecord('m-sns', JSON.stringify(notification))] },
    ]);
    if (again === undefined || viaSns === undefined || viaQueue === undefined) throw new Error('missing invocations');
    expect(again.result, again.logs).toEqual({ batchItemFailures: [] });
    expect(viaSns.result, viaSns.logs).toBeNull();
    expect(viaQueue.result, viaQueue.logs).toEqual({ batchItemFailures: [] });
    // The only new messages are the fresh finding's: the redelivered batch and the SSH finding via SNS stayed silent.
    const newMessages = slack.received.slice(messagesBefore).map((m) => JSON.stringify(m.body));
    expect(newMessages.length, viaSns.logs).toBeGreaterThan(0);
    expect(newMessages.filter((m) => !m.includes('DNSDataExfiltration')), `${again.logs}\n${viaQueue.logs}`).toEqual([]);
    expect(slack.receivedOn('security').map((m) => JSON.stringify(m.body)).some((m) => m.includes('DNSDataExfiltration')), viaSns.logs).toBe(true);
  });
});
