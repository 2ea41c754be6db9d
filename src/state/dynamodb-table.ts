/**
 * The key layout of the one DynamoDB table the Lambda keeps its state in. The CDK stack (infra/) and the test
 * support (test/support/dynalite.ts) build the table from these constants, and src/state/dynamodb-store.ts writes
 * items that fit them, so this file must stay free of imports: the CDK app loads it without the AWS SDK.
 *
 * Items (all keys are strings; `expiresAt` is epoch SECONDS, DynamoDB's TTL format):
 *
 * | item          | pk                                       | sk                                 | gsi1pk / gsi1sk (sparse)                                      | expiresAt                |
 * |---------------|------------------------------------------|------------------------------------|---------------------------------------------------------------|--------------------------|
 * | ledger row    | `ledger#<encodeURIComponent(dest)>#<id>` | `ledger`                           | —                                                             | lastSeenAt + 90 days     |
 * | outbox state  | `outbox#<outbox id>`                     | `outbox`                           | `outbox#pending` / `<nextAttemptAt>#<createdAt>#<seq>#<id>`   | sent: sentAt + 7 days    |
 * |               |                                          |                                    | `outbox#sent` / `<sentAt>#<id>`, `outbox#failed` / `<failedAt>#<id>` | pending, failed: none    |
 * | outbox body   | `outbox#<outbox id>`                     | `body`                             | —                                                             | createdAt + 90 days      |
 * | decision      | `decision`                               | `<at>#<commit token>#<index>`      | —                                                             | at + 7 days              |
 * | mute rule     | `mute`                                   | `<rule id>`                        | —                                                             | rule expiry              |
 * | poll cursor   | `cursor`                                 | `<key>`                            | —                                                             | none                     |
 * | block row     | `block`                                  | `<target>|<cidr>`                  | —                                                             | ended: end + 7 days      |
 * | block history | `blockhist#<target>`                     | `<cidr>`                           | —                                                             | none (read-only: migrated) |
 * | WAF ownership | `blockown#<target>`                      | `<cidr>`, `#migrated`              | —                                                             | none                     |
 *
 * Times inside sort keys are epoch ms zero-padded to 16 digits so that string order is time order. An outbox row is
 * two items: the small state every transition rewrites, and the message body, compressed, written once
 * (dynamodb-outbox.ts). Expired items linger until TTL deletes them (within days): every read filters by time.
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/**
 * The one global secondary index: a sparse, KEYS_ONLY index over outbox rows by status, ordered by due time. It is
 * the only way to keep an outbox row ONE item (so every transition is a single conditional write, which dynalite
 * and DynamoDB both do atomically) while still finding due rows with a Query instead of a Scan. KEYS_ONLY because
 * GSI reads are eventually consistent anyway: the store re-reads each row with a consistent BatchGetItem, so the
 * index never has to carry the (large) message.
 */
export const OUTBOX_INDEX = {
  indexName: 'gsi1',
  partitionKey: 'gsi1pk',
  sortKey: 'gsi1sk',
  projection: 'KEYS_ONLY',
} as const;

/** Every index of the table, for code that builds the table (CDK stack, tests). */
export const TABLE_INDEXES = [OUTBOX_INDEX] as const;
