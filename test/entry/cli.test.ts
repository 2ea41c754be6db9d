import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { eventBridgeFinding, repoRoot, runCli } from './cli-helpers.js';
import { acquireDaemonLock } from '../../src/daemon/state-lock.js';

const corpusDir = join(repoRoot, '../shared/corpus');
const hasCorpus = existsSync(corpusDir);
if (!hasCorpus) console.warn(`[cli.test] ../shared/corpus not found at ${corpusDir}: corpus rendering through the CLI skipped`);

let dir: string;
let slack: SlackStandin;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-cli-'));
  slack = await startSlackStandin({ webhookRate: false });
  writeFileSync(join(dir, 'good.json'), JSON.stringify(eventBridgeFinding()));
  writeFileSync(join(dir, 'broken.json'), '{"detail-type": "GuardDuty Finding", ');
  writeFileSync(join(dir, 'not-a-finding.json'), JSON.stringify({ hello: 'world' }));
});

afterAll(async () => {
  await slack.close();
});

function writeConfig(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

describe('guardduty-notifier CLI (the real bin)', () => {
  it('explains every command in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['render', 'replay', 'check-config', 'status', 'mute', 'samples', 'run', 'backfill', 'demo']) {
      expect(stdout).toContain(command);
    }
    const render = await runCli(['render', '--help']);
    expect(render.stdout).toContain('--format');
    expect(render.stdout).toContain('stdin');
  });

  it('exits 2 on a usage error in any subcommand (docs/command-line.md: "2 a usage or configuration error"), 0 for its --help', { timeout: 120_000 }, async () => {
    const config = writeConfig('usage.yaml', `state: { sqlite: ${join(dir, 'usage.db')} }\ndestinations: [{ name: sec, type: stdout }]\n`);
    const cases: Array<[string[], string]> = [
      [['block', 'add', '-c', config, '--for', '1h', '--reason', 'x'], "missing required argument 'ip'"],
      [['block', 'add', '185.220.101.1', '-c', config, '--for', 'soon', '--reason', 'x'], 'expected a duration'],
      [['block', 'remove', '185.220.101.1'], "required option '-c, --config <file>' not specified"],
      [['block', 'list', '-c', config, '--bogus'], "unknown option '--bogus'"],
      [['mute', 'add', '-c', config, '--type', 'Recon:*', '--for', '1d', '--reason', 'x', '--bogus'], "unknown option '--bogus'"],
      [['mute', 'remove', '-c', config], "missing required argument 'id'"],
      [['status', '--config'], "option '-c, --config <file>' argument missing"],
      [['render', '--format', 'yaml'], "argument 'yaml' is invalid"],
      [['audit', '-c', config, '--bogus'], "unknown option '--bogus'"],
      [['backfill', '-c', config, '--since', '1d', '--bogus'], "unknown option '--bogus'"],
      [['samples', '--bogus'], "unknown option '--bogus'"],
      [['no-such-command'], "unknown command 'no-such-command'"],
    ];
    // A few at a time: each is a process on a shared machine.
    for (let i = 0; i < cases.length; i += 4) {
      const results = await Promise.all(cases.slice(i, i + 4).map(([args]) => runCli(args)));
      results.forEach((result, j) => {
        const [args, message] = cases[i + j]!;
        expect({ args, code: result.code }, result.stderr).toEqual({ args, code: 2 });
        expect(result.stderr).toContain(message);
      });
    }
    const help = await runCli(['block', 'add', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--finding <id>');
  });

  it('renders a finding file as a JSON array of Slack payloads', async () => {
    const { code, stdout, stderr } = await runCli(['render', join(dir, 'good.json')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const messages = JSON.parse(stdout) as Array<{ text: string }>;
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toContain('[Medium 5.0]');
    expect(messages[0]?.text).toContain('SSH brute force');
  });

  it('reads stdin when given no file', async () => {
    const { code, stdout } = await runCli(['render'], { stdin: JSON.stringify([eventBridgeFinding(), eventBridgeFinding({ id: 'ffff0000ffff0000ffff0000ffff0000', severity: 8.5 })]) });
    expect(code).toBe(0);
    const messages = JSON.parse(stdout) as Array<{ text: string }>;
    expect(messages.map((m) => m.text.slice(0, 12))).toEqual(['[Medium 5.0]', '[High 8.5] 1']);
  });

  it('names each unreadable file on stderr, still prints the others, and exits 1', async () => {
    const { code, stdout, stderr } = await runCli(['render', join(dir, 'broken.json'), join(dir, 'good.json'), join(dir, 'not-a-finding.json'), join(dir, 'missing.json')]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toHaveLength(1);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/broken\.json: .*(line|position|column)/i);
    expect(lines.some((l) => l.startsWith(`${join(dir, 'not-a-finding.json')}: `) && /expected/.test(l))).toBe(true);
    expect(lines).toContain(`${join(dir, 'missing.json')}: no such file`);
  });

  it.skipIf(!hasCorpus)('renders every third-party corpus file with exit status 0', async () => {
    const files = readdirSync(corpusDir).filter((f) => f.endsWith('.json')).map((f) => join(corpusDir, f));
    const { code, stdout, stderr } = await runCli(['render', ...files]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as unknown[]).length).toBeGreaterThanOrEqual(files.length);
  });

  it('check-config says OK for a valid config and lists every problem with its path otherwise', async () => {
    const ok = await runCli(['check-config', join(repoRoot, 'examples/notifier.yaml')], { env: { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T1/B1/x' } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('examples/notifier.yaml: OK');
    const bad = writeConfig('bad.yaml', 'destinations:\n  - { name: sec, type: stdout }\nroutes:\n  - { to: [secops], match: { minSeverity: 11 } }\n');
    const result = await runCli(['check-config', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}: routes[0].match.minSeverity:`);
    expect(result.stderr).toContain(`${bad}: routes[0].to[0]: unknown destination "secops" (known: sec)`);
  });

  it('replays findings into a Slack webhook with routing and prints a summary, never the webhook URL', async () => {
    const url = slack.webhookUrl('replay');
    const config = writeConfig(
      'replay.yaml',
      `state: { sqlite: ${join(dir, 'replay.db')} }
destinations:
  - { name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK } }
routes:
  - { match: { minSeverity: 7 }, to: [sec] }
`,
    );
    const files = [
      ['low.json', eventBridgeFinding({ id: '11111111111111111111111111111111', severity: 3 })],
      ['high.json', eventBridgeFinding({ id: '22222222222222222222222222222222', severity: 8 })],
      ['crit.json', eventBridgeFinding({ id: '33333333333333333333333333333333', severity: 9.5 })],
    ] as const;
    for (const [name, body] of files) writeFileSync(join(dir, name), JSON.stringify(body));
    const { code, stdout, stderr } = await runCli(['replay', '--config', config, ...files.map(([n]) => join(dir, n))], { env: { TEST_WEBHOOK: url } });
    expect(stderr).not.toContain(url);
    expect(stdout).not.toContain(url);
    expect(code).toBe(0);
    expect(stdout).toContain('Findings read: 3');
    expect(stdout).toContain('Filtered (no route matched): 1');
    expect(stdout).toMatch(/sec: 2 notified.*sent 2, failed 0/);
    expect(slack.receivedOn('replay')).toHaveLength(2);

    // The same findings again: the ledger makes them duplicates, nothing is re-sent.
    const again = await runCli(['replay', '--config', config, ...files.map(([n]) => join(dir, n))], { env: { TEST_WEBHOOK: url } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/sec: 0 notified.*2 suppressed \(duplicate 2\)/);
    expect(slack.receivedOn('replay')).toHaveLength(2);
    // ... which is why the summary says where the state lives and how to start fresh.
    expect(again.stdout).toContain(`State: ${join(dir, 'replay.db')} (findings already in it are duplicates; to start fresh, delete that file`);
  });

  it('replay exits 1 when a message is still undelivered at --timeout (kept in the outbox), and says so', async () => {
    const config = writeConfig('pending.yaml', `state: { sqlite: ${join(dir, 'pending.db')} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK } }]\n`);
    slack.setFaults(() => ({ type: 'status', status: 503 }));
    try {
      const { code, stdout } = await runCli(['replay', '--config', config, '--timeout', '2s', join(dir, 'good.json')], { env: { TEST_WEBHOOK: slack.webhookUrl('pending') } });
      expect(stdout).toContain('1 still pending (kept in the outbox)');
      expect(code).toBe(1);
    } finally {
      slack.setFaults(undefined);
    }
  });

  it('replay --dry-run prints the decisions and sends nothing', async () => {
    const url = slack.webhookUrl('dry');
    const config = writeConfig('dry.yaml', `state: { sqlite: ${join(dir, 'dry.db')} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK } }]\n`);
    const { code, stdout } = await runCli(['replay', '--dry-run', '--config', config, join(dir, 'good.json')], { env: { TEST_WEBHOOK: url } });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sec\tnotify\tnew\tUnauthorizedAccess:EC2\/SSHBruteForce\t/m);
    expect(stdout).toContain('Dry run');
    expect(slack.receivedOn('dry')).toHaveLength(0);
  });

  it('refuses to replay into a state file a running daemon holds, instead of double-sending its outbox', async () => {
    const state = join(dir, 'locked.db');
    const config = writeConfig('locked.yaml', `state: { sqlite: ${state} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK } }]\n`);
    const lock = acquireDaemonLock({ statePath: state, command: 'run' });
    try {
      const { code, stderr } = await runCli(['replay', '--config', config, join(dir, 'good.json')], { env: { TEST_WEBHOOK: slack.webhookUrl('locked') } });
      expect(code).toBe(1);
      expect(stderr).toMatch(/^replay: .*run/m);
      expect(slack.receivedOn('locked')).toHaveLength(0);
    } finally {
      lock.release();
    }
  });

  it('says which environment variable is missing instead of failing later', async () => {
    const config = writeConfig('noenv.yaml', `state: { sqlite: ${join(dir, 'noenv.db')} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: GDN_TEST_UNSET_VAR } }]\n`);
    const { code, stderr } = await runCli(['replay', '--config', config, join(dir, 'good.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('destinations[0].url: environment variable GDN_TEST_UNSET_VAR is not set');
  });

  it('adds, lists and removes mute rules, and a muted finding is suppressed with its rule', async () => {
    const url = slack.webhookUrl('mute');
    const config = writeConfig('mute.yaml', `state: { sqlite: ${join(dir, 'mute.db')} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK } }]\n`);
    const added = await runCli(['mute', 'add', '--config', config, '--type', 'UnauthorizedAccess:*', '--for', '7d', '--reason', 'pen test this week']);
    expect(added.code).toBe(0);
    const id = added.stdout.split('\t')[0] ?? '';
    expect(id).toMatch(/^m-/);
    const list = await runCli(['mute', 'list', '--config', config]);
    expect(list.stdout).toContain('type UnauthorizedAccess:*');
    expect(list.stdout).toContain('pen test this week');

    const replay = await runCli(['replay', '--config', config, join(dir, 'good.json')], { env: { TEST_WEBHOOK: url } });
    expect(replay.stdout).toContain(`muted:${id} 1`);
    expect(slack.receivedOn('mute')).toHaveLength(0);

    const removed = await runCli(['mute', 'remove', id, '--config', config]);
    expect(removed.code).toBe(0);
    expect((await runCli(['mute', 'list', '--config', config])).stdout).toContain('No mute rules.');
    const refused = await runCli(['mute', 'add', '--config', config, '--for', '1d', '--reason', 'everything']);
    expect(refused.code).toBe(2);
  });

  it('status shows failed messages with the Slack error and the recent decisions', async () => {
    const url = slack.webhookUrl('archived', { error: 'channel_is_archived' });
    const config = writeConfig('status.yaml', `state: { sqlite: ${join(dir, 'status.db')} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: TEST_WEBHOOK } }]\n`);
    const replay = await runCli(['replay', '--config', config, join(dir, 'good.json')], { env: { TEST_WEBHOOK: url } });
    expect(replay.code).toBe(1);
    expect(replay.stderr).toContain('channel_is_archived');
    expect(replay.stderr).not.toContain(url);
    const status = await runCli(['status', '--config', config]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Outbox: 0 pending.*1 failed/);
    expect(status.stdout).toContain('channel_is_archived');
    expect(status.stdout).toContain('UnauthorizedAccess:EC2/SSHBruteForce');
  });
});
