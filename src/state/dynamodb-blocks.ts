import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { backoffMs, PK, SK, TTL, ttlSeconds, type Item, type TableAccess } from './dynamodb-access.js';
import { sleep } from '../core/backoff.js';
import { isStanding, mergeBlockRecord, sameBlockRecord, type BlockRecord } from '../respond/block-record.js';
import type { BlockOwnership, OwnershipChange } from '../respond/block-ownership.js';
import { StoreError } from './errors.js';
import type { BlockStore } from './store.js';

/**
 * The blocks group of the DynamoDB store. Two kinds of items (dynamodb-table.ts):
 *
 * - a block row: partition `block`, sort key `<target>|<cidr>`, the record as JSON plus a `version`; a standing row has
 *   no TTL, an ended one (expired, removed) expires `endedDays` after it ended. One partition, read with a consistent
 *   Query: what the planner reads per batch is the blocks standing plus those ended in the last `endedDays`, bounded by
 *   `maxActive` and `maxNewPerHour` whatever the table has seen;
 * - an ownership record per WAF target and address (src/respond/block-ownership.ts): partition `blockown#<target>`,
 *   sort key `<cidr>`, no TTL, written with a condition on the record it replaces (`rec`, the record as JSON). The first
 *   read of a target's records migrates a table from before them: the addresses of its blocks in force that the old
 *   history items (`blockhist#<target>`, every address ever enforced) name start as `added`, so that their unblock
 *   still takes them out; ended ones start with no record (an operator's re-add stays). A marker item (sort key
 *   `#migrated`) says it is done.

 * Each write reads the row, merges (mergeBlockRecord) and writes conditionally on the version it read; a lost race
 * re-reads and merges again, bounded. Single-item conditional writes only, like the rest of the store.
 */

const BLOCK_PK = 'block';
/** Before ownership records: every address a target ever enforced (read once, by the migration). */
const HISTORY_PREFIX = 'blockhist#';
const OWNER_PREFIX = 'blockown#';
const MIGRATED_SK = '#migrated';
/** Lost version races retried this many times; then the write fails retryably (SQS redelivers, the sync retries). */
const BLOCK_CONFLICT_RETRIES = 5;
/** Parallel row writes per call: a batch holds few blocks; enough to hide latency. */
const WRITE_CONCURRENCY = 8;
export const DEFAULT_ENDED_BLOCK_DAYS = 7;

function rowSk(record: Pick<BlockRecord, 'target' | 'cidr'>): string {
  return `${record.target}|${record.cidr}`;
}

export interface DynamoDbBlocks {
  group: BlockStore;
  /** What commit calls for its `blocks`, between the outbox rows and the ledger rows. */
  writeRows(rows: readonly BlockRecord[]): Promise<BlockRecord[]>;
}

/**
 * @example
 * const blocks = createDynamoDbBlocks(table, { endedDays: 7 });
 * await blocks.writeRows(batch.blocks);
 */
export function createDynamoDbBlocks(table: TableAccess, options: { endedDays?: number } = {}): DynamoDbBlocks {
  const { tableName, doc, conditional } = table;
  const endedDays = options.endedDays ?? DEFAULT_ENDED_BLOCK_DAYS;

  const parse = (item: Item): BlockRecord => JSON.parse(item.record as string) as BlockRecord;
  /** TTL deletes late (within days): an ended row past its TTL is gone for us, whatever DynamoDB still returns. */
  const live = (item: Item): boolean => typeof item[TTL] !== 'number' || (item[TTL] as number) * 1000 > table.now();

  async function writeRow(incoming: BlockRecord): Promise<BlockRecord> {
    const sk = rowSk(incoming);
    for (let attempt = 0; attempt <= BLOCK_CONFLICT_RETRIES; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt));
      const current = await table.getItem(BLOCK_PK, sk);
      const stored = current !== undefined && live(current) ? parse(current) : undefined;
      const next = mergeBlockRecord(stored, incoming);
      if (stored !== undefined && sameBlockRecord(stored, next)) return stored;
      const version = typeof current?.version === 'number' ? current.version : 0;
      const item: Item = {
        [PK]: BLOCK_PK,
        [SK]: sk,
        record: JSON.stringify(next),
        target: next.target,
        state: next.state,
        since: next.since,
        until: next.until,
        version: version + 1,
        ...(isStanding(next) ? {} : { [TTL]: ttlSeconds(next.updatedAt, endedDays) }),
      };
      const written = await conditional('PutItem (block)', () =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: current === undefined ? 'attribute_not_exists(#pk)' : '#version = :version',
            ExpressionAttributeNames: current === undefined ? { '#pk': PK } : { '#version': 'version' },
            ...(current === undefined ? {} : { ExpressionAttributeValues: { ':version': version } }),
          }),
        ),
      );
      if (written) return next;
    }
    throw new StoreError(
      `Block ${incoming.cidr} in target ${incoming.target} changed ${BLOCK_CONFLICT_RETRIES + 1} times while we wrote it (table ${tableName}); try again.`,
      { retryable: true },
    );
  }

  async function writeRows(rows: readonly BlockRecord[]): Promise<BlockRecord[]> {
    // One write per key, in order: the later of two rows for one key merges into the earlier's result.
    const byKey = new Map<string, BlockRecord[]>();
    for (const row of rows) {
      const list = byKey.get(rowSk(row));
      if (list) list.push(row);
      else byKey.set(rowSk(row), [row]);
    }
    const stored = new Map<string, BlockRecord>();
    const keys = [...byKey.keys()];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(WRITE_CONCURRENCY, keys.length) }, async () => {
        while (next < keys.length) {
          const key = keys[next++] as string;
          for (const row of byKey.get(key) ?? []) stored.set(key, await writeRow(row));
        }
      }),
    );
    return rows.map((row) => stored.get(rowSk(row)) as BlockRecord);
  }

  async function queryRows(filter: { target?: string; standing?: boolean; since?: number }): Promise<BlockRecord[]> {
    const rows: BlockRecord[] = [];
    const names: Record<string, string> = { '#pk': PK };
    const values: Item = { ':p': BLOCK_PK };
    let key = '#pk = :p';
    if (filter.target !== undefined) {
      names['#sk'] = SK;
      values[':t'] = `${filter.target}|`;
      key += ' AND begins_with(#sk, :t)';
    }
    const conditions: string[] = [];
    if (filter.standing) {
      names['#state'] = 'state';
      values[':active'] = 'active';
      values[':dry'] = 'dry-run';
      conditions.push('#state IN (:active, :dry)');
    }
    if (filter.since !== undefined) {
      names['#since'] = 'since';
      values[':since'] = filter.since;
      conditions.push('#since >= :since');
    }
    const { complete } = await table.queryPages(
      () => ({
        KeyConditionExpression: key,
        ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ConsistentRead: true,
      }),
      (out) => {
        for (const item of out.Items ?? []) if (live(item)) rows.push(parse(item));
        return true;
      },
    );
    if (!complete) {
      // Never a partial answer: a planner that saw half the blocks would exceed the caps.
      throw new StoreError(`Block rows of table ${tableName} exceed what one read may walk; prune them (block prune).`, { retryable: false });
    }
    return rows;
  }

  const ownershipOf = (item: Item): BlockOwnership => JSON.parse(item.rec as string) as BlockOwnership;
  const recOf = (o: BlockOwnership): string =>
    JSON.stringify({ target: o.target, cidr: o.cidr, state: o.state, ...(o.token !== undefined ? { token: o.token } : {}), at: o.at });

  async function ownerItems(target: string): Promise<Item[]> {
    const items: Item[] = [];
    const { complete } = await table.queryPages(
      () => ({
        KeyConditionExpression: '#pk = :p',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':p': `${OWNER_PREFIX}${target}` },
        ConsistentRead: true,
      }),
      (out) => {
        items.push(...(out.Items ?? []));
        return true;
      },
    );
    if (!complete) throw new StoreError(`Ownership records of ${target} in table ${tableName} exceed what one read may walk.`, { retryable: false });
    return items;
  }

  async function changeOwnership(change: OwnershipChange): Promise<boolean> {
    const key = { [PK]: `${OWNER_PREFIX}${change.target}`, [SK]: change.cidr };
    const condition: { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item } =
      change.before === undefined
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
        : { ConditionExpression: '#rec = :rec', ExpressionAttributeNames: { '#rec': 'rec' }, ExpressionAttributeValues: { ':rec': recOf(change.before) } };
    if (change.after === undefined) {
      return conditional('DeleteItem (block ownership)', () => doc.send(new DeleteCommand({ TableName: tableName, Key: key, ...condition })));
    }
    const after: BlockOwnership = { ...change.after, target: change.target, cidr: change.cidr };
    return conditional('PutItem (block ownership)', () =>
      doc.send(new PutCommand({ TableName: tableName, Item: { ...key, rec: recOf(after), state: after.state, at: after.at }, ...condition })),
    );
  }

  /** Once per target: the blocks in force that the old history names start as ours (see the file comment). */
  async function migrateOwnership(target: string): Promise<void> {
    const history = new Set<string>();
    await table.queryPages(
      () => ({
        KeyConditionExpression: '#pk = :p',
        ProjectionExpression: '#sk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':p': `${HISTORY_PREFIX}${target}` },
        ConsistentRead: true,
      }),
      (out) => {
        for (const item of out.Items ?? []) history.add(item[SK] as string);
        return true;
      },
    );
    const now = table.now();
    const inForce = (await queryRows({ target, standing: true })).filter((r) => r.state === 'active' && history.has(r.cidr));
    // Conditional on absence: a reconciler that already recorded an address wins over the migration.
    await Promise.all(inForce.map((r) => changeOwnership({ target, cidr: r.cidr, after: { target, cidr: r.cidr, state: 'added', at: now } })));
    await doc.send(new PutCommand({ TableName: tableName, Item: { [PK]: `${OWNER_PREFIX}${target}`, [SK]: MIGRATED_SK, at: now } }));
  }

  const group: BlockStore = {
    async listBlocks(filter = {}) {
      const rows = await queryRows(filter);
      return rows.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : a.since - b.since || (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0)));
    },
    async listBlockOwnership(target) {
      let items = await ownerItems(target);
      if (!items.some((item) => item[SK] === MIGRATED_SK)) {
        await migrateOwnership(target);
        items = await ownerItems(target);
      }
      return items.filter((item) => item[SK] !== MIGRATED_SK).map(ownershipOf).sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0));
    },
    changeBlockOwnership: async (changes) => Promise.all(changes.map(changeOwnership)),
    async newBlocksSince(since) {
      const counts = new Map<string, number>();
      for (const row of await queryRows({ since })) counts.set(row.target, (counts.get(row.target) ?? 0) + 1);
      return counts;
    },
    putBlocks: writeRows,
  };
  return { group, writeRows };
}
