import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runBackfill } from '../../src/daemon/backfill.js';
import { runDaemon } from '../../src/daemon/run-daemon.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import type { BlockTarget } from '../../src/respond/targets/target.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../support/guardduty-standin.js';
import { createMemoryStore } from '../support/memory-store.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { networkFirewallClient, noSleep } from '../respond/helpers.js';
import { captureLogger, daemonConfig, dir, gd, metricValue, slack, useDaemonStandins, waitUntil } from './helpers.js';

/**
 * respond/ in the polling daemon: a finding polled from the GuardDuty stand-in is blocked in the Network Firewall
 * stand-in within its tick (the pipeline converges after the commit), the respond timer syncs, /metrics shows the
 * blocks in force; `backfill` blocks nothing unless asked (`--respond`).
 */

useDaemonStandins();
let nfw: NetworkFirewallStandin;
let seq = 0;
beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
});
afterAll(async () => {
  await nfw.close();
});
afterEach(() => dir.remove());

function respondWorld() {
  seq += 1;
  const region = `eu-west-1-r${seq}`;
  const detector = gd.addDetector(region);
  const groupArn = nfw.createRuleGroup({
    name: `daemon-${seq}`,
    capacity: 100,
    rules: [{ Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } }],
  });
  const config = daemonConfig({
    webhookUrl: slack.webhookUrl('sec'),
    statePath: join(dir.path, 'state.db'),
    regions: [region],
    extra: {
      respond: {
        mode: 'enforce',
        targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30000 }],
        rules: [{ name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: ['edge'] }],
      },
    },
  });
  const targets = new Map<string, BlockTarget>([
    ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: groupArn, priority: 30_000, client: networkFirewallClient(nfw.endpoint), sleep: noSleep })],
  ]);
  const ours = () =>
    nfw
      .ruleGroup(groupArn)
      .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
      .flatMap((r) => r.RuleDefinition?.MatchAttributes?.Sources ?? [])
      .map((a) => a.AddressDefinition);
  return { region, detector, config, targets, ours };
}

const clientOptions = { endpoint: '', credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(2) };

describe('respond in the daemon', () => {
  it('blocks a polled finding within its tick, syncs on the respond timer, and shows the blocks in force in /metrics', async () => {
    const w = respondWorld();
    gd.putFinding(w.region, w.detector, { id: `ssh-${seq}`, type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, remoteIp: '185.220.101.11' });
    gd.putFinding(w.region, w.detector, { id: `low-${seq}`, type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, remoteIp: '185.220.101.12' });
    const controller = new AbortController();
    const store = createMemoryStore();
    let url = '';
    const done = runDaemon({
      config: w.config,
      logger: captureLogger(),
      signal: controller.signal,
      runtimeOptions: { store, respondTargets: w.targets },
      clientOptions: { ...clientOptions, endpoint: gd.endpoint },
      shutdownDrainMs: 5_000,
      onReady: (info) => (url = info.url ?? ''),
    });
    try {
      await waitUntil('the block in the rule group', () => w.ours().includes('185.220.101.11/32'), 20_000);
      expect(w.ours()).toEqual(['185.220.101.11/32']);
      await waitUntil('the message on Slack', () => slack.received.some((m) => JSON.stringify(m.body).includes('Blocked 185.220.101.11 for 12 h in edge')), 20_000);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metricValue(metrics, 'guardduty_notifier_blocks_in_force', { target: 'edge' })).toBe(1);
      expect(Number.isNaN(metricValue(metrics, 'guardduty_notifier_block_write_failures_total', { target: 'edge' }))).toBe(true);
    } finally {
      controller.abort();
      expect((await done).exitCode).toBe(0);
    }
  });

  it('backfill blocks nothing unless asked with --respond', async () => {
    const w = respondWorld();
    gd.putFinding(w.region, w.detector, { id: `old-${seq}`, type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 8, remoteIp: '185.220.101.13', updatedAt: Date.now() - 86_400_000 });
    const common = {
      config: w.config,
      sinceMs: 7 * 86_400_000,
      logger: captureLogger(),
      clientOptions: { ...clientOptions, endpoint: gd.endpoint },
      progress: Object.assign(new (await import('node:stream')).PassThrough(), { isTTY: false }),
      drainTimeoutMs: 10_000,
    };
    const quiet = createMemoryStore();
    await runBackfill({ ...common, runtimeOptions: { store: quiet, respondTargets: w.targets } });
    expect(await quiet.listBlocks()).toEqual([]);
    expect(w.ours()).toEqual([]);

    const asked = createMemoryStore();
    await runBackfill({ ...common, respond: true, runtimeOptions: { store: asked, respondTargets: w.targets } });
    expect((await asked.listBlocks()).map((r) => r.ip)).toEqual(['185.220.101.13']);
    expect(w.ours()).toEqual(['185.220.101.13/32']);
  });
});
