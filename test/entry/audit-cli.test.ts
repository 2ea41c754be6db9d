import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import type { AuditRecord } from '../../src/state/store.js';
import { runCli } from './cli-helpers.js';

/**
 * `audit [--since 7d] [--json]` and `status` through the built CLI (`npm run build` first), reading the actions the
 * Slack buttons recorded in the SQLite state file.
 */

let dir: string;
let configPath: string;
const now = Date.now();
const HOUR = 3_600_000;

const records: AuditRecord[] = [
  { id: 'slack-a', at: now - 2 * HOUR, actor: 'slack:U034SAM', actorName: 'sam', via: 'slack', action: 'block', result: 'done', destination: 'sec', findingId: 'f1', findingType: 'UnauthorizedAccess:EC2/SSHBruteForce', ips: ['185.220.101.1'], forMs: 12 * HOUR },
  { id: 'slack-b', at: now - HOUR, actor: 'slack:U099EVE', actorName: 'eve\u001b[31m', via: 'slack', action: 'archive', result: 'refused', reason: 'not-allowed', destination: 'sec', findingId: 'f1' },
  { id: 'slack-c', at: now - 10 * 86_400_000, actor: 'slack:U012DANA', actorName: 'dana', via: 'slack', action: 'mute', result: 'done', destination: 'sec', findingId: 'f0', muteId: 'slack-c' },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-audit-cli-'));
  const statePath = join(dir, 'state.db');
  configPath = join(dir, 'notifier.yaml');
  writeFileSync(configPath, `state: { sqlite: ${statePath} }\ndestinations:\n  - { name: sec, type: stdout }\n`);
  const store = createSqliteStore({ path: statePath });
  for (const record of records) await store.appendAudit(record);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('guardduty-notifier audit', () => {
  it('lists who did what in the last 7 days by default, newest first, refusals included', async () => {
    const result = await runCli(['audit', '--config', configPath]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/slack:U099EVE \(eve.*\)\s+archive\s+refused \(not-allowed\)/);
    expect(lines[1]).toMatch(/slack:U034SAM \(sam\)\s+block\s+done\s+185\.220\.101\.1 for 12h/);
    // A Slack display name is the user's to choose: it cannot reach the terminal as an escape sequence.
    expect(result.stdout).not.toContain('\u001b');
  });

  it('--since widens the window; --json prints the records as stored', async () => {
    const result = await runCli(['audit', '--config', configPath, '--since', '30d', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as AuditRecord[];
    expect(parsed.map((r) => r.id)).toEqual(['slack-b', 'slack-a', 'slack-c']);
    expect(parsed[1]).toMatchObject({ action: 'block', ips: ['185.220.101.1'], forMs: 12 * HOUR });
  });

  it('says so when there is nothing, and refuses a --since that is not a duration', async () => {
    expect((await runCli(['audit', '--config', configPath, '--since', '1m'])).stdout).toMatch(/^No actions since /);
    const bad = await runCli(['audit', '--config', configPath, '--since', 'yesterday']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected a duration like 90s, 10m, 12h or 7d');
  });

  it('status shows the recent actions too', async () => {
    const result = await runCli(['status', '--config', configPath]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Recent actions (2, last 7 days');
    expect(result.stdout).toMatch(/block\s+done/);
  });
});
