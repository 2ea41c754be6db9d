import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';
import { fault, startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { tempDir, waitUntil } from './helpers.js';

/**
 * The daemon as a real process: kill -9 in the middle of its life, restart, SIGTERM, a second instance. Needs the
 * SQLite store (state survives the process).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/daemon/fixtures/daemon-main.ts');
const HAS_SQLITE_STORE = existsSync(join(ROOT, 'src/state/sqlite-store.ts'));

interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnDaemon(configPath: string, gdEndpoint: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE, configPath], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ENDPOINT_URL_GUARDDUTY: gdEndpoint,
      // Nothing else of the SDK's chain may be consulted, even by accident.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, stdout, stderr, exited };
}

function logLines(child: Child): Array<Record<string, unknown>> {
  return child.stdout
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

let gd: GuardDutyStandin;
let slack: SlackStandin;
const children: Child[] = [];

beforeAll(async () => {
  gd = await startGuardDutyStandin();
  slack = await startSlackStandin({ webhookRate: false });
});
afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await gd.close();
  await slack.close();
});

describe.skipIf(!HAS_SQLITE_STORE)('the daemon process', () => {
  it('after kill -9 resumes from its cursor with no duplicate message, refuses a second instance, and drains on SIGTERM', async () => {
    const dir = tempDir();
    try {
      const region = 'us-east-1';
      const detectorId = gd.addDetector(region, 'det-kill9');
      const now = Date.now();
      gd.seedFindings(region, detectorId, 20, { from: now - 5 * 60_000, stepMs: 1000, prefix: 'kninefind' });
      const configPath = join(dir.path, 'notifier.yaml');
      writeFileSync(
        configPath,
        [
          `state: { sqlite: ${JSON.stringify(join(dir.path, 'state.db'))} }`,
          'destinations:',
          `  - { name: sec, type: slack-webhook, url: ${JSON.stringify(slack.webhookUrl('sec'))}, rate: { perSecond: 100, burst: 100 } }`,
          // One message per finding, so that every message can be traced back to its finding.
          'digest: { threshold: 1000, window: 20ms }',
          `poll: { regions: [${region}], interval: 150ms, overlap: 10m, listen: "127.0.0.1:0" }`,
          '',
        ].join('\n'),
      );

      // 1. Slack fails every request: the first run commits decisions and outbox rows but delivers nothing.
      slack.setFaults(() => fault.status(500));
      const first = spawnDaemon(configPath, gd.endpoint);
      children.push(first);
      const listsBefore = (): number => gd.calls.filter((c) => c.operation === 'ListFindings' && c.detectorId === detectorId).length;
      // Two ListFindings rounds: the first tick finished, so its commit and its cursor are written.
      await waitUntil('two polls by the first process', () => listsBefore() >= 2, 20_000);
      await waitUntil('a failed delivery attempt', () => slack.attempts.length > 0, 30_000);
      first.proc.kill('SIGKILL');
      expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(slack.received).toHaveLength(0);
      const firstRunLists = gd.calls.filter((c) => c.operation === 'ListFindings' && c.detectorId === detectorId).length;

      // 2. While it is down, five more findings arrive; Slack works again.
      gd.seedFindings(region, detectorId, 5, { from: Date.now() - 1000, stepMs: 10, prefix: 'knineextr' });
      slack.setFaults(undefined);
      const second = spawnDaemon(configPath, gd.endpoint);
      children.push(second);
      await waitUntil('all 25 findings delivered', () => slack.received.length >= 25, 20_000);

      // 3. A second instance on the same state file refuses to start.
      const intruder = spawnDaemon(configPath, gd.endpoint);
      children.push(intruder);
      const intruderExit = await intruder.exited;
      expect(intruderExit.code).toBe(1);
      expect(intruder.stderr.join('')).toMatch(/Another guardduty-notifier is already using .*state\.db \(pid \d+/);

      // 4. Three more findings while Slack is slow; SIGTERM as soon as the daemon has read them: the tick finishes,
      //    the queue is delivered before the process exits 0.
      gd.seedFindings(region, detectorId, 3, { from: Date.now() - 500, stepMs: 10, prefix: 'kninelast' });
      slack.setFaults(() => fault.slow(300));
      await waitUntil('the daemon to read the last findings', () =>
        gd.calls.some((c) => c.operation === 'GetFindings' && (c.ids ?? []).includes('kninelast00002')),
      );
      const deliveredAtSigterm = slack.received.length;
      second.proc.kill('SIGTERM');
      const secondExit = await second.exited;
      slack.setFaults(undefined);
      expect(secondExit).toEqual({ code: 0, signal: null });
      expect(deliveredAtSigterm).toBeLessThan(28); // something was still queued when the signal came
      const messages = logLines(second).map((l) => l.message);
      expect(messages).toEqual(expect.arrayContaining(['Signal received: finishing the current tick, then stopping', 'Daemon stopped']));
      expect(messages).not.toContain('Stopped with messages still queued; they are sent on the next start');

      // Every finding in exactly one Slack message: the kill lost nothing and the re-reads repeated nothing.
      const bodies = slack.received.map((m) => JSON.stringify(m.body));
      const ids = [
        ...Array.from({ length: 20 }, (_, i) => `kninefind${String(i).padStart(5, '0')}`),
        ...Array.from({ length: 5 }, (_, i) => `knineextr${String(i).padStart(5, '0')}`),
        ...Array.from({ length: 3 }, (_, i) => `kninelast${String(i).padStart(5, '0')}`),
      ];
      for (const id of ids) expect(bodies.filter((b) => b.includes(id)), id).toHaveLength(1);
      expect(slack.received).toHaveLength(28);

      // The restart read from the persisted cursor (the first run's start), not from its own start time.
      const lowerBounds = gd.calls
        .filter((c) => c.operation === 'ListFindings' && c.detectorId === detectorId)
        .map((c) => (c.body as { findingCriteria: { criterion: { updatedAt: { greaterThanOrEqual: number } } } }).findingCriteria.criterion.updatedAt.greaterThanOrEqual);
      expect(lowerBounds[firstRunLists]).toBe(lowerBounds[0]);
    } finally {
      dir.remove();
    }
  });
});
