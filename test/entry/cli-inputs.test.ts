import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, eventBridgeFinding, runCli } from './cli-helpers.js';

/**
 * Issue 11 through the real bin (`npm run build` first): one hostile finding does not empty `render`'s output (item
 * 1); a JSON Lines file of 200,000 findings renders instead of overflowing the stack (item 2); file names and finding
 * text reach the terminal escaped (item 4); file arguments must be regular files under the 256 MiB cap (item 5).
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-cli-inputs-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const RAW = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/;

describe('render with a hostile finding in the batch', () => {
  it.each(['constructor', 'CONSTRUCTOR', '__proto__', 'toString'])('prints every finding when one has resourceType %s', async (name) => {
    const bad = eventBridgeFinding({ id: 'bad0bad0bad0bad0bad0bad0bad0bad0' }) as { detail: { accountId: string; resource: { resourceType: string } } };
    bad.detail.resource.resourceType = name;
    bad.detail.accountId = name;
    const file = join(dir, `hostile-${name}.jsonl`);
    writeFileSync(file, `${JSON.stringify(eventBridgeFinding())}\n${JSON.stringify(bad)}\n`);
    const { code, stdout, stderr } = await runCli(['render', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Array<{ text: string }>;
    expect(out).toHaveLength(2);
  });
});

describe('render of a big input', () => {
  it('renders a JSON Lines file of 200,000 findings (no argument spreading overflows the stack)', async () => {
    const file = join(dir, 'big.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(`{"id":"${i.toString(16).padStart(32, '0')}","type":"Recon:EC2/PortProbeUnprotectedPort","severity":2}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { code, stdout, stderr } = await runCli(['render', '--format', 'text', file], { timeoutMs: 120_000 });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // Plain text: one `Subject:` line per finding, a line of dashes between two.
    expect(stdout.match(/^Subject: /gm)).toHaveLength(200_000);
    expect(stdout.match(/^-{72}$/gm)).toHaveLength(199_999);
    expect(stdout.startsWith('Subject: [Low 2.0]')).toBe(true);
  }, 150_000);
});

describe('render into a reader that goes away', () => {
  it('stops quietly when the reader closes early (render … | head)', async () => {
    const file = join(dir, 'many.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify(eventBridgeFinding({ id: i.toString(16).padStart(32, '0') })));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const child = spawn(process.execPath, [bin, 'render', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Like `head -c 1000`: read the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});

describe('finding text and file names on the terminal', () => {
  it('escapes C1, separator and bidi characters of a finding id on a stdout destination and in status --json', async () => {
    const id = `f00d\u009b2J\u202e\u2028\u0085x`;
    const config = join(dir, 'stdout.yaml');
    writeFileSync(config, `state: { sqlite: ${join(dir, 'stdout.db')} }\ndestinations:\n  - { name: pipe, type: stdout }\n`);
    const replay = await runCli(['replay', '-c', config, '--json'], { stdin: JSON.stringify(eventBridgeFinding({ id })) });
    expect(replay.code).toBe(0);
    const line = replay.stdout.split('\n').find((l) => l.startsWith('{"destination"')) ?? '';
    expect(line).not.toMatch(RAW);
    expect((JSON.parse(line) as { findingIds: string[] }).findingIds).toEqual([id]);
    const status = await runCli(['status', '-c', config, '--json']);
    expect(status.code).toBe(0);
    expect(status.stdout.replace(/\n/g, '')).not.toMatch(RAW);
    expect(status.stdout).toContain('\\u009b');
  });

  it('prints the name of an unreadable file escaped', async () => {
    const { code, stderr } = await runCli(['render', join(dir, 'no\u009b2Jsuch\u202efile.json')]);
    expect(code).toBe(1);
    expect(stderr.replace(/\n/g, '')).not.toMatch(RAW);
    expect(stderr).toContain('no such file');
  });
});

describe('file arguments', () => {
  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = join(dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const { code, stderr } = await runCli(['render', fifo], { timeoutMs: 15_000 });
    expect(code).toBe(1);
    expect(stderr).toContain('named pipe');
  });

  it('refuses a device such as /dev/zero at once', async () => {
    const { code, stderr } = await runCli(['render', '/dev/zero'], { timeoutMs: 15_000 });
    expect(code).toBe(1);
    expect(stderr).toContain('/dev/zero: is a device, not a regular file');
  });

  it('refuses a directory', async () => {
    mkdirSync(join(dir, 'folder'));
    const { code, stderr } = await runCli(['render', join(dir, 'folder')]);
    expect(code).toBe(1);
    expect(stderr).toContain('is a directory');
  });

  it('refuses a file over the 256 MiB cap without reading it', async () => {
    const big = join(dir, 'huge.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 256 * 1024 * 1024 + 1); // sparse: no disk used
    closeSync(fd);
    const { code, stderr } = await runCli(['render', big], { timeoutMs: 15_000 });
    expect(code).toBe(1);
    expect(stderr).toContain('more than the 256 MiB');
  });

  it('still reads the good files given with a refused one', async () => {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(eventBridgeFinding()));
    const { code, stdout, stderr } = await runCli(['render', '/dev/null', good], { timeoutMs: 15_000 });
    expect(code).toBe(1);
    expect(stderr).toContain('/dev/null: is a device');
    expect(JSON.parse(stdout)).toHaveLength(1);
  });
});
