import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableAccess } from './dynamodb-access.js';
import { createDynamoDbCursors } from './dynamodb-cursors.js';
import { createDynamoDbDecisionLog } from './dynamodb-decisions.js';
import { createDynamoDbLedger } from './dynamodb-ledger.js';
import { createDynamoDbMutes } from './dynamodb-mutes.js';
import { createDynamoDbOutbox } from './dynamodb-outbox.js';
import { composeStore, type Store } from './store.js';

export interface DynamoDbStoreOptions {
  tableName: string;
  /** Defaults to a client from the environment (Lambda: its role and region). A client passed in is not destroyed by `close`. */
  client?: DynamoDBClient;
  /** Clock for TTLs of items written without a time of their own (thread placeholders). */
  now?: () => number;
  ttl?: {
    /** GuardDuty keeps findings 90 days (GuardDuty User Guide, "Understanding findings"); a ledger row lives as long after its last sighting. */
    ledgerDays?: number;
    /** Sent outbox rows stay for `status` this long. Pending and failed rows never expire. */
    sentOutboxDays?: number;
    /** Decision records, for `status` and the demo page. */
    decisionsDays?: number;
  };
}

/**
 * The Lambda's store: one DynamoDB table, single-item conditional writes only (dynalite, our quick-run stand-in, has
 * no TransactWriteItems; see DESIGN "Tools"). Layout in dynamodb-table.ts; TTL is switched on by the CDK stack. One
 * file per group of the Store (dynamodb-ledger.ts, -outbox, -decisions, -mutes, -cursors) over one shared table
 * access (dynamodb-access.ts).
 *
 * `commit` writes in an order that makes every crash point safe:
 * 1. outbox rows, each `attribute_not_exists(pk)`: a redelivered batch re-creates the same ids and changes nothing;
 * 2. ledger rows, each conditional on the `version` read by `getLedger` (a lost race re-reads, merges, retries);
 * 3. decision records (history only), by BatchWriteItem.
 * A crash after 1 leaves messages queued that the ledger does not know about: SQS redelivers, the batch is decided
 * again against the old ledger, and at worst a message is sent twice. A ledger row is never written before its
 * outbox row, so the ledger never claims a message that is not queued: nothing decided can be lost.
 *
 * Due rows are found through the sparse `gsi1` index (Query, not Scan) and re-read with a consistent BatchGetItem,
 * so a row another drainer has just sent is not returned again because the index lags.
 *
 * @example
 * const store = createDynamoDbStore({ tableName: process.env.STATE_TABLE! });
 * await store.commit({ ledger, outbox, decisions });
 */
export function createDynamoDbStore(options: DynamoDbStoreOptions): Store {
  const ledgerDays = options.ttl?.ledgerDays ?? 90;
  const sentOutboxDays = options.ttl?.sentOutboxDays ?? 7;
  const decisionsDays = options.ttl?.decisionsDays ?? 7;
  const ownsClient = options.client === undefined;
  const client = options.client ?? new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const table = createTableAccess(options.tableName, doc, options.now ?? Date.now);

  const decisions = createDynamoDbDecisionLog(table, { decisionsDays });
  const { ledger, forgetVersions } = createDynamoDbLedger(table, { ledgerDays, sentOutboxDays, decisions });
  let closed = false;

  const groups = {
    ledger,
    outbox: createDynamoDbOutbox(table, { sentOutboxDays }),
    decisions: decisions.log,
    mutes: createDynamoDbMutes(table),
    cursors: createDynamoDbCursors(table),
  };
  return composeStore(groups, async () => {
    if (closed) return;
    closed = true;
    table.close();
    forgetVersions();
    if (ownsClient) client.destroy();
  });
}
