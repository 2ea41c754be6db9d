import { slackIn } from '../support/payloads.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDaemonLock } from '../../src/daemon/state-lock.js';
import { startDrainLoop } from '../../src/daemon/drain-loop.js';
import { createDaemonMetrics } from '../../src/daemon/metrics.js';
import { loadConfigFile } from '../../src/config/load.js';
import { createRuntime } from '../../src/pipeline/runtime.js';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import { createDynamoDbStore } from '../../src/state/dynamodb-store.js';
import { silentLogger } from '../../src/core/logger.js';
import type { OutboxRow } from '../../src/state/store.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { startTestDynamoDb, type TestDynamoDb } from '../support/local-dynamodb.js';
import { eventBridgeFinding, runCli } from './cli-helpers.js';

/**
 * `resend (--failed | ID…) [--dry-run]` through the built CLI (`npm run build` first): a webhook is revoked, a finding's
 * message fails for good, the webhook is fixed, the message is resent. On SQLite (alone, and next to a daemon that
 * holds the state file: its drain loop sends the rows) and on DynamoDB (DynamoDB Local, as a Lambda user from a laptop).
 */

let slack: SlackStandin;
let dir: string;
let statePath: string;
let configPath: string;
const env = (): NodeJS.ProcessEnv => ({ SLACK_WEBHOOK_URL: slack.webhookUrl('sec'), USER: 'dana' });

beforeAll(async () => {
  slack = await startSlackStandin({ webhookRate: false });
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  slack.webhookUrl('sec'); // made before failWebhook('sec', …) names it
  dir = mkdtempSync(join(tmpdir(), 'gdn-resend-'));
  statePath = join(dir, 'state.db');
  configPath = join(dir, 'notifier.yaml');
  writeFileSync(configPath, `state: { sqlite: ${statePath} }\ndestinations:\n  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }\n`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Replays one finding while the webhook answers `no_service` (revoked): its message is kept as failed. */
async function failOneMessage(): Promise<OutboxRow> {
  slack.failWebhook('sec', 'no_service');
  const replay = await runCli(['replay', '-c', configPath], { stdin: JSON.stringify(eventBridgeFinding({ severity: 8 })), env: env() });
  expect(replay.code, replay.stderr).toBe(1);
  const store = createSqliteStore({ path: statePath });
  try {
    const failed = await store.listOutbox({ status: 'failed', limit: 10 });
    expect(failed).toHaveLength(1);
    return failed[0] as OutboxRow;
  } finally {
    await store.close();
  }
}

async function rowNow(id: string): Promise<OutboxRow | undefined> {
  const store = createSqliteStore({ path: statePath });
  try {
    return (await store.getOutboxRows([id]))[0];
  } finally {
    await store.close();
  }
}

describe('guardduty-notifier resend (SQLite state)', () => {
  it('status names the failed message and points to resend; --dry-run lists it and changes nothing', async () => {
    const failed = await failOneMessage();
    const status = await runCli(['status', '-c', configPath]);
    expect(status.stdout).toContain('guardduty-notifier resend --failed');
    expect(status.stdout).not.toContain('re-run replay');
    expect(status.stdout).toMatch(new RegExp(`^  ${failed.id}  .*  sec  new  1 finding\\(s\\)  .*no_service`, 'm'));

    slack.failWebhook('sec', undefined);
    const dry = await runCli(['resend', '-c', configPath, '--failed', '--dry-run'], { env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would resend 1 failed message(s)');
    expect(dry.stdout).toContain(failed.id);
    expect(slack.received).toHaveLength(0);
    expect(await rowNow(failed.id)).toMatchObject({ status: 'failed', attempts: failed.attempts });
  });

  it('after the webhook is fixed, resends the failed message by id, prints it as sent, exits 0 and records who did it', async () => {
    const failed = await failOneMessage();
    slack.failWebhook('sec', undefined);

    const result = await runCli(['resend', '-c', configPath, failed.id], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`sent\\s+${failed.id}  sec  new  finding a1b2c3d4e5f60718293a4b5c6d7e8f90`));
    expect(result.stdout).toContain('1 sent, 0 failed again, 0 still queued.');
    // The message the finding made, delivered once.
    expect(slack.receivedOn('sec')).toHaveLength(1);
    expect(slack.receivedOn('sec')[0]?.body).toEqual(slackIn(failed.message));
    expect(await rowNow(failed.id)).toMatchObject({ status: 'sent' });

    const audit = await runCli(['audit', '-c', configPath]);
    expect(audit.stdout).toMatch(/cli:dana\s+resend\s+done\s+sec a1b2c3d4e5f60718293a4b5c6d7e8f90\s+outbox [0-9a-f]{32} \(new, 1 finding\) put back after: .*no_service/);

    // Sent is sent: resending it again is refused, and nothing more is posted.
    const again = await runCli(['resend', '-c', configPath, failed.id], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${failed.id}: not a failed message (it is sent)`);
    expect(slack.receivedOn('sec')).toHaveLength(1);
  });

  it('exits 1 and keeps the message failed when the destination still refuses it', async () => {
    const failed = await failOneMessage();
    slack.failWebhook('sec', 'channel_is_archived');
    const result = await runCli(['resend', '-c', configPath, '--failed'], { env: env() });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/failed\s+[0-9a-f]{32}  sec .* failed again: .*channel_is_archived/);
    expect(result.stdout).toContain('0 sent, 1 failed again, 0 still queued.');
    expect(await rowNow(failed.id)).toMatchObject({ status: 'failed', attempts: failed.attempts + 1 });
  });

  it('refuses a usage without --failed or ids (2), both at once (2), and an id that is not in the outbox (1)', async () => {
    expect((await runCli(['resend', '-c', configPath], { env: env() })).code).toBe(2);
    expect((await runCli(['resend', '-c', configPath, '--failed', 'abc'], { env: env() })).code).toBe(2);
    const unknown = await runCli(['resend', '-c', configPath, '0123456789abcdef0123456789abcdef'], { env: env() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('0123456789abcdef0123456789abcdef: no message with this id in the outbox');
  });

  it('next to a running daemon, puts the rows back and the daemon’s drain loop sends them as any due row', async () => {
    const failed = await failOneMessage();
    slack.failWebhook('sec', undefined);
    // The daemon: the state file's lock and its drain loop over the same state, as `run` holds them.
    const lock = acquireDaemonLock({ statePath, command: 'run' });
    const runtime = await createRuntime(await loadConfigFile(configPath), { env: env(), logger: silentLogger });
    const loop = startDrainLoop({ pipeline: runtime.pipeline, store: runtime.store, metrics: createDaemonMetrics(), logger: silentLogger, now: Date.now });
    try {
      const result = await runCli(['resend', '-c', configPath, '--failed', '--timeout', '60s'], { env: env(), timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/`run` \(pid \d+ on .*\) holds .*it sends the resent messages at its next drain/);
      expect(result.stdout).toContain('1 sent, 0 failed again, 0 still queued.');
      expect(slack.receivedOn('sec')).toHaveLength(1);
      expect(await rowNow(failed.id)).toMatchObject({ status: 'sent' });
    } finally {
      await loop.stop(Date.now() + 1_000);
      await runtime.close();
      lock.release();
    }
  });
});

describe('guardduty-notifier resend (DynamoDB state, from a laptop)', () => {
  let ddb: TestDynamoDb;
  beforeAll(async () => {
    ddb = await startTestDynamoDb();
  });
  afterAll(async () => {
    await ddb?.close();
  });

  it('puts a failed row of the table back and delivers it; the table’s row is sent', async () => {
    const tableName = await ddb.createTable('resend');
    const store = createDynamoDbStore({ tableName, client: ddb.client });
    const at = Date.now();
    const row: OutboxRow = {
      id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
      destination: 'sec',
      kind: 'new',
      findingId: 'f-lambda',
      findingIds: ['f-lambda'],
      message: { slack: { text: 'Lambda message' }, text: { subject: 'Lambda message', body: 'Lambda message' }, attributes: {} },
      status: 'pending',
      attempts: 0,
      createdAt: at,
      nextAttemptAt: at,
    };
    await store.commit({ ledger: [], outbox: [row], decisions: [] });
    await store.markFailed(row.id, 'Slack webhook answered 404 no_service', at);
    writeFileSync(configPath, `state: { dynamodb: ${tableName} }\ndestinations:\n  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }\n`);
    const awsEnv = {
      ...env(),
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    try {
      const dry = await runCli(['resend', '-c', configPath, '--failed', '--dry-run'], { env: awsEnv });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain(row.id);
      expect((await store.getOutboxRows([row.id]))[0]?.status).toBe('failed');

      const result = await runCli(['resend', '-c', configPath, '--failed'], { env: awsEnv });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('1 sent, 0 failed again, 0 still queued.');
      expect(slack.receivedOn('sec').map((m) => m.body)).toEqual([{ text: 'Lambda message' }]);
      expect((await store.getOutboxRows([row.id]))[0]).toMatchObject({ status: 'sent', attempts: 2 });
      expect((await store.listAudit({ since: at - 1 })).map((r) => [r.action, r.actor, r.findingId])).toEqual([['resend', 'cli:dana', 'f-lambda']]);
    } finally {
      await store.close();
    }
  });
});
