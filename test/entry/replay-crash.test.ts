import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleFindings } from '../../src/sources/samples.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { bin, repoRoot, runCli } from './cli-helpers.js';

/**
 * kill -9 of a `replay` in the middle of delivering, then the same replay again: every decided message is delivered,
 * exactly once, except at most the one that was in flight at the kill (Slack webhooks have no idempotency key).
 */
let slack: SlackStandin;
let dir: string;

beforeAll(async () => {
  slack = await startSlackStandin({ webhookRate: false });
  dir = mkdtempSync(join(tmpdir(), 'gdn-crash-'));
});
afterAll(async () => {
  await slack.close();
});

describe('replay after kill -9', () => {
  it('resumes the outbox and delivers each message once (at most the in-flight one twice)', { timeout: 90_000 }, async () => {
    const url = slack.webhookUrl('crash');
    const findings = generateSampleFindings({ count: 25, now: Date.now(), seed: 3 });
    const input = join(dir, 'findings.json');
    writeFileSync(input, JSON.stringify(findings));
    const config = join(dir, 'crash.yaml');
    // 4 messages a second and no digests: the run takes several seconds, long enough to be killed in the middle.
    writeFileSync(
      config,
      `state: { sqlite: ${join(dir, 'crash.db')} }\ndigest: { threshold: 1000 }\ndestinations:\n  - { name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK }, rate: { perSecond: 4, burst: 1 } }\n`,
    );

    const child = spawn(process.execPath, [bin, 'replay', '--config', config, input], {
      cwd: repoRoot,
      env: { ...process.env, TEST_WEBHOOK: url, LOG_LEVEL: 'error' },
      stdio: 'ignore',
    });
    await slack.waitFor(() => slack.receivedOn('crash').length >= 6, 30_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const beforeRestart = slack.receivedOn('crash').length;
    expect(beforeRestart).toBeLessThan(25);

    const again = await runCli(['replay', '--config', config, input], { env: { TEST_WEBHOOK: url }, timeoutMs: 60_000 });
    expect(again.code).toBe(0);
    // The second run decides nothing new (the ledger has them all) and only drains what was left.
    expect(again.stdout).toMatch(/sec: 0 notified/);

    const bodies = slack.receivedOn('crash').map((m) => JSON.stringify(m.body));
    const unique = new Set(bodies);
    expect(unique.size).toBe(25);
    expect(bodies.length - unique.size).toBeLessThanOrEqual(1);
  });
});
