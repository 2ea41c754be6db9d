import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StoreConflictError } from './errors.js';
import { PK, SK, TTL, ttlSeconds, type Item, type TableAccess } from './dynamodb-access.js';
import { outboxItems, putOutboxRow, withdrawOutboxRow } from './dynamodb-outbox.js';
import type { DynamoDbDecisionLog } from './dynamodb-decisions.js';
import type { BlockRecord, DecisionCommit, EscalationRow, FindingSnapshot, LedgerEntry, LedgerStore, PageRecord } from './store.js';

/** Ledger writes that lose the version race re-read and merge this many times; then the batch fails retryably. */
const LEDGER_CONFLICT_RETRIES = 5;
/** Parallel single-item writes per commit: enough to hide latency, few enough not to self-throttle a new table. */
const WRITE_CONCURRENCY = 16;
/** Versions remembered from getLedger for the next commit; past this the cache is dropped (commit then re-reads). */
const VERSION_CACHE_MAX = 20_000;

function ledgerPk(destination: string, findingId: string): string {
  // Destination names are ours but may hold `#`; encoded, the first `#` after them always ends them.
  return `ledger#${encodeURIComponent(destination)}#${findingId}`;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Sensible merge of two views of one ledger row, used when another writer changed the row since we read it. Both
 * describe messages that were (or will be) sent, so the merge keeps the union: earliest first message, latest
 * message and sighting, the highest band notified (a rise above it is still an escalation), the thread already set.
 */
function mergeLedger(current: LedgerEntry, incoming: LedgerEntry): LedgerEntry {
  const newer = incoming.lastSeenAt >= current.lastSeenAt ? incoming : current;
  const merged: LedgerEntry = {
    destination: incoming.destination,
    findingId: incoming.findingId,
    firstNotifiedAt: Math.min(current.firstNotifiedAt, incoming.firstNotifiedAt),
    lastNotifiedAt: Math.max(current.lastNotifiedAt, incoming.lastNotifiedAt),
    lastBandRank: Math.max(current.lastBandRank, incoming.lastBandRank),
    lastSeverity: newer.lastSeverity,
    lastCount: Math.max(current.lastCount, incoming.lastCount),
    lastSeenAt: Math.max(current.lastSeenAt, incoming.lastSeenAt),
  };
  const threadTs = current.threadTs ?? incoming.threadTs;
  if (threadTs !== undefined) merged.threadTs = threadTs;
  return merged;
}

/**
 * Whether a ledger item is past its TTL. DynamoDB deletes expired items late ("typically within a few days",
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html) and reads return them until
 * then, so expiry is decided here, by the store's clock: an expired row is a finding we no longer remember.
 */
function isExpired(item: Item, nowMs: number): boolean {
  return typeof item[TTL] === 'number' && (item[TTL] as number) * 1000 <= nowMs;
}

function toLedgerEntry(item: Item, nowMs: number): LedgerEntry | undefined {
  // A row with only a thread (setThreadTs before commit wrote it) is not a ledger entry yet.
  if (typeof item.firstNotifiedAt !== 'number') return undefined;
  if (isExpired(item, nowMs)) return undefined;
  const entry: LedgerEntry = {
    destination: item.destination as string,
    findingId: item.findingId as string,
    firstNotifiedAt: item.firstNotifiedAt,
    lastNotifiedAt: item.lastNotifiedAt as number,
    lastBandRank: item.lastBandRank as number,
    lastSeverity: (item.lastSeverity as number | null | undefined) ?? null,
    lastCount: item.lastCount as number,
    lastSeenAt: item.lastSeenAt as number,
  };
  if (typeof item.threadTs === 'string') entry.threadTs = item.threadTs;
  return entry;
}

export interface DynamoDbLedger {
  ledger: LedgerStore;
  /** Forgets the versions read by getLedger (on close). */
  forgetVersions(): void;
}

/**
 * The ledger group of the DynamoDB store, and the commit that writes a batch: outbox rows first, then ledger rows,
 * then decision records (see createDynamoDbStore for why that order makes every crash point safe).
 */
export function createDynamoDbLedger(
  table: TableAccess,
  options: {
    ledgerDays: number;
    sentOutboxDays: number;
    bodyDays: number;
    decisions: DynamoDbDecisionLog;
    /** The blocks group's writer (dynamodb-blocks.ts), for commit's `blocks`. */
    blocks?: { writeRows(rows: readonly BlockRecord[]): Promise<unknown> };
    /** The snapshots group's writer (dynamodb-snapshots.ts), for commit's `snapshots`. */
    snapshots?: { writeRows(rows: readonly FindingSnapshot[]): Promise<unknown> };
    /** The on-call group's writer (dynamodb-on-call.ts), for commit's `escalations` and `pages`. */
    onCall?: { writeRows(escalations: readonly EscalationRow[] | undefined, pages: readonly PageRecord[] | undefined): Promise<void> };
  },
): DynamoDbLedger {
  const { tableName, doc, call, conditional } = table;
  const { ledgerDays, sentOutboxDays, bodyDays, decisions } = options;
  /**
   * ledger pk → what getLedger read: the item's version (0: no item) and whether it held a live entry (not a thread
   * placeholder, not expired), so commit can write conditionally without reading again.
   */
  const versions = new Map<string, { version: number; live: boolean; expired: boolean }>();

  /** Writes one ledger row; true when this batch believed the finding new but another writer created its row first. */
  async function writeLedger(entry: LedgerEntry): Promise<boolean> {
    const pk = ledgerPk(entry.destination, entry.findingId);
    const read = versions.get(pk);
    let expected = read?.version;
    const believedNew = read !== undefined && !read.live;
    /** Whether the item we overwrite holds no live entry: its leftovers (a thread of an expired row) must go. */
    let replacesDead = read?.expired === true;
    let toWrite = entry;
    for (let attempt = 0; attempt <= LEDGER_CONFLICT_RETRIES; attempt++) {
      if (expected === undefined) {
        // Not read by getLedger in this instance, or we lost a race: merge into what is there now.
        const current = await table.getItem(pk, 'ledger');
        expected = typeof current?.version === 'number' ? current.version : 0;
        const currentEntry = current && toLedgerEntry(current, table.now());
        toWrite = currentEntry ? mergeLedger(currentEntry, entry) : entry;
        replacesDead = current !== undefined && currentEntry === undefined && isExpired(current, table.now());
      }
      const names: Record<string, string> = {
        '#destination': 'destination',
        '#findingId': 'findingId',
        '#firstNotifiedAt': 'firstNotifiedAt',
        '#lastNotifiedAt': 'lastNotifiedAt',
        '#lastBandRank': 'lastBandRank',
        '#lastSeverity': 'lastSeverity',
        '#lastCount': 'lastCount',
        '#lastSeenAt': 'lastSeenAt',
        '#version': 'version',
        '#ttl': TTL,
      };
      const values: Item = {
        ':destination': toWrite.destination,
        ':findingId': toWrite.findingId,
        ':firstNotifiedAt': toWrite.firstNotifiedAt,
        ':lastNotifiedAt': toWrite.lastNotifiedAt,
        ':lastBandRank': toWrite.lastBandRank,
        ':lastSeverity': toWrite.lastSeverity,
        ':lastCount': toWrite.lastCount,
        ':lastSeenAt': toWrite.lastSeenAt,
        ':newVersion': expected + 1,
        ':ttl': ttlSeconds(Math.max(toWrite.lastSeenAt, toWrite.lastNotifiedAt), ledgerDays),
      };
      let set = Object.keys(names)
        .filter((n) => n !== '#ttl' && n !== '#version')
        .map((n) => `${n} = :${n.slice(1)}`)
        .concat('#version = :newVersion', '#ttl = :ttl')
        .join(', ');
      let remove = '';
      if (toWrite.threadTs !== undefined) {
        // The thread already set wins: the batch that computed `entry` may have read the row before it was set.
        names['#threadTs'] = 'threadTs';
        values[':threadTs'] = toWrite.threadTs;
        set += replacesDead ? ', #threadTs = :threadTs' : ', #threadTs = if_not_exists(#threadTs, :threadTs)';
      } else if (replacesDead) {
        // An expired row's thread is months old: the finding starts over, in a new thread.
        names['#threadTs'] = 'threadTs';
        remove = ' REMOVE #threadTs';
      }
      let condition: string;
      if (expected === 0) {
        condition = 'attribute_not_exists(#version)';
      } else {
        condition = '#version = :expectedVersion';
        values[':expectedVersion'] = expected;
      }
      const written = await conditional('UpdateItem (ledger)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: pk, [SK]: 'ledger' },
            UpdateExpression: `SET ${set}${remove}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      if (written) {
        versions.delete(pk);
        return believedNew && attempt > 0;
      }
      expected = undefined;
    }
    versions.delete(pk);
    throw new StoreConflictError(
      `Ledger row for finding ${entry.findingId} in destination ${entry.destination} changed ${LEDGER_CONFLICT_RETRIES + 1} ` +
        `times while we wrote it (table ${tableName}); its messages are queued, retry the batch.`,
      { destination: entry.destination, findingId: entry.findingId },
    );
  }

  const ledger: LedgerStore = {
    async getLedger(destination, findingIds) {
      const result = new Map<string, LedgerEntry>();
      const pks = findingIds.map((id) => ledgerPk(destination, id));
      const items = await table.batchGet(pks, 'ledger');
      if (versions.size + pks.length > VERSION_CACHE_MAX) versions.clear();
      const at = table.now();
      findingIds.forEach((findingId, i) => {
        const pk = pks[i] as string;
        const item = items.get(pk);
        const entry = item && toLedgerEntry(item, at);
        versions.set(pk, {
          version: typeof item?.version === 'number' ? item.version : 0,
          live: entry !== undefined,
          expired: item !== undefined && isExpired(item, at),
        });
        if (entry) result.set(findingId, entry);
      });
      return result;
    },

    async commit(batch: DecisionCommit) {
      // 1. Outbox rows first. Duplicates within the batch: the first wins, as in SQLite.
      const seen = new Set<string>();
      const outbox = batch.outbox.filter((row) => !seen.has(row.id) && (seen.add(row.id), true));
      const created = new Set<string>();
      await mapLimit(
        outbox.map((row, seq) => ({ row, seq })),
        WRITE_CONCURRENCY,
        async ({ row, seq }) => {
          // A failed condition is an earlier delivery of this very batch: its row (and progress) stays.
          if (await putOutboxRow(table, outboxItems(row, seq, { sentOutboxDays, bodyDays }))) created.add(row.id);
        },
      );

      // 1b. Block rows (respond/), after the messages that announce them and before the ledger: a crash in between is
      // redelivered, and the block then stands already (no second announcement, the first is queued).
      if (batch.blocks !== undefined && batch.blocks.length > 0) {
        if (!options.blocks) throw new Error('commit: this ledger was built without the blocks group');
        await options.blocks.writeRows(batch.blocks);
      }

      // 1c. Finding snapshots (Slack actions), after the outbox rows they name: a snapshot never points at a row that
      // is not stored. Replacing one is idempotent, so a redelivered batch writes the same again.
      if (batch.snapshots !== undefined && batch.snapshots.length > 0) {
        if (!options.snapshots) throw new Error('commit: this ledger was built without the snapshots group');
        await options.snapshots.writeRows(batch.snapshots);
      }

      // 1d. Escalation deadlines (each only if absent) and the PagerDuty alerts the triggers open, after the outbox rows
      // they are about and before the ledger: a crash in between is redelivered and writes the same rows again.
      if ((batch.escalations?.length ?? 0) + (batch.pages?.length ?? 0) > 0) {
        if (!options.onCall) throw new Error('commit: this ledger was built without the on-call group');
        await options.onCall.writeRows(batch.escalations, batch.pages);
      }

      // 2. Ledger rows, only once every outbox row is stored. Duplicates within the batch: the last wins.
      const ledger = new Map<string, LedgerEntry>();
      for (const entry of batch.ledger) ledger.set(ledgerPk(entry.destination, entry.findingId), entry);
      const lostNewRace: LedgerEntry[] = [];
      await mapLimit([...ledger.values()], WRITE_CONCURRENCY, async (entry) => {
        if (await writeLedger(entry)) lostNewRace.push(entry);
      });
      // Two invocations decided the same finding "new" at once (e.g. its GuardDuty and Security Hub events in two
      // batches). The other one's ledger row landed first, so its message stands; ours is withdrawn while nobody has
      // claimed it yet. (Claimed already: both go out, the rare case the README's "at most once more" covers.)
      for (const entry of lostNewRace) {
        for (const row of outbox) {
          if (row.kind !== 'new' || row.destination !== entry.destination || row.findingId !== entry.findingId) continue;
          // Only a row this commit created: the same id written by the other invocation is their message.
          if (!created.has(row.id)) continue;
          await withdrawOutboxRow(table, row.id);
        }
      }

      // 3. Decision records: history, no condition needed, so the cheap batch write.
      const records = decisions.itemsOf(batch.decisions);
      if (records.length > 0) await table.batchPut(records);
    },

    async setThreadTs(destination, findingId, threadTs) {
      // With no ledger row yet this creates a thread-only placeholder (getLedger ignores it; commit fills it in, keeping
      // the thread). Its TTL keeps an orphan from living forever; the version is untouched, so no commit is disturbed.
      await call('UpdateItem (thread)', () =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [PK]: ledgerPk(destination, findingId), [SK]: 'ledger' },
            UpdateExpression: 'SET #threadTs = :ts, #ttl = if_not_exists(#ttl, :ttl)',
            ExpressionAttributeNames: { '#threadTs': 'threadTs', '#ttl': TTL },
            ExpressionAttributeValues: { ':ts': threadTs, ':ttl': ttlSeconds(table.now(), ledgerDays) },
          }),
        ),
      );
    },
  };
  return { ledger, forgetVersions: () => versions.clear() };
}
