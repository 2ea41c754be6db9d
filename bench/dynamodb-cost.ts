import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRuntime } from '../src/pipeline/runtime.js';
import { renderFindingMessage } from '../src/render/render-message.js';
import { parseFindingDocument } from '../src/finding/parse.js';
import { generateSampleFindings } from '../src/sources/samples.js';
import { createDynamoDbStore } from '../src/state/dynamodb-store.js';
import * as outboxModule from '../src/state/dynamodb-outbox.js';
import type { OutboxRow, Store } from '../src/state/store.js';
import { createTestTable } from '../test/support/dynalite.js';
import { benchConfig, createCountingSink } from './support.js';
import { costSince, countingClient, startBenchDynamoDb, type DynamoDbCost } from './support-dynamodb.js';

/**
 * What one Lambda batch costs in DynamoDB, on day 1 and on day 300: the Lambda's own path (decide and commit a batch
 * of 10 new findings, drain the outbox, look at what is left) through the real DynamoDB store, on Amazon's DynamoDB
 * Local, with 0, 10,000 and 50,000 sent messages kept in the table (7 days' worth at a busy site). Every request is
 * counted by an SDK middleware, with the capacity DynamoDB reports (ReturnConsumedCapacity: INDEXES).
 * Target (issue 12): requests and items read flat in what is kept; a few write units per message.
 */

const BATCH = 10;
const BATCHES = 3;
const KEPT = [0, 10_000, 50_000] as const;
/** The Lambda's bound on what it counts after a batch (src/lambda/deliver.ts OUTBOX_DEPTH_LIMIT). */
const DEPTH_LIMIT = 100;
const PREFILL_CONCURRENCY = 8;

type OutboxItems = (row: OutboxRow, seq: number, options: { sentOutboxDays: number; bodyDays: number }) => { state: Record<string, unknown>; body: Record<string, unknown> };
type OutboxItemLegacy = (row: OutboxRow, seq: number, sentOutboxDays: number) => Record<string, unknown>;

/** The items one kept (sent) message leaves in the table, whichever layout this tree's store writes. */
function keptItems(row: OutboxRow, seq: number): Array<Record<string, unknown>> {
  const mod = outboxModule as unknown as { outboxItems?: OutboxItems; outboxItem?: OutboxItemLegacy };
  if (mod.outboxItems) {
    const { state, body } = mod.outboxItems(row, seq, { sentOutboxDays: 7, bodyDays: 90 });
    return [state, body];
  }
  return [mod.outboxItem!(row, seq, 7)];
}

async function prefill(doc: DynamoDBDocumentClient, tableName: string, count: number, now: number): Promise<void> {
  if (count === 0) return;
  const [finding] = parseFindingDocument(generateSampleFindings({ count: 1, now, seed: 99, severity: 'High' })[0]).findings;
  const message = renderFindingMessage(finding!, { now, kind: 'new', destination: 'sec' });
  let next = 0;
  const chunks = Math.ceil(count / 12); // 12 rows (≤ 25 items) a BatchWriteItem
  await Promise.all(
    Array.from({ length: PREFILL_CONCURRENCY }, async () => {
      for (let chunk = next++; chunk < chunks; chunk = next++) {
        const items: Array<Record<string, unknown>> = [];
        for (let i = chunk * 12; i < Math.min(count, (chunk + 1) * 12); i++) {
          // Sent over the last 7 days, as a busy week leaves them.
          const sentAt = now - Math.floor((i / count) * 6.9 * 86_400_000);
          const id = `kept${String(i).padStart(8, '0')}`;
          const row: OutboxRow = {
            id,
            destination: 'sec',
            kind: 'new',
            findingId: `f${id}`,
            findingIds: [`f${id}`],
            message,
            status: 'sent',
            attempts: 1,
            createdAt: sentAt - 1_000,
            nextAttemptAt: sentAt - 1_000,
            sentAt,
          };
          items.push(...keptItems(row, 0));
        }
        let requests = items.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0 && attempt < 20; attempt++) {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (out.UnprocessedItems?.[tableName] as typeof requests | undefined) ?? [];
        }
      }
    }),
  );
}

interface Figures {
  kept: number;
  batch: DynamoDbCost;
  /** Of the batch: what was read after the drain to see what is left (stats() before issue 12, outboxDepth after). */
  depth: DynamoDbCost;
  messages: number;
}

async function measure(endpoint: string, kept: number): Promise<Figures> {
  const { client, cost } = countingClient(endpoint);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = `cost-${kept}-${Date.now()}`;
  await createTestTable(client, tableName);
  const now = Date.now();
  await prefill(doc, tableName, kept, now);

  const store = createDynamoDbStore({ tableName, client });
  const sink = createCountingSink('sec');
  // Threshold above the batch: ten single messages, so "per message" is per message, not per digest.
  const config = benchConfig({ destinations: [{ name: 'sec', type: 'stdout' }], digest: { threshold: 50 } });
  const runtime = await createRuntime(config, { store, sinks: new Map([['sec', sink]]) });
  const total: DynamoDbCost[] = [];
  const depthCosts: DynamoDbCost[] = [];
  let messages = 0;
  for (let b = 0; b < BATCHES; b++) {
    const findings = generateSampleFindings({ count: BATCH, now: now + b * 1_000, seed: 1_000 + b * 7 + kept }).flatMap(
      (doc) => parseFindingDocument(doc).findings,
    );
    const before = { ...cost, byOperation: { ...cost.byOperation } };
    const sentBefore = sink.sent.length;
    await runtime.pipeline.ingestFindings(findings);
    await runtime.pipeline.drain({ deadlineMs: Date.now() + 30_000 });
    const beforeDepth = { ...cost, byOperation: { ...cost.byOperation } };
    const s = store as Store & { outboxDepth?: (limit: number) => Promise<unknown> };
    if (typeof s.outboxDepth === 'function') await s.outboxDepth(DEPTH_LIMIT);
    else await s.stats();
    depthCosts.push(costSince(cost, beforeDepth));
    total.push(costSince(cost, before));
    messages += sink.sent.length - sentBefore;
  }
  await runtime.close();
  await store.close();
  client.destroy();
  return { kept, batch: average(total), depth: average(depthCosts), messages: messages / BATCHES };
}

function average(costs: DynamoDbCost[]): DynamoDbCost {
  const n = costs.length;
  const sum = (f: (c: DynamoDbCost) => number) => costs.reduce((acc, c) => acc + f(c), 0) / n;
  const byOperation: Record<string, number> = {};
  for (const c of costs) for (const [op, v] of Object.entries(c.byOperation)) byOperation[op] = (byOperation[op] ?? 0) + v / n;
  return {
    requests: sum((c) => c.requests),
    byOperation,
    itemsRead: sum((c) => c.itemsRead),
    readUnits: sum((c) => c.readUnits),
    writeUnits: sum((c) => c.writeUnits),
    indexWriteUnits: sum((c) => c.indexWriteUnits),
  };
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export async function main(): Promise<void> {
  const local = await startBenchDynamoDb('dynamodb-cost');
  if (!local) return;
  try {
    console.log(
      `DynamoDB per Lambda batch of ${BATCH} new findings (decide + commit + drain + what is left), mean of ${BATCHES} batches, ` +
        `on Amazon DynamoDB Local; capacity as DynamoDB Local reports it (ReturnConsumedCapacity: INDEXES, AWS's rules):`,
    );
    console.log('| sent messages kept | requests | items read | RCU | WCU (of which index) | WCU per message | of which "what is left": requests, items |');
    console.log('|---|---|---|---|---|---|---|');
    for (const kept of KEPT) {
      const f = await measure(local.endpoint, kept);
      console.log(
        `| ${kept.toLocaleString('en-US')} | ${fmt(f.batch.requests)} | ${fmt(f.batch.itemsRead)} | ${fmt(f.batch.readUnits)} | ` +
          `${fmt(f.batch.writeUnits)} (${fmt(f.batch.indexWriteUnits)}) | ${fmt(f.batch.writeUnits / Math.max(1, f.messages))} | ` +
          `${fmt(f.depth.requests)}, ${fmt(f.depth.itemsRead)} |`,
      );
      if (kept === KEPT[0]) {
        const ops = Object.entries(f.batch.byOperation)
          .map(([op, n]) => `${op} ${fmt(n)}`)
          .join(', ');
        console.log(`|   requests by operation (0 kept): ${ops} | | | | | | |`);
      }
    }
  } finally {
    await local.stop();
  }
}
