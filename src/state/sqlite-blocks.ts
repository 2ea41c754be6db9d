import type Database from 'better-sqlite3';
import { isStanding, mergeBlockRecord, sameBlockRecord, type BlockRecord } from '../respond/block-record.js';
import { sameOwnership, type BlockOwnership, type OwnershipChange } from '../respond/block-ownership.js';
import type { BlockStore } from './store.js';

/**
 * The blocks group of the SQLite store (sqlite-store.ts opens the file and runs the migration below). One row per
 * (target, cidr), the record as JSON beside the columns the queries need; rows are never deleted. `enforced` is sticky:
 * set once the row was ever `active` (what the WAF reconciler read as "ours" before schema 5).
 * `block_owners`: per WAF target and address, whether it is ours in the IP set (src/respond/block-ownership.ts).
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

/**
 * Schema step 5: ownership records. The addresses of blocks in force when the file is migrated were written by us under
 * the old rule ("ours" = ever enforced): they start as `added`, so that their unblock still takes them out. Ended blocks
 * start with no record: their addresses are nobody's of ours any more (an operator's re-add stays).
 */
export const SQLITE_BLOCK_OWNERS_MIGRATION = `
  CREATE TABLE block_owners (
    target TEXT NOT NULL,
    cidr   TEXT NOT NULL,
    state  TEXT NOT NULL CHECK (state IN ('added', 'found', 'pending')),
    token  TEXT,
    at     INTEGER NOT NULL,
    PRIMARY KEY (target, cidr)
  ) WITHOUT ROWID;
  INSERT INTO block_owners (target, cidr, state, token, at)
    SELECT target, cidr, 'added', NULL, updated_at FROM blocks WHERE state = 'active' AND enforced = 1;
`;

interface BlockRowDb {
  record: string;
}

interface OwnerRowDb {
  target: string;
  cidr: string;
  state: BlockOwnership['state'];
  token: string | null;
  at: number;
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
    since: db.prepare<[number], { target: string; n: number }>('SELECT target, COUNT(*) AS n FROM blocks WHERE since >= ? GROUP BY target'),
    owners: db.prepare<[string], OwnerRowDb>('SELECT target, cidr, state, token, at FROM block_owners WHERE target = ? ORDER BY cidr'),
    owner: db.prepare<[string, string], OwnerRowDb>('SELECT target, cidr, state, token, at FROM block_owners WHERE target = ? AND cidr = ?'),
    putOwner: db.prepare('INSERT OR REPLACE INTO block_owners (target, cidr, state, token, at) VALUES (@target, @cidr, @state, @token, @at)'),
    deleteOwner: db.prepare<[string, string]>('DELETE FROM block_owners WHERE target = ? AND cidr = ?'),
  };
  const owner = (row: OwnerRowDb): BlockOwnership => ({
    target: row.target,
    cidr: row.cidr,
    state: row.state,
    ...(row.token !== null ? { token: row.token } : {}),
    at: row.at,
  });
  const changeOwnersTx = db.transaction((changes: readonly OwnershipChange[]) =>
    changes.map((c) => {
      const stored = stmt.owner.get(c.target, c.cidr);
      if (!sameOwnership(stored === undefined ? undefined : owner(stored), c.before)) return false;
      if (c.after === undefined) stmt.deleteOwner.run(c.target, c.cidr);
      else stmt.putOwner.run({ target: c.target, cidr: c.cidr, state: c.after.state, token: c.after.token ?? null, at: c.after.at });
      return true;
    }),
  );
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
    async listBlockOwnership(target) {
      assertOpen();
      return stmt.owners.all(target).map(owner);
    },
    async changeBlockOwnership(changes) {
      assertOpen();
      return changeOwnersTx.immediate(changes);
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
