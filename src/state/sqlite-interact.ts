import type Database from 'better-sqlite3';
import type { SlackMessage } from '../core/message.js';
import type { AuditLog, AuditRecord } from '../interact/audit-record.js';
import { slackOf, type RenderedMessage } from '../core/message.js';
import { INTERACT_RETENTION_MS, type FindingSnapshot, type ReplayStore, type SnapshotStore, type StoredSnapshot } from './store.js';

/**
 * The Slack-action groups of the SQLite store (sqlite-store.ts opens the file and runs the migration below):
 *
 * - `audit`: one row per record id (a redelivered job writes the same id: replaced, never doubled), the record as
 *   JSON beside its time; kept 90 days;
 * - `finding_snapshots`: one row per (destination, finding), replaced by each commit that notifies the finding; the
 *   message saved after a click sits beside it with the outbox row it was made from, so that a newer message (a new
 *   outbox row) is never confused with the updated copy of an older one; kept 90 days after the last notice;
 * - `replay_keys`: request signatures until their window ends; expired keys are deleted as new ones arrive.
 */

/** Schema step 3 of sqlite-store.ts's MIGRATIONS. */
export const SQLITE_INTERACT_MIGRATION = `
  CREATE TABLE audit (
    id     TEXT PRIMARY KEY,
    at     INTEGER NOT NULL,
    record TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX audit_at ON audit (at);

  CREATE TABLE finding_snapshots (
    destination       TEXT NOT NULL,
    finding_id        TEXT NOT NULL,
    at                INTEGER NOT NULL,
    outbox_id         TEXT,
    snapshot          TEXT NOT NULL,
    saved_message     TEXT,
    saved_outbox_id   TEXT,
    PRIMARY KEY (destination, finding_id)
  ) WITHOUT ROWID;
  CREATE INDEX finding_snapshots_at ON finding_snapshots (at);

  CREATE TABLE replay_keys (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX replay_keys_expires_at ON replay_keys (expires_at);
`;

interface SnapshotRowDb {
  snapshot: string;
  outbox_id: string | null;
  saved_message: string | null;
  saved_outbox_id: string | null;
  sent_ts: string | null;
  message: string | null;
}

export interface SqliteInteract {
  audit: AuditLog;
  snapshots: SnapshotStore;
  replay: ReplayStore;
  /** Replaces snapshots inside the caller's transaction (commit's). */
  writeSnapshotsInTransaction(rows: readonly FindingSnapshot[]): void;
  /** Deletes audit records and snapshots past their retention, and expired replay keys (sqlite-store.ts's prune). */
  prune(now: number): void;
}

/**
 * @example
 * const interact = createSqliteInteract(db, assertOpen, now);
 * db.transaction(() => interact.writeSnapshotsInTransaction(batch.snapshots ?? []))();
 */
export function createSqliteInteract(db: Database.Database, assertOpen: () => void, now: () => number): SqliteInteract {
  const stmt = {
    putAudit: db.prepare(`
      INSERT INTO audit (id, at, record) VALUES (?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET at = excluded.at, record = excluded.record`),
    listAudit: db.prepare<[number, number], { record: string }>('SELECT record FROM audit WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?'),
    // A saved message stays with its row: whether it still applies is decided on reading (saved_outbox_id = outbox_id).
    putSnapshot: db.prepare(`
      INSERT INTO finding_snapshots (destination, finding_id, at, outbox_id, snapshot) VALUES (@destination, @findingId, @at, @outboxId, @snapshot)
      ON CONFLICT (destination, finding_id) DO UPDATE SET at = excluded.at, outbox_id = excluded.outbox_id, snapshot = excluded.snapshot`),
    // The outbox row (and its Slack ts) while it is kept: sent rows are pruned after 7 days, the snapshot lives on.
    getSnapshot: db.prepare<[string, string, number], SnapshotRowDb>(`
      SELECT s.snapshot, s.outbox_id, s.saved_message, s.saved_outbox_id, o.sent_ts, o.message
      FROM finding_snapshots s LEFT JOIN outbox o ON o.id = s.outbox_id
      WHERE s.destination = ? AND s.finding_id = ? AND s.at > ?`),
    saveMessage: db.prepare(`
      UPDATE finding_snapshots SET saved_message = ?, saved_outbox_id = outbox_id WHERE destination = ? AND finding_id = ?`),
    deleteExpiredKeys: db.prepare('DELETE FROM replay_keys WHERE expires_at <= ?'),
    // Inserted, or taken over from an expired record; a live one is left alone and `changes` is 0.
    claimKey: db.prepare(`
      INSERT INTO replay_keys (key, expires_at) VALUES (@key, @expiresAt)
      ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_keys.expires_at <= @now`),
    pruneAudit: db.prepare('DELETE FROM audit WHERE at < ?'),
    pruneSnapshots: db.prepare('DELETE FROM finding_snapshots WHERE at <= ?'),
  };

  function writeSnapshotsInTransaction(rows: readonly FindingSnapshot[]): void {
    for (const row of rows) {
      stmt.putSnapshot.run({ destination: row.destination, findingId: row.findingId, at: row.at, outboxId: row.outboxId ?? null, snapshot: JSON.stringify(row) });
    }
  }

  const audit: AuditLog = {
    async appendAudit(record: AuditRecord) {
      assertOpen();
      stmt.putAudit.run(record.id, record.at, JSON.stringify(record));
    },
    async listAudit({ since, limit = 1000 }) {
      assertOpen();
      const cutoff = Math.max(since, now() - INTERACT_RETENTION_MS);
      return stmt.listAudit.all(cutoff, Math.max(0, limit)).map((row) => JSON.parse(row.record) as AuditRecord);
    },
  };

  const snapshots: SnapshotStore = {
    async getSnapshot(destination, findingId) {
      assertOpen();
      const row = stmt.getSnapshot.get(destination, findingId, now() - INTERACT_RETENTION_MS);
      if (row === undefined) return undefined;
      const stored = JSON.parse(row.snapshot) as StoredSnapshot;
      if (row.sent_ts !== null) stored.sentTs = row.sent_ts;
      const saved = row.saved_message !== null && row.saved_outbox_id === row.outbox_id ? (JSON.parse(row.saved_message) as SlackMessage) : undefined;
      const message = saved ?? (row.message === null ? undefined : slackOf(JSON.parse(row.message) as RenderedMessage));
      if (message !== undefined) stored.message = message;
      return stored;
    },
    async saveSnapshotMessage(destination, findingId, message) {
      assertOpen();
      stmt.saveMessage.run(JSON.stringify(message), destination, findingId);
    },
  };

  const claimTx = db.transaction((key: string, expiresAt: number, at: number): boolean => {
    stmt.deleteExpiredKeys.run(at);
    return stmt.claimKey.run({ key, expiresAt, now: at }).changes > 0;
  });
  const replay: ReplayStore = {
    async claimOnce(key, expiresAt, at) {
      assertOpen();
      // .immediate(): two processes on one file (a daemon and a CLI) must not both see the key as free.
      return claimTx.immediate(key, expiresAt, at);
    },
  };

  return {
    audit,
    snapshots,
    replay,
    writeSnapshotsInTransaction,
    prune(at) {
      stmt.pruneAudit.run(at - INTERACT_RETENTION_MS);
      stmt.pruneSnapshots.run(at - INTERACT_RETENTION_MS);
      stmt.deleteExpiredKeys.run(at);
    },
  };
}
