import type Database from 'better-sqlite3';
import { INTERACT_RETENTION_MS, type Acknowledgement, type EscalationRow, type OnCallStore, type PageRecord } from './store.js';

/**
 * The on-call group of the SQLite store (sqlite-store.ts opens the file and runs the migration below):
 * - `escalations`: one row per (route, subject), put only if absent by the commit that queues the message; `due_at`
 *   is indexed for the tick's "what is due" read; each step replaces the row only while its step and state are the
 *   ones the escalator read (a second writer changes nothing); kept 90 days, as the audit log;
 * - `acknowledgements`: one per finding, the first one wins; 90 days;
 * - `pages`: the PagerDuty alerts we opened, per (reference, destination); 90 days.
 */

/** Schema step 4 of sqlite-store.ts's MIGRATIONS. */
export const SQLITE_ON_CALL_MIGRATION = `
  CREATE TABLE escalations (
    id          TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER,
    state       TEXT NOT NULL,
    step        INTEGER NOT NULL,
    row         TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX escalations_due ON escalations (due_at) WHERE state = 'waiting' AND due_at IS NOT NULL;
  CREATE INDEX escalations_created ON escalations (created_at);

  CREATE TABLE acknowledgements (
    finding_id  TEXT PRIMARY KEY,
    at          INTEGER NOT NULL,
    ack         TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX acknowledgements_at ON acknowledgements (at);

  CREATE TABLE pages (
    ref          TEXT NOT NULL,
    destination  TEXT NOT NULL,
    at           INTEGER NOT NULL,
    page         TEXT NOT NULL,
    PRIMARY KEY (ref, destination)
  ) WITHOUT ROWID;
  CREATE INDEX pages_at ON pages (at);
`;

export interface SqliteOnCall {
  group: OnCallStore;
  /** Inside sqlite-store.ts's commit transaction. */
  writeInTransaction(escalations: readonly EscalationRow[] | undefined, pages: readonly PageRecord[] | undefined): void;
  /** Deletes what is past its retention (sqlite-store.ts's prune). */
  prune(now: number): void;
}

export function createSqliteOnCall(db: Database.Database, assertOpen: () => void): SqliteOnCall {
  const stmt = {
    insertEscalation: db.prepare(`
      INSERT INTO escalations (id, created_at, due_at, state, step, row) VALUES (@id, @createdAt, @dueAt, @state, @step, @row)
      ON CONFLICT (id) DO NOTHING`),
    getEscalation: db.prepare<[string], { row: string }>('SELECT row FROM escalations WHERE id = ?'),
    dueEscalations: db.prepare<[number, number], { row: string }>(
      "SELECT row FROM escalations WHERE state = 'waiting' AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?",
    ),
    updateEscalation: db.prepare(`
      UPDATE escalations SET due_at = @dueAt, state = @state, step = @step, row = @row
      WHERE id = @id AND step = @fromStep AND state = @fromState`),
    listEscalations: db.prepare<[number, number], { row: string }>('SELECT row FROM escalations WHERE created_at >= ? ORDER BY created_at DESC, id LIMIT ?'),
    insertAck: db.prepare('INSERT INTO acknowledgements (finding_id, at, ack) VALUES (?, ?, ?) ON CONFLICT (finding_id) DO NOTHING'),
    getAck: db.prepare<[string], { ack: string }>('SELECT ack FROM acknowledgements WHERE finding_id = ?'),
    removeAck: db.prepare('DELETE FROM acknowledgements WHERE finding_id = ?'),
    putPage: db.prepare(`
      INSERT INTO pages (ref, destination, at, page) VALUES (@ref, @destination, @at, @page)
      ON CONFLICT (ref, destination) DO UPDATE SET at = excluded.at, page = excluded.page`),
    getPages: db.prepare<[string], { page: string }>('SELECT page FROM pages WHERE ref = ? ORDER BY destination'),
    pruneEscalations: db.prepare("DELETE FROM escalations WHERE created_at < ? AND state = 'ended'"),
    pruneAcks: db.prepare('DELETE FROM acknowledgements WHERE at < ?'),
    prunePages: db.prepare('DELETE FROM pages WHERE at < ?'),
  };

  function writeInTransaction(escalations: readonly EscalationRow[] | undefined, pages: readonly PageRecord[] | undefined): void {
    for (const row of escalations ?? []) {
      stmt.insertEscalation.run({ id: row.id, createdAt: row.createdAt, dueAt: row.dueAt, state: row.state, step: row.step, row: JSON.stringify(row) });
    }
    for (const page of pages ?? []) stmt.putPage.run({ ref: page.ref, destination: page.destination, at: page.at, page: JSON.stringify(page) });
  }

  const recordTx = db.transaction((ack: Acknowledgement): { recorded: boolean; ack: Acknowledgement } => {
    if (stmt.insertAck.run(ack.findingId, ack.at, JSON.stringify(ack)).changes > 0) return { recorded: true, ack };
    return { recorded: false, ack: JSON.parse(stmt.getAck.get(ack.findingId)!.ack) as Acknowledgement };
  });

  const group: OnCallStore = {
    async getEscalations(ids) {
      assertOpen();
      const out = new Map<string, EscalationRow>();
      for (const id of ids) {
        const found = stmt.getEscalation.get(id);
        if (found !== undefined) out.set(id, JSON.parse(found.row) as EscalationRow);
      }
      return out;
    },
    async dueEscalations(now, limit) {
      assertOpen();
      return stmt.dueEscalations.all(now, Math.max(0, limit)).map((r) => JSON.parse(r.row) as EscalationRow);
    },
    async updateEscalation(row, from) {
      assertOpen();
      const result = stmt.updateEscalation.run({
        id: row.id,
        dueAt: row.dueAt,
        state: row.state,
        step: row.step,
        row: JSON.stringify(row),
        fromStep: from.step,
        fromState: from.state,
      });
      return result.changes > 0;
    },
    async listEscalations(since, limit) {
      assertOpen();
      return stmt.listEscalations.all(since, Math.max(0, limit)).map((r) => JSON.parse(r.row) as EscalationRow);
    },
    async recordAck(ack) {
      assertOpen();
      // .immediate(): a daemon and a CLI `ack` on one file must not both record.
      return recordTx.immediate(ack);
    },
    async getAcks(findingIds) {
      assertOpen();
      const out = new Map<string, Acknowledgement>();
      for (const id of findingIds) {
        const found = stmt.getAck.get(id);
        if (found !== undefined) out.set(id, JSON.parse(found.ack) as Acknowledgement);
      }
      return out;
    },
    async removeAck(findingId) {
      assertOpen();
      return stmt.removeAck.run(findingId).changes > 0;
    },
    async getPages(ref) {
      assertOpen();
      return stmt.getPages.all(ref).map((r) => JSON.parse(r.page) as PageRecord);
    },
  };

  return {
    group,
    writeInTransaction,
    prune(now) {
      const cutoff = now - INTERACT_RETENTION_MS;
      stmt.pruneEscalations.run(cutoff);
      stmt.pruneAcks.run(cutoff);
      stmt.prunePages.run(cutoff);
    },
  };
}
