import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
mkdirSync(join(REPO_ROOT, 'infra', 'cdk.out'), { recursive: true });
const outdir = mkdtempSync(join(REPO_ROOT, 'infra', 'cdk.out', 'test-synth-'));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('npm run synth (infra/bin/synth.ts)', () => {
  it('prints every template offline, without AWS credentials, with the cdk-nag result', async () => {
    // Only PATH and HOME: no AWS_* variables, no credentials file in reach, no CDK CLI involved.
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'infra/bin/synth.ts', '--config', 'infra/config.example.yaml', '--outdir', outdir], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: outdir },
      timeout: 120_000,
      maxBuffer: 20 * 1024 * 1024,
    });
    const templates = parseAllDocuments(stdout).map((d) => d.toJS() as { Resources: Record<string, { Type: string }> });
    expect(templates).toHaveLength(3);
    expect(Object.values(templates[0]!.Resources).map((r) => r.Type)).toContain('AWS::Lambda::Function');
    expect(stderr).toMatch(/^GuardDutyNotifier-eu-west-1 \(eu-west-1\): \d+ resources$/m);
    expect(stderr).toMatch(/^GuardDutyNotifier-forwarder-us-east-1 \(us-east-1\): \d+ resources$/m);
    expect(stderr).toMatch(/^cdk-nag AwsSolutions: 0 errors, 0 warnings, \d+ acknowledged:$/m);
  }, 120_000);

  it('lists every problem of an invalid config and exits 1', async () => {
    const failure = await run(process.execPath, ['--import', 'tsx', 'infra/bin/synth.ts', '--config', 'infra/test/support/does-not-exist.yaml', '--outdir', outdir], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: outdir },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/does-not-exist\.yaml: \(file\): no such file/) });
  }, 60_000);
});

describe('npm run synth -- --help (or a flag it does not know)', () => {
  const synth = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'infra/bin/synth.ts', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: outdir } }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('prints the usage and exits 0 for --help', async () => {
    const { code, stdout } = await synth(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run synth/);
    expect(stdout).toContain('--config FILE');
  }, 60_000);

  it('names an unknown flag, prints the usage, exits 2, and shows no stack trace', async () => {
    const { code, stderr } = await synth(['--nope']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^synth: Unknown option '--nope'/);
    expect(stderr).toContain('Usage: npm run synth');
    expect(stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
