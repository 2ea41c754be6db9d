import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventBridgeFinding, repoRoot, runCli } from './cli-helpers.js';

/**
 * `check-config` and `replay --dry-run` through the real bin (the CLI bundle: `npm run build` first): `--config FILE`
 * like every other command, the CDK app's deploy config checked in one pass, and no secret needed for either.
 */

let dir: string;
const noSecrets = { SLACK_WEBHOOK_URL: '', SLACK_BOT_TOKEN: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-check-config-'));
});

function write(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

describe('check-config', () => {
  const example = join(repoRoot, 'examples/notifier.yaml');

  it('takes the file as --config FILE, -c FILE or a bare FILE, and needs no secret set (a warning)', async () => {
    for (const args of [['--config', example], ['-c', example], [example]]) {
      const { code, stdout, stderr } = await runCli(['check-config', ...args], { env: noSecrets });
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(`${example}: OK`);
      expect(stderr).toContain('destinations[0].url: environment variable SLACK_WEBHOOK_URL is not set here');
    }
  });

  it('is a usage error (exit 2) with no file, or with two different files', async () => {
    const none = await runCli(['check-config']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('check-config --config FILE');
    const two = await runCli(['check-config', example, '--config', 'other.yaml']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('two files given');
  });

  it("recognises the CDK app's deploy config and says what it deploys", async () => {
    const file = join(repoRoot, 'infra/config.example.yaml');
    const { code, stdout, stderr } = await runCli(['check-config', '--config', file], { env: noSecrets });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`${file}: OK (deploy config of the CDK app)`);
    expect(stdout).toMatch(/stacks: GuardDutyNotifier in eu-west-1, forwarding from /);
    expect(stdout).toContain('state: DynamoDB table made by the stack');
  });

  it('lists the problems of a deploy config in one pass: shape and references together', async () => {
    const file = write(
      'deploy.yaml',
      `regions: { home: eu-west-1, forward: [us-east-9] }
destinations:
  - { name: security, type: slack-webhook }
  - { name: ops, type: slak, secret: guardduty-notifier/ops }
routes:
  - { match: { minSeverity: 7 }, to: [secops] }
lambda: { memorySize: 64 }
`,
    );
    const { code, stderr } = await runCli(['check-config', file]);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toContain(`${file}: destinations[0].secret: required: the Secrets Manager secret (name or ARN) that holds the webhook URL or bot token`);
    // Every deploy destination type is named (the list grows with each new kind; the order is the schema's).
    const typeLine = lines.find((l) => l.includes('destinations[1].type')) ?? '';
    expect(typeLine).toMatch(/unknown type "slak": expected one of /);
    for (const type of ['slack-webhook', 'slack-api', 'sns', 'teams-workflow', 'pagerduty']) expect(typeLine).toContain(type);
    expect(lines).toContain(`${file}: lambda.memorySize: must be at least 128, got 64`);
    // A reference problem, reported while the shape is still wrong.
    expect(lines).toContain(`${file}: routes[0].to[0]: unknown destination "secops" (known: security, ops)`);
  });

  it('warns about a deploy region the SDK does not know, naming the nearest', async () => {
    const file = write(
      'deploy-region.yaml',
      'regions: { home: eu-west-1, forward: [us-east-9] }\ndestinations:\n  - { name: security, type: slack-webhook, secret: guardduty-notifier/slack }\n',
    );
    const { code, stderr } = await runCli(['check-config', file]);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/regions\.forward\[0\]: "us-east-9" is not a region this AWS SDK knows \(nearest: us-east-1, us-east-2/);
  });
});

describe('replay --dry-run', () => {
  it('decides and prints without the destination secret set, and sends nothing', async () => {
    const config = write(
      'dry.yaml',
      `state: { sqlite: ${join(dir, 'dry.db')} }\ndestinations:\n  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }\n`,
    );
    const { code, stdout, stderr } = await runCli(['replay', '--dry-run', '--config', config], {
      env: noSecrets,
      stdin: JSON.stringify(eventBridgeFinding({ severity: 8 })),
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Dry run: nothing sent or recorded.');
    expect(stdout).toMatch(/sec: 1 notified/);
    expect(stderr).not.toContain('is not set');
  });
});
