import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableAccess, type QueryBounds } from './dynamodb-access.js';
import { createDynamoDbAudit } from './dynamodb-audit.js';
import { createDynamoDbBlocks } from './dynamodb-blocks.js';
import { createDynamoDbCursors } from './dynamodb-cursors.js';
import { createDynamoDbDecisionLog } from './dynamodb-decisions.js';
import { createDynamoDbLedger } from './dynamodb-ledger.js';
import { createDynamoDbMutes } from './dynamodb-mutes.js';
import { createDynamoDbOnCall } from './dynamodb-on-call.js';
import { createDynamoDbOutbox, DEFAULT_BODY_DAYS } from './dynamodb-outbox.js';
import { createDynamoDbReplay } from './dynamodb-replay.js';
import { createDynamoDbSnapshots } from './dynamodb-snapshots.js';
import { composeStore, type Store } from './store.js';

export interface DynamoDbStoreOptions {
  tableName: string;
  /** Defaults to a client from the environment (Lambda: its role and region). A client passed in is not destroyed by `close`. */
  client?: DynamoDBClient;
  /**
   * The store's clock: TTLs of items written without a time of their own (thread placeholders), and expiry on reads
   * (a ledger row past its TTL is absent although DynamoDB may not have deleted it yet).
   */
  now?: () => number;
  /** Tests only: lower bounds on walks (`stats`), to see a capped count without writing 200 pages of rows. */
  queryBounds?: QueryBounds;
  ttl?: {
    /** GuardDuty keeps findings 90 days (GuardDuty User Guide, "Understanding findings"); a ledger row lives as long after its last sighting. */
    ledgerDays?: number;
    /** Sent outbox rows stay for `status` this long. Pending and failed rows never expire. */
    sentOutboxDays?: number;
    /** Decision records, for `status` and the demo page. */
    decisionsDays?: number;
    /**
     * Message bodies (their own items, written once): 90 days, GuardDuty's retention, so that a pending or failed row
     * keeps its message for as long as the finding exists; at least a day longer than sent rows are kept.
     */
    bodyDays?: number;
    /** Ended blocks (expired, removed) stay listed this long (default 7); which addresses were ever enforced is kept for ever. */
    endedBlocksDays?: number;
  };
}

/**
 * The Lambda's store: one DynamoDB table, single-item conditional writes only (dynalite, our quick-run stand-in, has
 * no TransactWriteItems; see DESIGN "Tools"). Layout in dynamodb-table.ts; TTL is switched on by the CDK stack. One
 * file per group of the Store (dynamodb-ledger.ts, -outbox, -decisions, -mutes, -cursors) over one shared table
 * access (dynamodb-access.ts).
 *
 * `commit` writes in an order that makes every crash point safe:
 * 1. outbox rows, each `attribute_not_exists(pk)`, body item first, then the small state item (dynamodb-outbox.ts): a
 *    redelivered batch re-creates the same ids and changes nothing;
 * 2. ledger rows, each conditional on the `version` read by `getLedger` (a lost race re-reads, merges, retries);
 * 3. decision records (history only), by BatchWriteItem.
 * A crash after 1 leaves messages queued that the ledger does not know about: SQS redelivers, the batch is decided
 * again against the old ledger, and at worst a message is sent twice. A ledger row is never written before its
 * outbox row, so the ledger never claims a message that is not queued: nothing decided can be lost.
 *
 * Due rows are found through the sparse `gsi1` index (Query, not Scan) and re-read with a consistent BatchGetItem,
 * so a row another drainer has just sent is not returned again because the index lags.
 *
 * What a batch costs does not grow with what the table keeps: every read per batch is by key or a bounded Query
 * (`outboxDepth`), and expired rows are filtered by the store's clock (TTL deletes within days, not at once). Only
 * `stats()` (for `status`) walks index partitions, bounded, saying when it stopped.
 *
 * @example
 * const store = createDynamoDbStore({ tableName: process.env.STATE_TABLE! });
 * await store.commit({ ledger, outbox, decisions });
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): Store {
  const ledgerDays = options.ttl?.ledgerDays ?? 90;
  const sentOutboxDays = options.ttl?.sentOutboxDays ?? 7;
  const decisionsDays = options.ttl?.decisionsDays ?? 7;
  const bodyDays = Math.max(options.ttl?.bodyDays ?? DEFAULT_BODY_DAYS, sentOutboxDays + 1);
  const ownsClient = options.client === undefined;
  const client = options.client ?? new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = createTableAccess(options.tableName, doc, options.now ?? Date.now, options.queryBounds);

  const decisions = createDynamoDbDecisionLog(table, { decisionsDays });
  const blocks = createDynamoDbBlocks(table, options.ttl?.endedBlocksDays === undefined ? {} : { endedDays: options.ttl.endedBlocksDays });
  const snapshots = createDynamoDbSnapshots(table);
  const onCall = createDynamoDbOnCall(table);
  const { ledger, forgetVersions } = createDynamoDbLedger(table, { ledgerDays, sentOutboxDays, bodyDays, decisions, blocks, snapshots, onCall });
  let closed = false;

  const groups = {
    ledger,
    outbox: createDynamoDbOutbox(table, { sentOutboxDays }),
    decisions: decisions.log,
    mutes: createDynamoDbMutes(table),
    cursors: createDynamoDbCursors(table),
    blocks: blocks.group,
    audit: createDynamoDbAudit(table),
    snapshots: snapshots.group,
    replay: createDynamoDbReplay(table),
    onCall: onCall.group,
  };
  return composeStore(groups, async () => {
    if (closed) return;
    closed = true;
    table.close();
    forgetVersions();
    if (ownsClient) client.destroy();
  });
}
