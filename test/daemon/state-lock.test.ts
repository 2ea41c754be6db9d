import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireDaemonLock } from '../../src/daemon/state-lock.js';
import { DaemonLockError } from '../../src/daemon/errors.js';
import { tempDir, waitUntil } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('gdn-lock-');
});
afterEach(() => dir.remove());

describe('acquireDaemonLock', () => {
  it('refuses a second holder with a message naming the state file, the holder and what to do', () => {
    const statePath = join(dir.path, 'state.db');
    const lock = acquireDaemonLock({ statePath, command: 'run' });
    try {
      let error: unknown;
      try {
        acquireDaemonLock({ statePath, command: 'backfill' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DaemonLockError);
      const lockError = error as DaemonLockError;
      expect(lockError.owner).toMatchObject({ pid: process.pid, command: 'run' });
      expect(lockError.message).toContain(`Another guardduty-notifier is already using ${statePath} (pid ${process.pid}`);
      expect(lockError.message).toContain('send every message twice');
      expect(lockError.message).toContain('Stop the other one first');
    } finally {
      lock.release();
    }
    expect(existsSync(`${statePath}.lock.owner`)).toBe(false);
    acquireDaemonLock({ statePath, command: 'run' }).release();
  });

  it('is free again as soon as the holding process is killed with SIGKILL (no stale lock)', async () => {
    const statePath = join(dir.path, 'state.db');
    const script = [
      "import { acquireDaemonLock } from './src/daemon/state-lock.ts';",
      `acquireDaemonLock({ statePath: ${JSON.stringify(statePath)}, command: 'run' });`,
      "process.stdout.write('locked\\n');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitUntil('the child to hold the lock', () => out.includes('locked'), 15_000);
      expect(() => acquireDaemonLock({ statePath, command: 'run' })).toThrow(DaemonLockError);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const lock = acquireDaemonLock({ statePath, command: 'run' });
    lock.release();
  });

  it('says when the lock file cannot be created', () => {
    expect(() => acquireDaemonLock({ statePath: join(dir.path, 'missing-dir', 'state.db'), command: 'run' })).toThrow(/Cannot open the lock file .*missing-dir/);
  });
});
