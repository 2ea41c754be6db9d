import type Database from 'better-sqlite3';
import { isStanding, mergeBlockRecord, sameBlockRecord, type BlockRecord } from '../respond/block-record.js';
import type { BlockStore } from './store.js';

/**
 * The blocks group of the SQLite store (sqlite-store.ts opens the file and runs the migration below). One row per
 * (target, cidr), the record as JSON beside the columns the queries need; rows are never deleted. `enforced` is sticky:
 * set once the row was ever `active`, it is the block history a WAF reconciler reads (`blockHistory`).
 */

/** Schema step 2 of sqlite-store.ts's MIGRATIONS. */
export const SQLITE_BLOCKS_MIGRATION = `
  CREATE TABLE blocks (
    target     TEXT NOT NULL,
    cidr       TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('active', 'dry-run', 'expired', 'removed')),
    since      INTEGER NOT NULL,
    until      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    enforced   INTEGER NOT NULL DEFAULT 0,
    record     TEXT NOT NULL,
    PRIMARY KEY (target, cidr)
  ) WITHOUT ROWID;
  -- The planner and the reconcilers read standing rows every batch: a partial index keeps that independent of history.
  CREATE INDEX blocks_standing ON blocks (target, since) WHERE state IN ('active', 'dry-run');
  CREATE INDEX blocks_since ON blocks (since);
`;

interface BlockRowDb {
  record: string;
}

export interface SqliteBlocks {
  group: BlockStore;
  /** Merges `rows` inside the caller's transaction (commit's). */
  writeInTransaction(rows: readonly BlockRecord[]): BlockRecord[];
}

/**
 * @example
 * const blocks = createSqliteBlocks(db, assertOpen);
 * db.transaction(() => blocks.writeInTransaction(batch.blocks ?? []))();
 */
export function createSqliteBlocks(db: Database.Database, assertOpen: () => void): SqliteBlocks {
  const stmt = {
    get: db.prepare<[string, string], BlockRowDb>('SELECT record FROM blocks WHERE target = ? AND cidr = ?'),
    upsert: db.prepare(`
      INSERT INTO blocks (target, cidr, state, since, until, updated_at, enforced, record)
      VALUES (@target, @cidr, @state, @since, @until, @updatedAt, @enforced, @record)
      ON CONFLICT (target, cidr) DO UPDATE SET
        state = excluded.state, since = excluded.since, until = excluded.until, updated_at = excluded.updated_at,
        enforced = MAX(blocks.enforced, excluded.enforced), record = excluded.record`),
    all: db.prepare<[], BlockRowDb>('SELECT record FROM blocks ORDER BY target, since, cidr'),
    ofTarget: db.prepare<[string], BlockRowDb>('SELECT record FROM blocks WHERE target = ? ORDER BY since, cidr'),
    standing: db.prepare<[], BlockRowDb>("SELECT record FROM blocks WHERE state IN ('active', 'dry-run') ORDER BY target, since, cidr"),
    standingOfTarget: db.prepare<[string], BlockRowDb>(
      "SELECT record FROM blocks WHERE state IN ('active', 'dry-run') AND target = ? ORDER BY since, cidr",
    ),
    history: db.prepare<[string], { cidr: string }>('SELECT cidr FROM blocks WHERE target = ? AND enforced = 1'),
    since: db.prepare<[number], { target: string; n: number }>('SELECT target, COUNT(*) AS n FROM blocks WHERE since >= ? GROUP BY target'),
  };
  const parse = (row: BlockRowDb): BlockRecord => JSON.parse(row.record) as BlockRecord;

  function writeInTransaction(rows: readonly BlockRecord[]): BlockRecord[] {
    const stored: BlockRecord[] = [];
    for (const incoming of rows) {
      const current = stmt.get.get(incoming.target, incoming.cidr);
      const before = current === undefined ? undefined : parse(current);
      const next = mergeBlockRecord(before, incoming);
      if (before === undefined || !sameBlockRecord(before, next)) {
        stmt.upsert.run({
          target: next.target,
          cidr: next.cidr,
          state: next.state,
          since: next.since,
          until: next.until,
          updatedAt: next.updatedAt,
          enforced: next.state === 'active' ? 1 : 0,
          record: JSON.stringify(next),
        });
      }
      stored.push(next);
    }
    return stored;
  }
  const putTx = db.transaction((rows: readonly BlockRecord[]) => writeInTransaction(rows));

  const group: BlockStore = {
    async listBlocks(filter = {}) {
      assertOpen();
      const rows =
        filter.target === undefined
          ? (filter.standing ? stmt.standing : stmt.all).all()
          : (filter.standing ? stmt.standingOfTarget : stmt.ofTarget).all(filter.target);
      return rows.map(parse).filter((r) => !filter.standing || isStanding(r));
    },
    async blockHistory(target) {
      assertOpen();
      return new Set(stmt.history.all(target).map((r) => r.cidr));
    },
    async newBlocksSince(since) {
      assertOpen();
      return new Map(stmt.since.all(since).map((r) => [r.target, r.n]));
    },
    async putBlocks(rows) {
      assertOpen();
      // .immediate(): the read-merge-write of each row must not interleave with another connection's (the daemon's).
      return putTx.immediate(rows);
    },
  };
  return { group, writeInTransaction };
}
