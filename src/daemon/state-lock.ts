import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { DaemonLockError, type LockOwner } from './errors.js';

/**
 * One daemon (or backfill) per state file: a second instance would send every message twice.
 *
 * The lock is an exclusive SQLite lock on `<state>.lock` (a tiny database of its own, next to the state file), held
 * by an open connection in `locking_mode=EXCLUSIVE` for as long as the process lives. Why not a pid file:
 * - the lock is a POSIX advisory lock the kernel drops when the process dies, however it dies (kill -9, OOM, power
 *   loss of a container), so there is no stale lock to detect or clean up, and no pid-reuse false alarm;
 * - it needs nothing we do not already ship (better-sqlite3), and SQLite's unix VFS also makes a second connection in
 *   the *same* process see the lock, which keeps the behaviour testable.
 * `<state>.lock.owner` (plain JSON: pid, host, command, since) is written after the lock is taken, only to say in the
 * refusal message who holds it; it is never trusted for the decision. The lock file itself is never deleted: unlinking
 * it while another process has it open would let a third process lock a fresh inode.
 * Caveat: advisory locks are unreliable on some network file systems (NFS without lockd); keep state on local disk.
 */

export interface DaemonLock {
  readonly lockPath: string;
  release(): void;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number') {
      return { pid: parsed.pid, host: String(parsed.host ?? '?'), command: String(parsed.command ?? '?'), since: String(parsed.since ?? '?') };
    }
  } catch {
    // no owner file, or half-written: the message just says less
  }
  return undefined;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code.startsWith('SQLITE_BUSY');
}

/**
 * Takes the lock for `statePath` or throws a {@link DaemonLockError} that says who holds it.
 *
 * @example
 * const lock = acquireDaemonLock({ statePath: './guardduty-notifier.db', command: 'run' });
 * try { ... } finally { lock.release(); }
 */
export function acquireDaemonLock(options: { statePath: string; command: string; now?: () => number }): DaemonLock {
  const lockPath = `${options.statePath}.lock`;
  const ownerPath = `${lockPath}.owner`;
  let db: Database.Database;
  try {
    // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting.
    db = new Database(lockPath, { timeout: 0 });
  } catch (error) {
    throw new DaemonLockError(
      `Cannot open the lock file ${lockPath}: ${(error as Error).message}. Is the directory of state.sqlite writable?`,
      lockPath,
      undefined,
      { cause: error },
    );
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS lock_holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, since TEXT)');
    db.prepare('INSERT OR REPLACE INTO lock_holder (id, pid, since) VALUES (1, ?, ?)').run(process.pid, new Date((options.now ?? Date.now)()).toISOString());
    // In EXCLUSIVE locking mode the exclusive lock outlives the commit, until the connection closes.
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if (isBusy(error)) {
      const owner = readOwner(ownerPath);
      const who = owner ? ` (pid ${owner.pid} on ${owner.host}, \`${owner.command}\` since ${owner.since})` : '';
      throw new DaemonLockError(
        `Another guardduty-notifier is already using ${options.statePath}${who}. Two instances on one state file ` +
          `would send every message twice, so this one will not start. Stop the other one first, or give this one ` +
          `its own state (state: { sqlite: other.db }).`,
        lockPath,
        owner,
        { cause: error, code: 'lock_held' },
      );
    }
    throw new DaemonLockError(`Cannot take the lock ${lockPath}: ${(error as Error).message}`, lockPath, undefined, { cause: error });
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), command: options.command, since: new Date((options.now ?? Date.now)()).toISOString() };
  try {
    writeFileSync(ownerPath, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
  } catch {
    // Informational only.
  }
  let released = false;
  return {
    lockPath,
    release() {
      if (released) return;
      released = true;
      if (readOwner(ownerPath)?.pid === process.pid) rmSync(ownerPath, { force: true });
      db.close();
    },
  };
}

/**
 * The lock for a command that sends from `config`'s state: SQLite state has a file to lock; DynamoDB state has none
 * (undefined: one daemon per table is the operator's to keep).
 *
 * @example
 * const lock = lockStateFile(config, 'backfill');
 * try { ... } finally { lock?.release(); }
 */
export function lockStateFile(config: Config, command: string, now?: () => number): DaemonLock | undefined {
  return 'sqlite' in config.state ? acquireDaemonLock({ statePath: config.state.sqlite, command, now }) : undefined;
}
