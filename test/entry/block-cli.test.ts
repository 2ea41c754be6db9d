import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { startSlackStandin, type SlackStandin } from '../support/slack-standin.js';
import { attackEvent } from '../respond/events.js';
import { runCli } from './cli-helpers.js';

/**
 * respond/ through the built CLI (`npm run build` first), as a user runs it: `replay` responds like the Lambda, and the
 * `block` commands, against the Network Firewall and WAF stand-ins reached by the real SDK clients through
 * AWS_ENDPOINT_URL_NETWORK_FIREWALL / AWS_ENDPOINT_URL_WAFV2. Verdicts are about what the targets hold.
 */

let dir: string;
let nfw: NetworkFirewallStandin;
let slack: SlackStandin;
const CHANNEL = 'C0SECOPS';
let waf: Wafv2Standin;
let env: NodeJS.ProcessEnv;
let n = 0;

const FOREIGN_RULE = { Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gdn-block-cli-'));
  nfw = await startNetworkFirewallStandin();
  waf = await startWafv2Standin();
  slack = await startSlackStandin({ webhookRate: false, channelRate: false });
  env = {
    AWS_ENDPOINT_URL_NETWORK_FIREWALL: nfw.endpoint,
    AWS_ENDPOINT_URL_WAFV2: waf.endpoint,
    // Anything else goes to a closed port: nothing in this test can reach the internet.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBLOCKCLITEST',
    AWS_SECRET_ACCESS_KEY: 'block-cli-test-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
});
afterAll(async () => {
  await nfw.close();
  await waf.close();
  await slack.close();
});
beforeEach(() => {
  nfw.resetCalls();
  waf.resetCalls();
});

interface Setup {
  config: string;
  env: NodeJS.ProcessEnv;
  groupArn: string;
  setArn: string;
  messages: string;
  ours(): string[];
  ipSet(): string[];
}

function setup(mode: 'dry-run' | 'enforce', options: { slack?: boolean; capacity?: number } = {}): Setup {
  n += 1;
  const groupArn = nfw.createRuleGroup({ name: `cli-${n}-${Date.now()}`, capacity: options.capacity ?? 1_000, rules: [FOREIGN_RULE] });
  const setArn = waf.createIpSet({ name: `cli-${n}`, version: 'IPV4', addresses: ['192.0.2.0/24'] });
  const messages = join(dir, `messages-${n}.jsonl`);
  const config = join(dir, `notifier-${n}.yaml`);
  writeFileSync(
    config,
    [
      `state: { sqlite: ${join(dir, `state-${n}.db`)} }`,
      options.slack
        ? `destinations: [{ name: sec, type: slack-api, token: { env: TEST_SLACK_TOKEN }, channel: ${CHANNEL}, apiUrl: "${slack.apiUrl}", rate: { perSecond: 100, burst: 100 } }]`
        : `destinations: [{ name: sec, type: file, path: ${messages} }]`,
      'respond:',
      `  mode: ${mode}`,
      '  targets:',
      `    - { name: edge, type: network-firewall, ruleGroupArn: "${groupArn}", priority: 30000 }`,
      `    - { name: alb, type: waf-ip-set, ipv4SetArn: "${setArn}" }`,
      '  rules:',
      '    - { name: attackers, match: { minSeverity: 7 }, for: 12h, targets: [edge, alb] }',
      '',
    ].join('\n'),
  );
  return {
    config,
    env: options.slack ? { ...env, TEST_SLACK_TOKEN: slack.token } : env,
    groupArn,
    setArn,
    messages,
    ours: () =>
      nfw
        .ruleGroup(groupArn)
        .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
        .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])])
        .map((a) => a.AddressDefinition ?? '')
        .filter((c) => c !== '127.0.0.1/32')
        .sort(),
    ipSet: () => [...waf.ipSet(setArn).addresses].sort(),
  };
}

function writeEvent(name: string, event: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(event));
  return path;
}

// Each test spawns the CLI several times; on a busy shared machine a spawn takes seconds.
describe('respond through the CLI (the real bin, the real SDK clients, the stand-ins)', { timeout: 120_000 }, () => {
  it('replay in dry-run announces "would block" and the refusals, and calls no Update operation', async () => {
    const s = setup('dry-run');
    const file = writeEvent('probe.json', attackEvent({ probes: ['185.220.101.1', '10.1.2.3'] }));
    const { code, stdout, stderr } = await runCli(['replay', '-c', s.config, file], { env });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('respond\tWould block 185.220.101.1 for 12 h in edge (source and destination) (dry-run)');
    expect(stdout).toContain('respond\tNot blocked: 10.1.2.3 is a private address');
    expect(nfw.countCalls()).toEqual({});
    expect(waf.countCalls()).toEqual({});
    // The finding's message carries the lines.
    expect(readFileSync(s.messages, 'utf8')).toContain('Would block 185.220.101.1');

    // A sync in dry-run reads and never writes.
    const sync = await runCli(['block', 'sync', '-c', s.config], { env });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toContain('Nothing to do: all 2 targets already match the blocks in force (0).');
    expect(nfw.countCalls()).toEqual({ DescribeRuleGroup: 1 });
    expect(waf.countCalls()).toEqual({ GetIPSet: 1 });
    expect(s.ours()).toEqual([]);
  });

  it('replay in enforce writes the rule group and the IP set before it returns', async () => {
    const s = setup('enforce');
    const file = writeEvent('ssh.json', attackEvent({ ip: '185.220.101.1' }));
    const { code, stdout, stderr } = await runCli(['replay', '-c', s.config, file], { env });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('respond\tBlocked 185.220.101.1 for 12 h in edge (source and destination)');
    expect(stdout).toContain('respond\tedge: written (1 in force)');
    expect(s.ours()).toEqual(['185.220.101.1/32', '185.220.101.1/32']);
    expect(s.ipSet()).toEqual(['185.220.101.1/32', '192.0.2.0/24']);
    expect(nfw.ruleGroup(s.groupArn).rules[0]).toEqual(FOREIGN_RULE);

    const list = await runCli(['block', 'list', '-c', s.config, '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{ ip: string; target: string; state: string; rule: string; findingId: string }>;
    expect(rows.map((r) => `${r.target} ${r.ip} ${r.state} ${r.rule}`)).toEqual(['alb 185.220.101.1 active attackers', 'edge 185.220.101.1 active attackers']);
    const text = await runCli(['block', 'list', '-c', s.config], { env });
    expect(text.stdout.split('\n')[0]).toBe('IP\tTARGET\tSINCE\tUNTIL\tFINDING\tRULE\tSTATE');

    // block remove takes it out of every target at once.
    const removed = await runCli(['block', 'remove', '185.220.101.1', '-c', s.config, '--by', 'alice'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('Unblocked 185.220.101.1 in edge (removed by hand)');
    expect(s.ours()).toEqual([]);
    expect(s.ipSet()).toEqual(['192.0.2.0/24']);
    const again = await runCli(['block', 'remove', '185.220.101.1', '-c', s.config], { env });
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('Not removed: 185.220.101.1 is not blocked');
  });

  it('block add refuses what the pipeline would refuse, has no --force, and blocks the rest', async () => {
    const s = setup('enforce');
    const refused = await runCli(['block', 'add', '10.1.2.3', '--target', 'edge', '--for', '24h', '--reason', 'test', '-c', s.config], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Not blocked: 10.1.2.3 is a private address');
    const documentation = await runCli(['block', 'add', '203.0.113.9', '--for', '24h', '--reason', 'test', '-c', s.config], { env });
    expect(documentation.code).toBe(1);
    expect(documentation.stdout).toContain('documentation');
    const forced = await runCli(['block', 'add', '10.1.2.3', '--force', '--target', 'edge', '--for', '24h', '--reason', 'x', '-c', s.config], { env });
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toContain("unknown option '--force'");
    const unknown = await runCli(['block', 'add', '185.220.101.5', '--target', 'nowhere', '--for', '24h', '--reason', 'x', '-c', s.config], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('no target "nowhere"');
    expect(nfw.countCalls()).toEqual({});

    const added = await runCli(['block', 'add', '185.220.101.5', '--target', 'edge', '--for', '24h', '--reason', 'SSH brute force on bastion', '-c', s.config], { env });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Blocked 185.220.101.5 for 1 d in edge (source and destination)');
    expect(added.stdout).toMatch(/edge: written \(\+1 −0, 1 in force/);
    expect(s.ours()).toEqual(['185.220.101.5/32', '185.220.101.5/32']);
    expect(s.ipSet()).toEqual(['192.0.2.0/24']);
  });

  it('block add at a full rule group refuses cap before storing, exits 1, and says how full; block list tells enforced from pending', async () => {
    // 5 units: the foreign rule takes 1, each address blocked both ways 2 (a source rule and a destination rule).
    const s = setup('enforce', { capacity: 5 });
    const added: string[] = [];
    let full: Awaited<ReturnType<typeof runCli>> | undefined;
    for (let i = 1; i <= 5 && full === undefined; i += 1) {
      const ip = `185.220.104.${i}`;
      const out = await runCli(['block', 'add', ip, '--target', 'edge', '--for', '1h', '--reason', 'x', '-c', s.config], { env });
      if (out.code === 0) {
        expect(out.stdout).toContain(`Blocked ${ip} for 1 h in edge`);
        added.push(ip);
      } else full = out;
    }
    expect(added.length).toBeGreaterThan(0);
    expect(full?.code).toBe(1);
    expect(full?.stdout).toMatch(new RegExp(`Not blocked: 185\\.220\\.104\\.${added.length + 1}: edge is full — ${added.length} of ${added.length} in use`));
    expect(full?.stdout).not.toContain('Blocked 185.220.104.');
    // Nothing stored for it, nothing in the group but the blocks that fit.
    expect(s.ours()).toEqual(added.flatMap((ip) => [`${ip}/32`, `${ip}/32`]).sort());
    const rows = JSON.parse((await runCli(['block', 'list', '--json', '-c', s.config], { env })).stdout) as Array<{ ip: string; state: string; enforcement?: string }>;
    expect(rows.map((r) => `${r.ip} ${r.state} ${r.enforcement}`).sort()).toEqual(added.map((ip) => `${ip} active enforced`));
    const table = await runCli(['block', 'list', '-c', s.config], { env });
    expect(table.stdout).toContain('active (enforced)');
  });

  it('block sync heals a hand edit, and block prune after expiry takes out what expired and nothing else', async () => {
    const s = setup('enforce');
    const added = await runCli(['block', 'add', '185.220.101.6', '--for', '24h', '--reason', 'long', '-c', s.config], { env });
    expect(added.code, added.stderr).toBe(0);
    expect(s.ours()).toEqual(['185.220.101.6/32', '185.220.101.6/32']);
    expect(s.ipSet()).toEqual(['185.220.101.6/32', '192.0.2.0/24']);

    // Someone deletes our rules by hand: sync puts them back, and only them.
    nfw.editRuleGroup(s.groupArn, (g) => {
      g.rules = g.rules.filter((r) => (r.Priority ?? 0) < 30_000);
    });
    const sync = await runCli(['block', 'sync', '-c', s.config], { env });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout).toContain('edge: written');
    expect(s.ours()).toEqual(['185.220.101.6/32', '185.220.101.6/32']);

    // A block of 1 s: once that has passed (a lower bound on real time, not a speed assertion), prune ends it.
    const short = await runCli(['block', 'add', '185.220.101.7', '--for', '1s', '--reason', 'short', '-c', s.config], { env });
    expect(short.stdout).toContain('Blocked 185.220.101.7 for 1 s in edge');
    await delay(1_100);
    const prune = await runCli(['block', 'prune', '-c', s.config], { env });
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stdout).toContain('185.220.101.7 in edge');
    expect(s.ours()).toEqual(['185.220.101.6/32', '185.220.101.6/32']);
    expect(s.ipSet()).toEqual(['185.220.101.6/32', '192.0.2.0/24']);
    expect(nfw.ruleGroup(s.groupArn).rules[0]).toEqual(FOREIGN_RULE);
    const list = JSON.parse((await runCli(['block', 'list', '--json', '-c', s.config], { env })).stdout) as Array<{ ip: string; target: string; state: string }>;
    expect(list.filter((r) => r.ip === '185.220.101.7').map((r) => r.state)).toEqual(['expired', 'expired']);
    // Each command announced what it did in the destination (no finding named: respond's fallback, the first one);
    // the prune's two releases (edge and alb) are one message.
    const messages = readFileSync(s.messages, 'utf8').trim().split('\n');
    expect(messages.filter((m) => m.includes('Blocked 185.220.101.6 for 1 d in edge (source and destination)') && m.includes('— long'))).toHaveLength(1);
    const released = messages.filter((m) => m.includes('Released 185.220.101.7'));
    expect(released).toHaveLength(1);
    expect(released[0]).toContain('Released 185.220.101.7 in edge (expired after 1 s)');
    expect(released[0]).toContain('Released 185.220.101.7 in alb (expired after 1 s)');
  });

  it('block add / remove / prune announce in Slack: in the named finding\'s thread, else top-level; a prune is one message', async () => {
    const s = setup('enforce', { slack: true });
    // The finding's own message opens its thread (its rule blocks nothing: the blocks below are people's).
    const file = writeEvent('thread.json', attackEvent({ id: 'f1f2f3f4f5f6f7f8f9f0f1f2f3f4f5f6', ip: '185.220.101.40', severity: 5 }));
    const replay = await runCli(['replay', '-c', s.config, file], { env: s.env });
    expect(replay.code, replay.stderr).toBe(0);
    const root = slack.receivedOn(CHANNEL).find((m) => m.threadTs === undefined);
    expect(root?.ts).toBeDefined();

    const add = await runCli(['block', 'add', '185.220.101.40', '--target', 'edge', '--for', '24h', '--reason', 'SSH brute force on bastion', '--by', 'alice', '--finding', 'f1f2f3f4f5f6f7f8f9f0f1f2f3f4f5f6', '-c', s.config], { env: s.env });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('Announced in sec.');
    expect(s.ours()).toEqual(['185.220.101.40/32', '185.220.101.40/32']);
    const inThread = () => slack.receivedOn(CHANNEL).filter((m) => m.threadTs === root?.ts).map((m) => JSON.stringify(m.body));
    expect(inThread()).toEqual([expect.stringContaining('Blocked 185.220.101.40 for 1 d in edge (source and destination) by alice — SSH brute force on bastion')]);

    const remove = await runCli(['block', 'remove', '185.220.101.40', '--by', 'bob', '-c', s.config], { env: s.env });
    expect(remove.code, remove.stderr).toBe(0);
    expect(s.ours()).toEqual([]);
    expect(inThread()).toHaveLength(2);
    expect(inThread()[1]).toContain('Unblocked 185.220.101.40 in edge by bob');

    // No finding named: top-level messages. Two short blocks, then one prune: one message for both releases.
    const before = slack.receivedOn(CHANNEL).length;
    for (const ip of ['185.220.101.41', '185.220.101.42']) {
      const short = await runCli(['block', 'add', ip, '--target', 'edge', '--for', '1s', '--reason', 'short', '--by', 'carol', '-c', s.config], { env: s.env });
      expect(short.code, short.stderr).toBe(0);
    }
    const tops = slack.receivedOn(CHANNEL).slice(before);
    expect(tops.map((m) => m.threadTs)).toEqual([undefined, undefined]);
    expect(JSON.stringify(tops[0]?.body)).toContain('Blocked 185.220.101.41 for 1 s in edge (source and destination) by carol — short');
    await delay(1_100);
    const prune = await runCli(['block', 'prune', '-c', s.config], { env: s.env });
    expect(prune.code, prune.stderr).toBe(0);
    const pruned = slack.receivedOn(CHANNEL).slice(before + 2);
    expect(pruned).toHaveLength(1);
    expect(JSON.stringify(pruned[0]?.body)).toContain('Released 185.220.101.41 in edge (expired after 1 s)');
    expect(JSON.stringify(pruned[0]?.body)).toContain('Released 185.220.101.42 in edge (expired after 1 s)');
    expect(s.ours()).toEqual([]);

    // status: what is in force per target, and a write failure the responder recorded.
    await runCli(['block', 'add', '185.220.101.43', '--target', 'edge', '--for', '2h', '--reason', 'x', '-c', s.config], { env: s.env });
    nfw.injectFault({ kind: 'access-denied', operation: 'UpdateRuleGroup', times: 100 });
    const failing = await runCli(['block', 'add', '185.220.101.44', '--target', 'edge', '--for', '2h', '--reason', 'x', '-c', s.config], { env: s.env });
    expect(failing.code).toBe(1);
    expect(slack.receivedOn(CHANNEL).some((m) => JSON.stringify(m.body).includes('Blocking failed'))).toBe(true);
    nfw.clearFaults();
    const status = await runCli(['status', '-c', s.config, '--json'], { env: s.env });
    expect(status.code, status.stderr).toBe(0);
    const report = JSON.parse(status.stdout) as { blocks: { mode: string; targets: Array<{ target: string; inForce: number; failingSince?: number; newest: Array<{ ip: string; target: string; until: number; rule: string }> }> } };
    const edge = report.blocks.targets.find((t) => t.target === 'edge');
    // .43 is in the rule group; .44 is stored but was never written: pending, not in force.
    expect(edge).toMatchObject({ inForce: 1, pending: 1, newest: [{ ip: '185.220.101.44', target: 'edge', rule: 'manual', enforcement: 'pending' }, { ip: '185.220.101.43', enforcement: 'enforced' }] });
    expect(edge?.failingSince).toEqual(expect.any(Number));
    const text = await runCli(['status', '-c', s.config], { env: s.env });
    expect(text.stdout).toMatch(/Blocks \(respond\.mode enforce\):\n {2}edge: 1 in force, 1 pending \(stored, not yet written to the target\); WRITES FAILING since /);
    expect(failing.stdout).toContain('Could not block 185.220.101.44 in edge yet: access-denied');
    expect(failing.stdout).not.toContain('Blocked 185.220.101.44');
  });
});
