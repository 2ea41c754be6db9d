/**
 * The state table's layout comes from the DynamoDB store itself (src/state/dynamodb-table.ts, import-free), so the
 * stack builds exactly the table the function writes to: key names, TTL attribute, the outbox index.
 */
export { TABLE_KEYS, TABLE_INDEXES, OUTBOX_INDEX } from '../../src/state/dynamodb-table.js';
