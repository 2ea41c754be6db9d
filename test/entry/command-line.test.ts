import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/entry/cli.js';
import { eventBridgeFinding, runCli } from './cli-helpers.js';
import { formatNothingToSync } from '../../src/actions/blocks-report.js';

/** One command line: every command says what it needs, what it defaults to, and prints what a person reads. */

let dir: string;
const RULE_GROUP = 'arn:aws:network-firewall:us-east-1:123456789012:stateless-rulegroup/blocks';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-command-line-'));
});

function write(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

function commandAt(path: string): Command {
  let command = buildProgram();
  for (const name of path.split(' ')) {
    const next = command.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${path}`);
    command = next;
  }
  return command;
}

const optionOf = (path: string, flag: string): Option | undefined => (commandAt(path).options as Option[]).find((o) => o.long === flag);

describe('help says what a command needs and what it defaults to', () => {
  it.each(['block add', 'mute add'])('%s --help shows --reason as required', async (path) => {
    const { code, stdout } = await runCli([...path.split(' '), '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--reason <text>[\s\S]*?\(required\)/);
  });

  it.each(['block add', 'block remove', 'mute add', 'resend'])("%s --help says --by's real default", (path) => {
    const by = optionOf(path, '--by');
    expect(by?.description).toContain('default: your login name ($USER), else "cli"');
    // No commander default that would show the value of $USER where the help was printed (or an empty one).
    expect(by?.defaultValue).toBeUndefined();
  });

  it('records the login name as --by when none is given', async () => {
    const config = write('mute.yaml', `state: { sqlite: ${join(dir, 'mute.db')} }\ndestinations: [{ name: o, type: stdout }]\n`);
    const add = await runCli(['mute', 'add', '-c', config, '--type', 'Recon:*', '--for', '1d', '--reason', 'pen test'], { env: { USER: 'dana', LOGNAME: '' } });
    expect(add.code, add.stderr).toBe(0);
    const list = await runCli(['mute', 'list', '-c', config, '--json']);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ createdBy: 'dana' })]);
  });

  it('status -n and audit -n share one default', () => {
    const status = optionOf('status', '--limit');
    const audit = optionOf('audit', '--limit');
    expect(status?.short).toBe('-n');
    expect(audit?.short).toBe('-n');
    expect(status?.defaultValue).toBe(audit?.defaultValue);
  });

  it.each(['replay', 'run', 'backfill', 'resend', 'demo', 'block list', 'block add', 'block remove', 'block prune', 'block sync'])(
    '%s takes --log-format text|json',
    (path) => {
      expect(optionOf(path, '--log-format')?.argChoices).toEqual(['text', 'json']);
    },
  );
});

describe('errors and output in plain words', () => {
  it("samples --types 'Nope:*' is one usage error, exit 2", async () => {
    const { code, stderr, stdout } = await runCli(['samples', '--types', 'Nope:*']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual(['samples: no finding type matches --types "Nope:*" (see `guardduty-notifier samples --list`)']);
  });

  it('says durations as 30d, never as milliseconds', async () => {
    const config = write(
      'respond.yaml',
      `state: { sqlite: ${join(dir, 'respond.db')} }\ndestinations: [{ name: o, type: stdout }]\nrespond:\n  targets: [{ name: edge, type: network-firewall, ruleGroupArn: "${RULE_GROUP}", priority: 100 }]\n`,
    );
    const { stdout, stderr } = await runCli(['block', 'add', '185.220.101.1', '-c', config, '--for', '30d', '--reason', 'scanner']);
    expect(`${stdout}${stderr}`).toContain('a block lasts more than 0 and at most 7d (got 30d)');
    expect(`${stdout}${stderr}`).not.toMatch(/\d{6,} ?ms/);
  });

  it('replay --log-format json writes JSON log lines with ISO-8601 times', async () => {
    // A webhook nobody answers: the delivery problem is logged, the message stays queued.
    const config = write(
      'logs.yaml',
      `state: { sqlite: ${join(dir, 'logs.db')} }\ndestinations: [{ name: sec, type: slack-webhook, url: { env: DEAD_WEBHOOK } }]\n`,
    );
    const { stderr } = await runCli(['replay', '-c', config, '--log-format', 'json', '--timeout', '2s'], {
      env: { DEAD_WEBHOOK: 'http://127.0.0.1:9/services/T0/B0/x', LOG_LEVEL: 'info' },
      stdin: JSON.stringify(eventBridgeFinding({ severity: 8 })),
    });
    const logLines = stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      const entry = JSON.parse(line) as { time: string };
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      for (const value of Object.values(entry)) if (typeof value === 'number') expect(value).toBeLessThan(1e12);
    }
  });

  it('render --format text prints plain text: subject, body, a line of dashes between findings', async () => {
    const file = write('two.jsonl', `${JSON.stringify(eventBridgeFinding({ id: 'a'.repeat(32), title: 'First one' }))}\n${JSON.stringify(eventBridgeFinding({ id: 'b'.repeat(32), title: 'Second one' }))}\n`);
    const { code, stdout } = await runCli(['render', '--format', 'text', file]);
    expect(code).toBe(0);
    expect(stdout.startsWith('Subject: ')).toBe(true);
    expect(() => JSON.parse(stdout)).toThrow();
    const parts = stdout.split(/^-{72}$/m);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toContain('First one');
    expect(parts[1]).toMatch(/^\nSubject: .*\n\nSecond one/);
  });

  it('block sync with nothing to do says so', () => {
    const upToDate = { ok: true, target: 'edge', result: { changed: false, written: false, inForce: 3, added: [], removed: [], refused: [], calls: { reads: 1, writes: 0 } } };
    expect(formatNothingToSync([upToDate] as never)).toBe('Nothing to do: the target already matches the blocks in force (3).');
    expect(formatNothingToSync([upToDate, { ...upToDate, target: 'waf' }] as never)).toBe('Nothing to do: all 2 targets already match the blocks in force (6).');
    expect(formatNothingToSync([{ ...upToDate, result: { ...upToDate.result, changed: true } }] as never)).toBeUndefined();
  });
});

describe("the AWS SDK's Node.js version notice", () => {
  const major = Number(process.versions.node.split('.')[0]);
  const NOTE = /^note: AWS SDK releases .* need Node\.js \d+ or later; this is v/m;

  it('is said once, in one line, by a command that touches AWS, and never by one that does not', async () => {
    const config = write('ddb.yaml', 'state: { dynamodb: notifier-state }\ndestinations: [{ name: o, type: stdout }]\n');
    // A DynamoDB endpoint that refuses at once: the command creates its client (the SDK's notice), then fails.
    const touches = await runCli(['status', '-c', config], {
      env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' },
    });
    expect(touches.stderr).not.toContain('NodeVersionSupportWarning');
    expect(touches.stderr.match(new RegExp(NOTE.source, 'gm')) ?? []).toHaveLength(major < 22 ? 1 : 0);
    const render = await runCli(['render', '--format', 'text'], { stdin: JSON.stringify(eventBridgeFinding()) });
    expect(render.stderr).not.toMatch(NOTE);
  });
});
