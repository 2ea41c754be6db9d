import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startSlackStandin, fault, type SlackStandin } from '../support/slack-standin.js';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startTestDynamoDb } from '../support/local-dynamodb.js';
import { failedRecordIds, lambdaContext, sqsEvent as sqsEventOf, startLambdaContainer } from '../support/lambda-container.js';
import { TABLE_KEYS } from '../../src/state/dynamodb-table.js';
import { eventBridgeFinding } from './cli-helpers.js';

/**
 * The shipped artefact, not the sources: imports dist/lambda/index.mjs (built by `npm test` before vitest runs) and
 * invokes it as Lambda would, against the Slack stand-in and dynalite.
 */
const bundlePath = fileURLToPath(new URL('../../dist/lambda/index.mjs', import.meta.url));

type Handler = (event: unknown, context?: Context) => Promise<SQSBatchResponse | void>;

let slack: SlackStandin;
let dynamo: Awaited<ReturnType<typeof startTestDynamoDb>>;
let stateTable: string;
let handler: Handler;
const savedEnv = { ...process.env };

// Generous by default: a drain ends as soon as the outbox is empty, so time left over costs nothing, and a slow
// machine (DynamoDB Local answering in hundreds of ms) must not turn "not sent yet" into a failed verdict.
const context = (remainingMs = 30_000): Context => lambdaContext(remainingMs);
const sqsEvent = (bodies: Array<{ id: string; body: string }>): SQSEvent => sqsEventOf(bodies);

const hex = (n: number) => n.toString(16).padStart(32, '0');

describe.skipIf(!existsSync(bundlePath))('Lambda bundle dist/lambda/index.mjs', () => {
  beforeAll(async () => {
    slack = await startSlackStandin({ webhookRate: false });
    dynamo = await startTestDynamoDb();
    stateTable = await dynamo.createTable('gdn-state');
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      STATE_TABLE: stateTable,
      SLACK_WEBHOOK_URL: slack.webhookUrl('lambda'),
      MIN_SEVERITY: '4',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    ({ handler } = (await import(pathToFileURL(bundlePath).href)) as { handler: Handler });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await slack?.close();
    await dynamo?.close();
  });

  it('exports a handler', () => {
    expect(typeof handler).toBe('function');
  });

  it('posts one message for an EventBridge event delivered directly', async () => {
    await handler(eventBridgeFinding({ id: hex(1), severity: 8 }), context());
    expect(slack.receivedOn('lambda')).toHaveLength(1);
    expect(JSON.stringify(slack.receivedOn('lambda')[0]?.body)).toContain('SSH brute force');
  });

  it('reports only the poison records of an SQS batch as failed and delivers the rest', async () => {
    slack.reset();
    const response = (await handler(
      sqsEvent([
        { id: 'm-good-1', body: JSON.stringify(eventBridgeFinding({ id: hex(2), severity: 7 })) },
        { id: 'm-not-json', body: '{"detail": ' },
        { id: 'm-good-2', body: JSON.stringify(eventBridgeFinding({ id: hex(3), severity: 9 })) },
        { id: 'm-not-a-finding', body: JSON.stringify({ hello: 'world' }) },
      ]),
      context(),
    )) as SQSBatchResponse;
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-not-a-finding', 'm-not-json']);
    expect(slack.receivedOn('lambda')).toHaveLength(2);
  });

  it('makes an SQS redelivery of the same batch silent', async () => {
    slack.reset();
    const batch = sqsEvent([{ id: 'm-redeliver', body: JSON.stringify(eventBridgeFinding({ id: hex(4), severity: 7 })) }]);
    expect(((await handler(batch, context())) as SQSBatchResponse).batchItemFailures).toEqual([]);
    expect(((await handler(batch, context())) as SQSBatchResponse).batchItemFailures).toEqual([]);
    expect(slack.receivedOn('lambda')).toHaveLength(1);
  });

  it('keeps a message Slack refused in the outbox (not in the DLQ) and sends it once on the scheduled drain', { timeout: 120_000 }, async () => {
    slack.reset();
    slack.setFaults(() => fault.status(503));
    const batch = sqsEvent([{ id: 'm-scheduled', body: JSON.stringify(eventBridgeFinding({ id: hex(6), severity: 8 })) }]);
    // Committed, so the record is done: redelivering it would only re-decide a duplicate.
    expect(((await handler(batch, context(4_500))) as SQSBatchResponse).batchItemFailures).toEqual([]);
    expect(slack.receivedOn('lambda')).toHaveLength(0);
    // A redelivery anyway (e.g. the visibility timeout ran out) decides nothing new.
    await handler(batch, context(4_500));
    slack.setFaults(undefined);
    // Room for the row's backoff (10 s after one failed try, 20 s after two) however slowly the machine got here.
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', id: 'sched-1', detail: {} }, context(60_000));
    expect(slack.receivedOn('lambda')).toHaveLength(1);
    await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', id: 'sched-2', detail: {} }, context(20_000));
    expect(slack.receivedOn('lambda')).toHaveLength(1);
  });

  it('turns a burst in one SQS batch into a digest', async () => {
    slack.reset();
    const bodies = Array.from({ length: 12 }, (_, i) => ({ id: `m-burst-${i}`, body: JSON.stringify(eventBridgeFinding({ id: hex(100 + i), severity: 4 + (i % 6) })) }));
    const response = (await handler(sqsEvent(bodies), context())) as SQSBatchResponse;
    expect(response.batchItemFailures).toEqual([]);
    const received = slack.receivedOn('lambda');
    expect(received).toHaveLength(1);
    expect(String(received[0]?.body.text)).toMatch(/12/);
  });

  it('treats a failure after the commit as a delivery problem: the records succeed, the log says so', async () => {
    slack.reset();
    // A table whose index is missing: the commit (puts and conditional updates by key) succeeds, the drain's first
    // Query fails. The same holds for any failure after the commit (DynamoDB throttling the drain, a crash mid-send).
    const TableName = `no-index-${Math.random().toString(36).slice(2, 10)}`;
    const { partitionKey: pk, sortKey: sk } = TABLE_KEYS;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: pk, KeyType: 'HASH' }, { AttributeName: sk, KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: pk, AttributeType: 'S' }, { AttributeName: sk, AttributeType: 'S' }],
      }),
    );
    const container = startLambdaContainer({
      STATE_TABLE: TableName,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SLACK_WEBHOOK_URL: slack.webhookUrl('lambda'),
    });
    try {
      const answer = await container.invoke(sqsEvent([{ id: 'm-after-commit', body: JSON.stringify(eventBridgeFinding({ id: hex(300), severity: 8 })) }]));
      expect(failedRecordIds(answer), JSON.stringify(container.logs)).toEqual([]);
      const messages = container.logs.map((l) => String(l.message));
      expect(messages).toContain('Delivery problem after the batch was committed; its messages stay in the outbox and are sent later');
      expect(messages.some((m) => m.startsWith('Batch could not be committed'))).toBe(false);
    } finally {
      await container.close();
    }
  });
});
