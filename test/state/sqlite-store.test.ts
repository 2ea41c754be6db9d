import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, SQLITE_SCHEMA_VERSION } from '../../src/state/sqlite-store.js';
import type { DecisionRecord, OutboxRow, Store } from '../../src/state/store.js';
import { CONFORMANCE_T0, describeStoreConformance } from './store-conformance.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gdn-sqlite-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describeStoreConformance('SQLite (file)', async () => {
  const path = join(tempDir(), 'state.db');
  const opened: Store[] = [];
  const open = () => {
    const store = createSqliteStore({ path, now: () => CONFORMANCE_T0 });
    opened.push(store);
    return store;
  };
  return {
    store: open(),
    reopen: async () => open(),
    cleanup: async () => {
      for (const store of opened) await store.close();
    },
  };
}, { leases: false });

describeStoreConformance('SQLite (:memory:)', async () => {
  const store = createSqliteStore({ path: ':memory:', now: () => CONFORMANCE_T0 });
  return { store, cleanup: () => store.close() };
}, { leases: false });

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const DAY = 86_400_000;

function outboxRow(id: string, at: number): OutboxRow {
  return {
    id,
    destination: 'sec',
    kind: 'new',
    findingId: id,
    findingIds: [id],
    message: { slack: { text: id }, text: { subject: id, body: id }, attributes: {} },
    status: 'pending',
    attempts: 0,
    createdAt: at,
    nextAttemptAt: at,
  };
}

function decision(i: number): DecisionRecord {
  return { at: T0 + i, destination: 'sec', findingId: `f${i}`, findingType: 't', title: 't', severity: 5, outcome: 'suppress', reason: { code: 'duplicate' } };
}

describe('SQLite store', () => {
  let path: string;
  beforeEach(() => {
    path = join(tempDir(), 'nested', 'dir', 'state.db');
  });

  it('creates the file and its directories, in WAL mode, at the current schema version', async () => {
    const store = createSqliteStore({ path });
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a file written by a newer schema, saying what to do', () => {
    const dir = tempDir();
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => createSqliteStore({ path: file })).toThrow(/newer than this notifier understands.*upgrade/);
  });

  it('migrates a file from before WAF ownership: blocks in force start as ours, ended ones as nobody’s', async () => {
    const store = createSqliteStore({ path });
    const row = (ip: string, state: 'active' | 'expired' | 'dry-run') => ({
      ip,
      cidr: `${ip}/32`,
      family: 4 as const,
      target: 'alb',
      since: T0,
      until: state === 'expired' ? T0 + 1 : T0 + 3_600_000,
      rule: 'r',
      direction: 'source' as const,
      state,
      reason: 't',
      updatedAt: T0 + 5,
      extensions: 0,
    });
    await store.putBlocks([row('185.220.101.1', 'active'), row('185.220.101.2', 'active'), row('185.220.101.3', 'dry-run')]);
    await store.putBlocks([{ ...row('185.220.101.2', 'expired'), updatedAt: T0 + 4_000_000 }]);
    await store.close();
    // As schema 4 left it: no ownership table, no decision bands.
    const db = new Database(path);
    db.exec('DROP TABLE block_owners');
    db.exec('ALTER TABLE decisions DROP COLUMN band');
    db.pragma('user_version = 4');
    db.close();

    const migrated = createSqliteStore({ path });
    expect(await migrated.listBlockOwnership('alb')).toEqual([{ target: 'alb', cidr: '185.220.101.1/32', state: 'added', at: T0 + 5 }]);
    await migrated.close();
  });

  it('migrates a version 5 file: its decisions keep their rows and read back with their number\'s band', async () => {
    const file = join(tempDir(), 'v5.db');
    const made = createSqliteStore({ path: file });
    await made.commit({ ledger: [], outbox: [], decisions: [decision(1)] });
    await made.close();
    // Back to what version 5 wrote: no band column.
    const db = new Database(file);
    db.exec('ALTER TABLE decisions DROP COLUMN band');
    db.pragma('user_version = 5');
    db.close();

    const store = createSqliteStore({ path: file });
    await store.commit({ ledger: [], outbox: [], decisions: [{ ...decision(2), severity: null, band: 'High' }] });
    expect((await store.recentDecisions(10)).map((d) => [d.findingId, d.severity, d.band])).toEqual([
      ['f2', null, 'High'],
      ['f1', 5, 'Medium'],
    ]);
    await store.close();
  });

  it('keeps only the latest decision records, pruning inside commits', async () => {
    const store = createSqliteStore({ path: ':memory:', keepDecisions: 50 });
    for (let i = 0; i < 150; i++) await store.commit({ ledger: [], outbox: [], decisions: [decision(i)] });
    const recent = await store.recentDecisions(1_000);
    expect(recent.length).toBeGreaterThanOrEqual(50);
    expect(recent.length).toBeLessThanOrEqual(50 + 100); // pruned every 100th commit
    expect(recent[0]?.findingId).toBe('f149');
    expect(recent.map((d) => d.findingId)).not.toContain('f0');
    await store.close();
  });

  it('prunes sent rows after 7 days but keeps old pending and failed rows', async () => {
    let now = T0;
    const store = createSqliteStore({ path, now: () => now });
    await store.commit({ ledger: [], outbox: ['sent-old', 'sent-new', 'failed-old', 'pending-old'].map((id) => outboxRow(id, T0)), decisions: [] });
    await store.markSent('sent-old', T0);
    await store.markSent('sent-new', T0 + 6 * DAY);
    await store.markFailed('failed-old', 'channel_not_found', T0);
    await store.close();

    now = T0 + 8 * DAY;
    const reopened = createSqliteStore({ path, now: () => now });
    const ids = (await reopened.listOutbox({ limit: 10 })).map((r) => r.id);
    expect(ids.sort()).toEqual(['failed-old', 'pending-old', 'sent-new']);
    await reopened.close();
  });

  it('rejects calls after close with a clear error', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    await store.close();
    await store.close();
    await expect(store.getCursor('x')).rejects.toThrow(/closed/);
  });

  it('lets a second connection (the CLI adding a mute) write while the daemon holds the file', async () => {
    const daemon = createSqliteStore({ path });
    const cli = createSqliteStore({ path });
    await cli.addMute({ id: 'm1', type: 'Recon:*', reason: 'noise', createdAt: T0, expiresAt: T0 + DAY });
    await daemon.commit({ ledger: [], outbox: [outboxRow('o1', T0)], decisions: [] });
    expect((await daemon.listMutes(T0)).map((m) => m.id)).toEqual(['m1']);
    expect((await cli.duePending(T0, 5)).map((r) => r.id)).toEqual(['o1']);
    await cli.close();
    await daemon.close();
  });

  it('survives SIGKILL mid-commit: the file reopens cleanly and every committed batch is whole', async () => {
    const rowsPerBatch = 40;
    const file = join(tempDir(), 'crash.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/commit-loop.ts', import.meta.url)), file, String(rowsPerBatch)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let reported = 0;
    let killScheduled = false;
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    // Lines still in the pipe at the kill are read before we compare: `reported` is then all the child printed.
    const stdoutDone = new Promise<void>((resolve) => child.stdout.on('end', resolve));

    // Kill at an arbitrary moment once a good number of batches are in, most likely inside a transaction.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child reported only ${reported} batches in time; stderr: ${stderr}`)), 20_000);
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line) reported = Number(line);
        if (reported >= 30 && !killScheduled) {
          killScheduled = true;
          clearTimeout(timer);
          setTimeout(resolve, Math.floor(Math.random() * 20));
        }
      });
      child.on('exit', () => reported < 30 && reject(new Error(`child exited early; stderr: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await stdoutDone;

    const raw = new Database(file);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const perBatch = (table: string, column: string) =>
      raw
        .prepare<[], { batch: number; n: number }>(
          `SELECT CAST(substr(${column}, 2, instr(${column}, '-') - 2) AS INTEGER) AS batch, COUNT(*) AS n FROM ${table} GROUP BY batch ORDER BY batch`,
        )
        .all();
    const outbox = perBatch('outbox', 'id');
    const ledger = perBatch('ledger', 'finding_id');
    const decisions = perBatch('decisions', 'finding_id');
    raw.close();

    const committed = outbox.length;
    // Every batch the child saw committed is there (it may have committed one more it could not report).
    expect(committed).toBeGreaterThanOrEqual(reported);
    expect(committed).toBeLessThanOrEqual(reported + 1);
    const whole = Array.from({ length: committed }, (_, i) => ({ batch: i + 1, n: rowsPerBatch }));
    expect(outbox).toEqual(whole);
    expect(ledger).toEqual(whole);
    expect(decisions).toEqual(whole);

    // And the store itself opens on it and works.
    const store = createSqliteStore({ path: file });
    expect((await store.stats()).pending).toBe(committed * rowsPerBatch);
    await store.commit({ ledger: [], outbox: [outboxRow('after-crash', T0)], decisions: [] });
    await store.close();
  });
});
