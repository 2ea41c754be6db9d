import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { acquireDaemonLock } from '../../src/daemon/state-lock.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';
import { startSnsStandin, type SnsStandin } from '../support/sns-standin.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { startSecretsManagerStandin, type SecretsManagerStandin } from '../support/secrets-manager-standin.js';
import { startTestDynamoDb, type TestDynamoDb } from '../support/local-dynamodb.js';
import { runCli } from './cli-helpers.js';

/**
 * `doctor --config FILE` through the built CLI (`npm run build` first), every check against a local stand-in: Slack
 * (webhook, auth.test, conversations.info), Secrets Manager, SNS, STS and GuardDuty, Network Firewall, WAF, DynamoDB
 * Local. What is asserted is what a person reads — one ✔/✘ line per check, the exit status — and what must never
 * happen: a message posted or published, a target written, a state file created, a secret printed.
 */

let slack: SlackStandin;
let guardduty: GuardDutyStandin;
let sns: SnsStandin;
let nfw: NetworkFirewallStandin;
let waf: Wafv2Standin;
let secretsManager: SecretsManagerStandin;
let ddb: TestDynamoDb;
let dir: string;

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:gdn-email';
const QUIET_TOPIC = 'arn:aws:sns:us-east-1:123456789012:gdn-nobody';
const TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gdn-bot-token';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const CHANNEL = 'C0SECOPS';
/** A rule group needs at least one rule: someone else's, which doctor only reads. */
const FOREIGN_RULE = { Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-doctor-'));
  [slack, guardduty, sns, nfw, waf, ddb] = await Promise.all([
    startSlackStandin({ webhookRate: false, channelRate: false }),
    startGuardDutyStandin(),
    startSnsStandin({ topics: [TOPIC, QUIET_TOPIC] }),
    startNetworkFirewallStandin(),
    startWafv2Standin(),
    startTestDynamoDb(),
  ]);
  secretsManager = await startSecretsManagerStandin({ [TOKEN_ARN]: slack.token });
  guardduty.addDetector('us-east-1', '12abc34d567e8fa901bc2d34eexample');
  sns.subscribe(TOPIC);
});
afterAll(async () => {
  await Promise.all([slack?.close(), guardduty?.close(), sns?.close(), nfw?.close(), waf?.close(), secretsManager?.close(), ddb?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Every AWS client of the CLI on a stand-in; anything else on a closed port: nothing here reaches the internet. */
function awsEnv(): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_GUARDDUTY: guardduty.endpoint,
    AWS_ENDPOINT_URL_STS: guardduty.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ENDPOINT_URL_NETWORK_FIREWALL: nfw.endpoint,
    AWS_ENDPOINT_URL_WAFV2: waf.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST',
    AWS_SECRET_ACCESS_KEY: 'doctor-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function writeConfig(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The lines doctor printed, by label (`✔ label: detail`). */
function linesOf(stdout: string): Map<string, { ok: boolean; detail: string }> {
  const lines = new Map<string, { ok: boolean; detail: string }>();
  for (const line of stdout.split('\n')) {
    const m = /^([✔✘]) (.+?): (.*)$/.exec(line);
    if (m) lines.set(m[2] as string, { ok: m[1] === '✔', detail: m[3] as string });
  }
  return lines;
}

describe('guardduty-notifier doctor', () => {
  it('passes every check of a working setup, one ✔ line each, and posts, publishes and writes nothing', async () => {
    const tableName = await ddb.createTable('doctor');
    const groupArn = nfw.createRuleGroup({ name: `doctor-${Date.now()}`, capacity: 1_000, rules: [FOREIGN_RULE] });
    const setArn = waf.createIpSet({ name: 'doctor-v4', version: 'IPV4', addresses: ['192.0.2.0/24'], region: 'us-east-1' });
    const webhook = slack.webhookUrl('sec');
    const config = writeConfig('green.yaml', [
      `state: { dynamodb: ${tableName} }`,
      'destinations:',
      '  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }',
      `  - { name: ops, type: slack-api, token: { secretArn: "${TOKEN_ARN}" }, channel: ${CHANNEL}, apiUrl: "${slack.apiUrl}" }`,
      `  - { name: email, type: sns, topicArn: "${TOPIC}" }`,
      '  - { name: log, type: stdout }',
      'poll: { regions: [us-east-1] }',
      'respond:',
      '  mode: enforce',
      '  targets:',
      `    - { name: edge, type: network-firewall, ruleGroupArn: "${groupArn}", priority: 30000 }`,
      `    - { name: alb, type: waf-ip-set, ipv4SetArn: "${setArn}" }`,
      '  rules: []',
      'interact:',
      '  signingSecret: { env: SLACK_SIGNING_SECRET }',
    ]);
    guardduty.resetCalls();
    const result = await runCli(['doctor', '--config', config], { env: { ...awsEnv(), SLACK_WEBHOOK_URL: webhook, SLACK_SIGNING_SECRET: SIGNING_SECRET } });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const lines = linesOf(result.stdout);
    expect([...lines.keys()]).toEqual([
      'config',
      'state',
      'secret destinations[0].url (env SLACK_WEBHOOK_URL)',
      `secret destinations[1].token (Secrets Manager ${TOKEN_ARN})`,
      'secret interact.signingSecret (env SLACK_SIGNING_SECRET)',
      'destination sec (slack-webhook)',
      'destination ops (slack-api)',
      'destination email (sns)',
      'destination log (stdout)',
      'AWS credentials',
      'GuardDuty us-east-1',
      'respond target edge (network-firewall)',
      'respond target alb (waf-ip-set)',
      'interact',
    ]);
    expect([...lines.values()].every((l) => l.ok)).toBe(true);
    expect(lines.get('state')?.detail).toContain(`DynamoDB table ${tableName} is active with its gsi1 index`);
    expect(lines.get('destination sec (slack-webhook)')?.detail).toMatch(/is live \(Slack answered an empty test with invalid_payload; nothing was posted\)/);
    expect(lines.get('destination ops (slack-api)')?.detail).toContain('token valid for Stand-in');
    expect(lines.get('destination email (sns)')?.detail).toContain('1 confirmed subscription');
    expect(lines.get('AWS credentials')?.detail).toContain('arn:aws:iam::123456789012:user/guardduty-notifier');
    expect(lines.get('GuardDuty us-east-1')?.detail).toContain('12abc34d567e8fa901bc2d34eexample');

    // Nothing was sent or changed anywhere.
    expect(slack.received).toHaveLength(0);
    expect(sns.published).toHaveLength(0);
    expect(nfw.countCalls()).toEqual({ DescribeRuleGroup: 1 });
    expect(waf.countCalls()).toEqual({ GetIPSet: 1 });
    // Secrets never printed: the webhook's secret path, the bot token, the signing secret.
    const printed = result.stdout + result.stderr;
    expect(printed).not.toContain(new URL(webhook).pathname.split('/').pop());
    expect(printed).not.toContain(slack.token);
    expect(printed).not.toContain(SIGNING_SECRET);
  });

  it('says what is wrong and what to do, one ✘ line per problem, exit 1 — still posting nothing', async () => {
    const statePath = join(dir, 'locked.db');
    const lock = acquireDaemonLock({ statePath, command: 'run' });
    const deadWebhook = slack.webhookUrl('revoked');
    slack.failWebhook('revoked', 'no_service');
    slack.failChannel('C0ARCHIVED', 'is_archived');
    const config = writeConfig('red.yaml', [
      `state: { sqlite: ${statePath} }`,
      'destinations:',
      '  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }',
      `  - { name: ops, type: slack-api, token: { secretArn: "${TOKEN_ARN}" }, channel: C0ARCHIVED, apiUrl: "${slack.apiUrl}" }`,
      `  - { name: email, type: sns, topicArn: "${QUIET_TOPIC}" }`,
      'poll: { regions: [us-east-1, eu-west-1] }',
      'respond:',
      '  mode: enforce',
      '  targets:',
      '    - { name: alb, type: waf-ip-set, ipv4SetArn: "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/gone/0a1b2c3d-0000-4000-8000-000000000000" }',
      '  rules: []',
      'interact:',
      '  signingSecret: { env: SLACK_SIGNING_SECRET }',
    ]);
    try {
      const result = await runCli(['doctor', '-c', config], { env: { ...awsEnv(), SLACK_WEBHOOK_URL: deadWebhook, SLACK_SIGNING_SECRET: '' } });
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
      const lines = linesOf(result.stdout);
      const failed = (label: string) => {
        const line = lines.get(label);
        expect(line, `${label} in\n${result.stdout}`).toBeDefined();
        expect(line?.ok, `${label}: ${line?.detail}`).toBe(false);
        return line?.detail ?? '';
      };
      expect(failed('state')).toMatch(/is in use by `run` \(pid \d+ on .*\): that one sends its messages/);
      expect(failed('destination sec (slack-webhook)')).toMatch(/answered 404 no_service: the webhook was removed or its app uninstalled; create a new webhook/);
      expect(failed('destination ops (slack-api)')).toContain('channel #c0archived is archived');
      expect(failed('destination email (sns)')).toContain('no confirmed subscription');
      expect(failed('GuardDuty eu-west-1')).toContain('no detector: GuardDuty is not enabled in eu-west-1');
      expect(lines.get('GuardDuty us-east-1')?.ok).toBe(true);
      expect(failed('respond target alb (waf-ip-set)')).toContain('does not exist');
      expect(failed('secret interact.signingSecret (env SLACK_SIGNING_SECRET)')).toContain('set SLACK_SIGNING_SECRET in the environment');
      expect(failed('interact')).toContain('signing secret is missing');

      expect(slack.received).toHaveLength(0);
      expect(sns.published).toHaveLength(0);
      expect(result.stdout).not.toContain(new URL(deadWebhook).pathname.split('/').pop());
    } finally {
      lock.release();
    }
  });

  it('checks a SQLite state without creating it, and a webhook URL that is not Slack’s', async () => {
    const statePath = join(dir, 'fresh', 'state.db');
    const config = writeConfig('fresh.yaml', [`state: { sqlite: ${statePath} }`, 'destinations:', '  - { name: sec, type: slack-webhook, url: { env: SLACK_WEBHOOK_URL } }']);
    // A port nothing listens on any more: connection refused, as from a host that cannot reach Slack.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runCli(['doctor', '-c', config], { env: { ...awsEnv(), SLACK_WEBHOOK_URL: `http://127.0.0.1:${port}/services/T0/B0/closed` } });
    expect(result.code).toBe(1);
    const lines = linesOf(result.stdout);
    expect(lines.get('state')).toMatchObject({ ok: true });
    expect(lines.get('state')?.detail).toContain('does not exist yet; it will be created on the first run');
    expect(existsSync(statePath)).toBe(false);
    expect(lines.get('destination sec (slack-webhook)')?.detail).toMatch(/^could not reach http:\/\/127\.0\.0\.1:\d+\/services\/T0\/\*\*\* \(ECONNREFUSED\)/);
    expect(result.stdout).not.toContain('closed');
  });

  it('says so when the DynamoDB table a laptop config names does not exist', async () => {
    const config = writeConfig('no-table.yaml', ['state: { dynamodb: not-deployed-yet }', 'destinations:', '  - { name: log, type: stdout }']);
    const result = await runCli(['doctor', '-c', config], { env: awsEnv() });
    expect(result.code).toBe(1);
    const state = linesOf(result.stdout).get('state');
    expect(state?.ok).toBe(false);
    expect(state?.detail).toContain("DynamoDB table not-deployed-yet does not exist in this account and region: set state.dynamodb to the stack's StateTableName output");
  });

  it('reports an invalid config as one ✘ with every problem, and exits 1', async () => {
    const config = writeConfig('broken.yaml', ['destinations:', '  - { name: sec, type: slack-webhok, url: x }']);
    const result = await runCli(['doctor', '-c', config], { env: awsEnv() });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✘ config: .*broken\.yaml is not valid/);
    expect(result.stdout).toContain('destinations[0]');
  });
});
