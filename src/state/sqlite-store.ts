import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, StoreSchemaError } from './errors.js';
import { decisionBand, formatDecisionReason } from '../policy/decision-record.js';
import { composeStore } from './store.js';
import { createSqliteBlocks, SQLITE_BLOCK_OWNERS_MIGRATION, SQLITE_BLOCKS_MIGRATION } from './sqlite-blocks.js';
import { createSqliteInteract, SQLITE_INTERACT_MIGRATION } from './sqlite-interact.js';
import { createSqliteOnCall, SQLITE_ON_CALL_MIGRATION } from './sqlite-on-call.js';
import type {
  CursorStore,
  DecisionCommit,
  DecisionLog,
  LedgerEntry,
  LedgerStore,
  LoggedDecision,
  MuteRule,
  MuteStore,
  OutboxRow,
  OutboxStatus,
  OutboxStore,
  Store,
  OutboxDepth,
  StoreStats,
} from './store.js';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for tests (nothing survives `close`). Missing parent directories are created. */
  path: string;
  /** Clock for pruning; tests pass a fake one. */
  now?: () => number;
  /** Decision records kept for `status` and the demo page; older ones are pruned. Default 1000. */
  keepDecisions?: number;
  /** Sent outbox rows are kept this long (for `status`), then pruned. Default 7 days. */
  sentOutboxDays?: number;
}

/** Bumped with every schema change; `migrate` walks an older file up to it. Stored in SQLite's `user_version`. */
export const SQLITE_SCHEMA_VERSION = 6;

const DAY_MS = 86_400_000;
/** Pruning costs a couple of index range deletes; doing it every commit would be waste at 5,000 decisions/s. */
const PRUNE_EVERY_COMMITS = 100;
/**
 * How long a writer waits for another connection's lock (the CLI's `mute add` while the daemon commits) before
 * SQLITE_BUSY. Commits take milliseconds, so 5 s only ever expires when something is wrong.
 */
const BUSY_TIMEOUT_MS = 5_000;

const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      -- first_notified_at IS NULL marks a row that only knows its Slack thread so far (setThreadTs ran before the
      -- ledger row was committed); getLedger does not report such a row, commit fills it in and keeps the thread.
      CREATE TABLE ledger (
        destination       TEXT NOT NULL,
        finding_id        TEXT NOT NULL,
        first_notified_at INTEGER,
        last_notified_at  INTEGER,
        last_band_rank    INTEGER,
        last_severity     REAL,
        last_count        INTEGER,
        last_seen_at      INTEGER,
        thread_ts         TEXT,
        PRIMARY KEY (destination, finding_id)
      ) WITHOUT ROWID;

      -- seq is the commit order: the last tie-break of duePending, so rows of one batch go out in the order decided.
      CREATE TABLE outbox (
        seq             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        destination     TEXT NOT NULL,
        kind            TEXT NOT NULL,
        finding_id      TEXT,
        finding_ids     TEXT NOT NULL,
        message         TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        created_at      INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        sent_at         INTEGER,
        sent_ts         TEXT,
        failed_at       INTEGER,
        last_error      TEXT
      );
      -- Partial indexes: the drainer's query touches only pending rows however many sent rows the week kept.
      CREATE INDEX outbox_pending_due ON outbox (next_attempt_at, created_at, seq) WHERE status = 'pending';
      CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE status = 'sent';
      CREATE INDEX outbox_failed_at ON outbox (failed_at) WHERE status = 'failed';

      CREATE TABLE decisions (
        seq          INTEGER PRIMARY KEY,
        at           INTEGER NOT NULL,
        destination  TEXT NOT NULL,
        finding_id   TEXT NOT NULL,
        finding_type TEXT NOT NULL,
        title        TEXT NOT NULL,
        severity     REAL,
        outcome      TEXT NOT NULL,
        reason       TEXT NOT NULL
      );

      CREATE TABLE mutes (
        id         TEXT PRIMARY KEY,
        rule       TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX mutes_expires_at ON mutes (expires_at);

      CREATE TABLE cursors (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  // Blocks (respond/): sqlite-blocks.ts.
  { version: 2, sql: SQLITE_BLOCKS_MIGRATION },
  // Slack actions: audit log, finding snapshots, replay keys (sqlite-interact.ts).
  { version: 3, sql: SQLITE_INTERACT_MIGRATION },
  // On call: escalation deadlines, acknowledgements, PagerDuty alerts (sqlite-on-call.ts).
  { version: 4, sql: SQLITE_ON_CALL_MIGRATION },
  // WAF ownership: which addresses of an IP set are ours (sqlite-blocks.ts).
  { version: 5, sql: SQLITE_BLOCK_OWNERS_MIGRATION },
  // A decision's band, known without a number too (OCSF findings); older rows have NULL and show their number's band.
  { version: 6, sql: 'ALTER TABLE decisions ADD COLUMN band TEXT;' },
];

interface LedgerRowDb {
  destination: string;
  finding_id: string;
  first_notified_at: number | null;
  last_notified_at: number | null;
  last_band_rank: number | null;
  last_severity: number | null;
  last_count: number | null;
  last_seen_at: number | null;
  thread_ts: string | null;
}

interface OutboxRowDb {
  id: string;
  destination: string;
  kind: OutboxRow['kind'];
  finding_id: string | null;
  finding_ids: string;
  message: string;
  status: OutboxStatus;
  attempts: number;
  created_at: number;
  next_attempt_at: number;
  sent_at: number | null;
  sent_ts: string | null;
  last_error: string | null;
}

interface DecisionRowDb {
  at: number;
  destination: string;
  finding_id: string;
  finding_type: string;
  title: string;
  severity: number | null;
  band: string | null;
  outcome: LoggedDecision['outcome'];
  reason: string;
}

function toLedgerEntry(row: LedgerRowDb): LedgerEntry | undefined {
  if (row.first_notified_at === null) return undefined;
  const entry: LedgerEntry = {
    destination: row.destination,
    findingId: row.finding_id,
    firstNotifiedAt: row.first_notified_at,
    lastNotifiedAt: row.last_notified_at ?? row.first_notified_at,
    lastBandRank: row.last_band_rank ?? 0,
    lastSeverity: row.last_severity,
    lastCount: row.last_count ?? 0,
    lastSeenAt: row.last_seen_at ?? row.first_notified_at,
  };
  if (row.thread_ts !== null) entry.threadTs = row.thread_ts;
  return entry;
}

function toOutboxRow(row: OutboxRowDb): OutboxRow {
  const out: OutboxRow = {
    id: row.id,
    destination: row.destination,
    kind: row.kind,
    findingIds: JSON.parse(row.finding_ids) as string[],
    message: JSON.parse(row.message) as OutboxRow['message'],
    status: row.status,
    attempts: row.attempts,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
  };
  if (row.finding_id !== null) out.findingId = row.finding_id;
  if (row.sent_at !== null) out.sentAt = row.sent_at;
  if (row.sent_ts !== null) out.sentTs = row.sent_ts;
  if (row.last_error !== null) out.lastError = row.last_error;
  return out;
}

function toDecision(row: DecisionRowDb): LoggedDecision {
  return {
    at: row.at,
    destination: row.destination,
    findingId: row.finding_id,
    findingType: row.finding_type,
    title: row.title,
    severity: row.severity,
    band: decisionBand({ severity: row.severity, band: row.band as LoggedDecision['band'] }),
    outcome: row.outcome,
    reason: row.reason,
  };
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new StoreSchemaError(
      `State file ${path} has schema version ${current}, newer than this notifier understands (${SQLITE_SCHEMA_VERSION}); ` +
        'upgrade guardduty-notifier or point state.sqlite at another file.',
    );
  }
  const pending = MIGRATIONS.filter((m) => m.version > current);
  if (pending.length === 0) return;
  // One transaction for all steps: a crash mid-migration leaves the old version, which migrates again next start.
  db.transaction(() => {
    for (const step of pending) {
      db.exec(step.sql);
      db.pragma(`user_version = ${step.version}`);
    }
  }).immediate();
}

/**
 * The embedded store of the daemon and the CLI: one SQLite file, WAL journal, one transaction per commit.
 *
 * Durability: WAL with `synchronous=NORMAL`. A committed transaction survives the process being killed (it is in the
 * WAL before `commit` returns); only an OS crash or power loss can roll back the last few transactions, never corrupt
 * the file. Because the WAL is sequential, what is lost is always a suffix, and the poll cursor is written after the
 * commit it covers: so the daemon re-polls and decides those findings again, and a lost `markSent` only repeats a
 * message. That is the same promise as `synchronous=FULL` (nothing decided is lost) without an fsync per commit.
 *
 * better-sqlite3 is synchronous; the methods are async only to fit `Store`. Exclusivity between daemons is the
 * daemon's lock file, not this module; a second connection (the CLI adding a mute) just waits on `busy_timeout`.
 *
 * @example
 * const store = createSqliteStore({ path: './guardduty-notifier.db' });
 * await store.commit({ ledger, outbox, decisions });
 * const due = await store.duePending(Date.now(), 20);
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const { path } = options;
  const now = options.now ?? Date.now;
  const keepDecisions = Math.max(1, options.keepDecisions ?? 1000);
  const sentRetentionMs = (options.sentOutboxDays ?? 7) * DAY_MS;

  const inMemory = path === ':memory:' || path === '';
  if (!inMemory) mkdirSync(dirname(path), { recursive: true });

  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (cause) {
    throw new StoreError(`Could not open state file ${path}: check the path and its permissions.`, { retryable: false, cause });
  }
  try {
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    migrate(db, path);
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`Could not prepare state file ${path}: ${(error as Error).message}`, { retryable: false, cause: error });
  }

  const stmt = {
    getLedger: db.prepare<[string, string], LedgerRowDb>('SELECT * FROM ledger WHERE destination = ? AND finding_id = ?'),
    // The thread a message opened is kept whatever the later upsert carries: the batch that computed `entry` may
    // have read the ledger before the thread was set.
    upsertLedger: db.prepare(`
      INSERT INTO ledger (destination, finding_id, first_notified_at, last_notified_at, last_band_rank, last_severity,
                          last_count, last_seen_at, thread_ts)
      VALUES (@destination, @findingId, @firstNotifiedAt, @lastNotifiedAt, @lastBandRank, @lastSeverity,
              @lastCount, @lastSeenAt, @threadTs)
      ON CONFLICT (destination, finding_id) DO UPDATE SET
        first_notified_at = excluded.first_notified_at,
        last_notified_at  = excluded.last_notified_at,
        last_band_rank    = excluded.last_band_rank,
        last_severity     = excluded.last_severity,
        last_count        = excluded.last_count,
        last_seen_at      = excluded.last_seen_at,
        thread_ts         = COALESCE(ledger.thread_ts, excluded.thread_ts)`),
    setThreadTs: db.prepare(`
      INSERT INTO ledger (destination, finding_id, thread_ts) VALUES (?, ?, ?)
      ON CONFLICT (destination, finding_id) DO UPDATE SET thread_ts = excluded.thread_ts`),
    // A redelivered batch re-creates the same ids: the first row wins, its progress (attempts, sent) is kept.
    insertOutbox: db.prepare(`
      INSERT INTO outbox (id, destination, kind, finding_id, finding_ids, message, status, attempts, created_at,
                          next_attempt_at, sent_at, last_error)
      VALUES (@id, @destination, @kind, @findingId, @findingIds, @message, @status, @attempts, @createdAt,
              @nextAttemptAt, @sentAt, @lastError)
      ON CONFLICT (id) DO NOTHING`),
    insertDecision: db.prepare(`
      INSERT INTO decisions (at, destination, finding_id, finding_type, title, severity, band, outcome, reason)
      VALUES (@at, @destination, @findingId, @findingType, @title, @severity, @band, @outcome, @reason)`),
    duePending: db.prepare<[number, number], OutboxRowDb>(`
      SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?
      ORDER BY next_attempt_at, created_at, seq LIMIT ?`),
    // markSent twice (the drainer repeating its bookkeeping) counts one attempt; a late success beats `failed`.
    markSent: db.prepare(`
      UPDATE outbox SET status = 'sent', sent_at = ?, sent_ts = ?, failed_at = NULL, attempts = attempts + 1
      WHERE id = ? AND status <> 'sent'`),
    // Only pending rows move: a row another drainer already sent or gave up on stays as it is.
    markRetry: db.prepare(`
      UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
      WHERE id = ? AND status = 'pending'`),
    // One sender per state file (run, backfill and replay take the file's lock), so a claim only checks the row is
    // still pending. No lease is kept: after a kill -9 the restarted process must resume at once, not wait one out.
    claim: db.prepare(`SELECT 1 AS ok FROM outbox WHERE id = ? AND status = 'pending'`),
    markFailed: db.prepare(`
      UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, failed_at = ?
      WHERE id = ? AND status = 'pending'`),
    // Due at once, before rows retried for later; failed_at goes with the failed status (the failed index).
    requeueFailed: db.prepare(`
      UPDATE outbox SET status = 'pending', next_attempt_at = ?, failed_at = NULL
      WHERE id = ? AND status = 'failed'`),
    getOutboxRow: db.prepare<[string], OutboxRowDb>('SELECT * FROM outbox WHERE id = ?'),
    listPending: db.prepare<[number], OutboxRowDb>(`
      SELECT * FROM outbox WHERE status = 'pending' ORDER BY next_attempt_at, created_at, seq LIMIT ?`),
    listFailed: db.prepare<[number], OutboxRowDb>(`
      SELECT * FROM outbox WHERE status = 'failed' ORDER BY failed_at DESC, seq DESC LIMIT ?`),
    listSent: db.prepare<[number], OutboxRowDb>(`
      SELECT * FROM outbox WHERE status = 'sent' ORDER BY sent_at DESC, seq DESC LIMIT ?`),
    countPending: db.prepare<[], { n: number; oldest: number | null }>(
      "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE status = 'pending'",
    ),
    countFailed: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status = 'failed'"),
    // Bounded like DynamoDB's outboxDepth: the first `limit` pending rows in due order (the partial index), and as many failed.
    depthPending: db.prepare<[number], { n: number; oldest: number | null }>(`
      SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM (
        SELECT created_at FROM outbox WHERE status = 'pending' ORDER BY next_attempt_at, created_at, seq LIMIT ?)`),
    depthFailed: db.prepare<[number], { n: number }>(`
      SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox WHERE status = 'failed' ORDER BY failed_at LIMIT ?)`),
    countSent: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE status = 'sent'"),
    recentDecisions: db.prepare<[number], DecisionRowDb>('SELECT * FROM decisions ORDER BY seq DESC LIMIT ?'),
    // Everything below the keepDecisions-th newest: one short walk down the rowid index.
    pruneDecisions: db.prepare(`
      DELETE FROM decisions WHERE seq < (SELECT seq FROM decisions ORDER BY seq DESC LIMIT 1 OFFSET ?)`),
    pruneSent: db.prepare("DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?"),
    addMute: db.prepare(`
      INSERT INTO mutes (id, rule, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, expires_at = excluded.expires_at`),
    listMutes: db.prepare<[number], { rule: string }>('SELECT rule FROM mutes WHERE expires_at > ? ORDER BY id'),
    removeMute: db.prepare('DELETE FROM mutes WHERE id = ?'),
    getCursor: db.prepare<[string], { value: number }>('SELECT value FROM cursors WHERE key = ?'),
    setCursor: db.prepare(`
      INSERT INTO cursors (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
  };

  function prune(): void {
    stmt.pruneDecisions.run(keepDecisions - 1);
    stmt.pruneSent.run(now() - sentRetentionMs);
    interact.prune(now());
    onCall.prune(now());
  }

  const blocks = createSqliteBlocks(db, () => assertOpen());
  const interact = createSqliteInteract(db, () => assertOpen(), now);
  const onCall = createSqliteOnCall(db, () => assertOpen());
  let commitsSincePrune = 0;
  const commitTx = db.transaction((batch: DecisionCommit) => {
    for (const row of batch.outbox) {
      stmt.insertOutbox.run({
        id: row.id,
        destination: row.destination,
        kind: row.kind,
        findingId: row.findingId ?? null,
        findingIds: JSON.stringify(row.findingIds),
        message: JSON.stringify(row.message),
        status: row.status,
        attempts: row.attempts,
        createdAt: row.createdAt,
        nextAttemptAt: row.nextAttemptAt,
        sentAt: row.sentAt ?? null,
        lastError: row.lastError ?? null,
      });
    }
    for (const entry of batch.ledger) {
      stmt.upsertLedger.run({
        destination: entry.destination,
        findingId: entry.findingId,
        firstNotifiedAt: entry.firstNotifiedAt,
        lastNotifiedAt: entry.lastNotifiedAt,
        lastBandRank: entry.lastBandRank,
        lastSeverity: entry.lastSeverity,
        lastCount: entry.lastCount,
        lastSeenAt: entry.lastSeenAt,
        threadTs: entry.threadTs ?? null,
      });
    }
    for (const d of batch.decisions) {
      stmt.insertDecision.run({
        at: d.at,
        destination: d.destination,
        findingId: d.findingId,
        findingType: d.findingType,
        title: d.title,
        severity: d.severity,
        band: decisionBand(d),
        outcome: d.outcome,
        reason: formatDecisionReason(d.reason),
      });
    }
    if (batch.blocks !== undefined && batch.blocks.length > 0) blocks.writeInTransaction(batch.blocks);
    if (batch.snapshots !== undefined && batch.snapshots.length > 0) interact.writeSnapshotsInTransaction(batch.snapshots);
    onCall.writeInTransaction(batch.escalations, batch.pages);
    commitsSincePrune += 1;
    if (commitsSincePrune >= PRUNE_EVERY_COMMITS) {
      prune();
      commitsSincePrune = 0;
    }
  });

  const requeueTx = db.transaction((ids: readonly string[], at: number): string[] =>
    ids.filter((id) => stmt.requeueFailed.run(at, id).changes > 0),
  );

  // A long-stopped daemon starts with last week's sent rows already gone.
  db.transaction(prune)();

  let closed = false;
  function assertOpen(): void {
    if (closed) throw new StoreError(`State file ${path} is closed.`, { retryable: false });
  }

  const ledger: LedgerStore = {
    async getLedger(destination, findingIds) {
      assertOpen();
      const result = new Map<string, LedgerEntry>();
      for (const findingId of findingIds) {
        const row = stmt.getLedger.get(destination, findingId);
        const entry = row && toLedgerEntry(row);
        if (entry) result.set(findingId, entry);
      }
      return result;
    },

    async commit(batch) {
      assertOpen();
      // .immediate(): take the write lock up front, so a concurrent writer makes us wait (busy_timeout) instead of
      // failing with SQLITE_BUSY half-way when a deferred read transaction tries to upgrade.
      commitTx.immediate(batch);
    },

    async setThreadTs(destination, findingId, threadTs) {
      assertOpen();
      stmt.setThreadTs.run(destination, findingId, threadTs);
    },
  };

  const outbox: OutboxStore = {
    async duePending(at, limit) {
      assertOpen();
      return stmt.duePending.all(at, Math.max(0, limit)).map(toOutboxRow);
    },

    async claim(id, at, until) {
      assertOpen();
      void at;
      void until;
      return stmt.claim.get(id) !== undefined;
    },

    async release(id, until) {
      // One sender by construction (the state file's lock): a claim holds nothing to end.
      assertOpen();
      void id;
      void until;
    },

    async markSent(id, at, threadTs) {
      assertOpen();
      stmt.markSent.run(at, threadTs ?? null, id);
    },

    async markRetry(id, error, nextAttemptAt) {
      assertOpen();
      stmt.markRetry.run(error, nextAttemptAt, id);
    },

    async markFailed(id, error, at) {
      assertOpen();
      stmt.markFailed.run(error, at, id);
    },

    async requeueFailed(ids, at) {
      assertOpen();
      return requeueTx.immediate(ids, at);
    },

    async getOutboxRows(ids) {
      assertOpen();
      return ids.map((id) => stmt.getOutboxRow.get(id)).filter((row): row is OutboxRowDb => row !== undefined).map(toOutboxRow);
    },

    async listOutbox(filter) {
      assertOpen();
      const limit = Math.max(0, filter.limit);
      switch (filter.status) {
        case 'pending':
          return stmt.listPending.all(limit).map(toOutboxRow);
        case 'failed':
          return stmt.listFailed.all(limit).map(toOutboxRow);
        case 'sent':
          return stmt.listSent.all(limit).map(toOutboxRow);
        default: {
          // What needs attention first: what is still to go, then what gave up, then what went.
          const rows: OutboxRowDb[] = stmt.listPending.all(limit);
          if (rows.length < limit) rows.push(...stmt.listFailed.all(limit - rows.length));
          if (rows.length < limit) rows.push(...stmt.listSent.all(limit - rows.length));
          return rows.map(toOutboxRow);
        }
      }
    },

    async stats(): Promise<StoreStats> {
      assertOpen();
      const pending = stmt.countPending.get();
      const result: StoreStats = {
        pending: pending?.n ?? 0,
        failed: stmt.countFailed.get()?.n ?? 0,
        sent: stmt.countSent.get()?.n ?? 0,
      };
      if (pending?.oldest != null) result.oldestPendingAt = pending.oldest;
      return result;
    },

    async outboxDepth(limit): Promise<OutboxDepth> {
      assertOpen();
      const bound = Math.max(1, Math.trunc(limit));
      const pending = stmt.depthPending.get(bound);
      const failed = stmt.depthFailed.get(bound)?.n ?? 0;
      const depth: OutboxDepth = { pending: pending?.n ?? 0, failed };
      if (pending?.oldest != null) depth.oldestPendingAt = pending.oldest;
      const capped = [...(depth.pending >= bound ? ['pending' as const] : []), ...(failed >= bound ? ['failed' as const] : [])];
      if (capped.length > 0) depth.capped = capped;
      return depth;
    },
  };

  const decisions: DecisionLog = {
    async recentDecisions(limit) {
      assertOpen();
      return stmt.recentDecisions.all(Math.max(0, limit)).map(toDecision);
    },
  };

  const mutes: MuteStore = {
    async addMute(rule: MuteRule) {
      assertOpen();
      stmt.addMute.run(rule.id, JSON.stringify(rule), rule.expiresAt);
    },

    async listMutes(at) {
      assertOpen();
      return stmt.listMutes.all(at).map((row) => JSON.parse(row.rule) as MuteRule);
    },

    async removeMute(id) {
      assertOpen();
      return stmt.removeMute.run(id).changes > 0;
    },
  };

  const cursors: CursorStore = {
    async getCursor(key) {
      assertOpen();
      return stmt.getCursor.get(key)?.value;
    },

    async setCursor(key, value) {
      assertOpen();
      stmt.setCursor.run(key, value);
    },
  };

  const groups = {
    ledger,
    outbox,
    decisions,
    mutes,
    cursors,
    blocks: blocks.group,
    audit: interact.audit,
    snapshots: interact.snapshots,
    replay: interact.replay,
    onCall: onCall.group,
  };
  return composeStore(groups, async () => {
    if (closed) return;
    closed = true;
    db.close();
  });
}
