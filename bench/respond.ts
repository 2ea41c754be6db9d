import { NetworkFirewallClient } from '@aws-sdk/client-network-firewall';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { parseConfig } from '../src/config/load.js';
import { bandOf, type Finding } from '../src/finding/finding.js';
import type { BlockRecord } from '../src/respond/block-record.js';
import { planBlocks } from '../src/respond/plan-blocks.js';
import { createNetworkFirewallTarget } from '../src/respond/targets/network-firewall.js';
import { layoutRuleGroup } from '../src/respond/targets/rule-group-layout.js';
import type { BlockTarget, ReconcileResult } from '../src/respond/targets/target.js';
import { createWafIpSetTarget } from '../src/respond/targets/waf-ip-set.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry } from '../test/support/guardduty-standin.js';
import { startNetworkFirewallStandin } from '../test/support/network-firewall-standin.js';
import { startWafv2Standin } from '../test/support/wafv2-standin.js';
import { attackEvent } from '../test/respond/events.js';
import { createRuntime } from '../src/pipeline/runtime.js';
import { createSqliteStore } from '../src/state/sqlite-store.js';
import { createCountingSink } from './support.js';

/**
 * The respond figures (issue E), printed, never asserted, against the local stand-ins with the real SDK clients:
 * - finding → rule group written: planBlocks for one finding, then one reconcile of a group already holding 500 blocks;
 * - converge of 1,000 blocks: API calls and ms for the first write, a no-op sync, and a sync after 100 of them changed;
 * - capacity used by N blocks in a stateless rule group (both directions / source only).
 * Stand-in latency is loopback, so the ms say what our side costs, not what AWS adds (~100s of ms per call).
 */

const NOW = Date.parse('2024-05-01T12:00:00.000Z');

function rows(n: number, offset = 0, target = 'edge', direction: BlockRecord['direction'] = 'both'): BlockRecord[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    const ip = `11.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
    return {
      ip,
      cidr: `${ip}/32`,
      family: 4,
      target,
      since: NOW + i,
      until: NOW + 12 * 3_600_000,
      findingId: `f-${i}`,
      rule: 'bench',
      direction,
      state: 'active',
      reason: 'Recon:EC2/PortProbeUnprotectedPort',
      updatedAt: NOW,
      extensions: 0,
    };
  });
}

function callsText(r: ReconcileResult, ms: number): string {
  return `${r.calls.reads} read + ${r.calls.writes} write = ${r.calls.reads + r.calls.writes} calls, ${ms.toFixed(1)} ms (+${r.added.length} −${r.removed.length})`;
}

/** Without a store, a WAF target keeps its ownership records (which addresses it added) in memory: one target object here. */
async function timed(target: BlockTarget, blocks: BlockRecord[]): Promise<string> {
  const start = performance.now();
  const result = await target.reconcile({ blocks });
  return callsText(result, performance.now() - start);
}

export async function main(): Promise<void> {
  const nfw = await startNetworkFirewallStandin();
  const waf = await startWafv2Standin();
  const options = { region: 'eu-west-1', credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(4) };
  const nfClient = new NetworkFirewallClient({ ...options, endpoint: nfw.endpoint });
  const wafClient = new WAFV2Client({ ...options, endpoint: waf.endpoint });
  try {
    const foreign = { Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } };

    // finding → rule group written
    const config = parseConfig(
      {
        destinations: [{ name: 'sec', type: 'stdout' }],
        respond: {
          mode: 'enforce',
          targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: 'arn:aws:network-firewall:eu-west-1:123456789012:stateless-rulegroup/bench-latency', priority: 30_000 }],
          rules: [{ name: 'bench', match: {}, for: '12h', targets: ['edge'] }],
        },
      },
      'bench',
    ).respond;
    if (!config) throw new Error('no respond config');
    const latencyArn = nfw.createRuleGroup({ name: 'bench-latency', capacity: 2_000, rules: [foreign] });
    const latencyTarget = createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: latencyArn, priority: 30_000, client: nfClient, now: () => NOW });
    const standing = rows(500);
    await latencyTarget.reconcile({ blocks: standing });
    const finding = {
      format: 'eventbridge', product: 'GuardDuty', id: 'f-bench', type: 'UnauthorizedAccess:EC2/SSHBruteForce', typeParts: {}, title: 't', description: 'd',
      severity: 8, band: bandOf(8), partition: 'aws', count: 1, archived: false, sample: false, lastSeen: new Date(NOW).toISOString(),
      resource: { type: 'Instance', summary: 'i-1', details: [], tags: {} },
      action: { remoteAddresses: [{ ip: '185.220.101.1', from: 'networkConnectionAction', direction: 'inbound' }] }, raw: {},
    } satisfies Finding;
    const samples: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const start = performance.now();
      const intents = planBlocks({ finding: { ...finding, id: `f-bench-${i}`, action: { remoteAddresses: [{ ip: `185.220.101.${i + 1}`, from: 'x' }] } }, respondConfig: config, activeBlocks: standing, recentNewCount: new Map(), now: NOW });
      const fresh = intents.flatMap((x) => (x.kind === 'block' ? [x.record] : []));
      await latencyTarget.reconcile({ blocks: [...standing, ...fresh] });
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    console.log(`finding → rule group written (plan + DescribeRuleGroup + UpdateRuleGroup, group of 500 blocks, stand-in): median ${samples[10]?.toFixed(1)} ms, max ${samples[19]?.toFixed(1)} ms`);

    // The same through the whole pipeline: parse, route, decide, render, plan, commit (SQLite), converge.
    {
      const pipelineArn = nfw.createRuleGroup({ name: 'bench-pipeline', capacity: 2_000, rules: [foreign] });
      const pipelineConfig = parseConfig(
        {
          destinations: [{ name: 'sec', type: 'stdout' }],
          respond: {
            mode: 'enforce',
            maxNewPerHour: 1_000,
            targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: pipelineArn, priority: 30_000 }],
            rules: [{ name: 'bench', match: { minSeverity: 7 }, for: '12h', targets: ['edge'] }],
          },
        },
        'bench',
      );
      const store = createSqliteStore({ path: ':memory:' });
      const targets = new Map([['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: pipelineArn, priority: 30_000, client: nfClient })]]);
      const runtime = await createRuntime(pipelineConfig, { store, sinks: new Map([['sec', createCountingSink('sec')]]), respondTargets: targets });
      // 200 blocks standing first, so each write carries a realistic group.
      await runtime.pipeline.ingest(Array.from({ length: 200 }, (_, i) => attackEvent({ id: `pre${String(i).padStart(29, '0')}`, ip: `11.1.${i >> 8}.${(i & 0xff) + 1}` })));
      const through: number[] = [];
      let written = 0;
      for (let i = 0; i < 20; i += 1) {
        const start = performance.now();
        const result = await runtime.pipeline.ingest([attackEvent({ id: `bench${String(i).padStart(27, '0')}`, ip: `185.220.102.${i + 1}` })]);
        through.push(performance.now() - start);
        if (result.respond?.converge?.outcomes.every((o) => o.ok && o.result.written)) written += 1;
      }
      through.sort((a, b) => a - b);
      console.log(
        `finding → rule group written through the pipeline (ingest: parse … commit to SQLite, converge; 200 blocks standing, stand-in): ` +
          `median ${through[10]?.toFixed(1)} ms, max ${through[19]?.toFixed(1)} ms (${written}/20 written within their batch)`,
      );
      await runtime.close();
      await store.close();
    }

    // converge of 1,000 blocks
    const arn = nfw.createRuleGroup({ name: 'bench-converge', capacity: 30_000, rules: [foreign] });
    const edge = createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: arn, priority: 30_000, client: nfClient, now: () => NOW });
    const thousand = rows(1_000);
    const changed = [...thousand.slice(100), ...rows(100, 5_000)];
    console.log('Network Firewall, converge of 1,000 blocks (both directions):');
    console.log(`  first write:        ${await timed(edge, thousand)}`);
    console.log(`  no change:          ${await timed(edge, thousand)}`);
    console.log(`  100 replaced:       ${await timed(edge, changed)}`);

    const v4 = waf.createIpSet({ name: 'bench-v4', version: 'IPV4', addresses: ['198.51.100.0/24'] });
    const alb = createWafIpSetTarget({ name: 'edge', ipv4SetArn: v4, client: wafClient, now: () => NOW });
    console.log('WAF IP set, converge of 1,000 blocks:');
    console.log(`  first write:        ${await timed(alb, thousand)}`);
    console.log(`  no change:          ${await timed(alb, thousand)}`);
    console.log(`  100 replaced:       ${await timed(alb, changed)}`);
    const ten = rows(10_000);
    console.log(`  10,000 (the quota): ${await timed(alb, ten.slice(0, 9_999))} (one foreign entry)`);

    // capacity used by N blocks
    console.log('Stateless rule group capacity used by our rules (units; a foreign rule costs extra):');
    for (const n of [0, 1, 100, 500, 1_000, 5_000, 15_000]) {
      const both = layoutRuleGroup({ current: { StatelessRules: [] }, capacity: 30_000, priority: 30_000, target: 'edge', blocks: rows(n) });
      const source = layoutRuleGroup({ current: { StatelessRules: [] }, capacity: 30_000, priority: 30_000, target: 'edge', blocks: rows(n, 0, 'edge', 'source') });
      console.log(
        `  N = ${String(n).padStart(6)}: both ${String(both.capacity.ours).padStart(6)} units in ${both.next.StatelessRules?.length ?? 0} rules; ` +
          `source only ${String(source.capacity.ours).padStart(6)} units${n === 0 ? ' (the placeholder)' : ''}`,
      );
    }
    console.log(`  stand-in check: group of 1,000 blocks + 1 foreign rule consumes ${nfw.consumedCapacity(arn)} units (maxActive M needs a group of 2·M + foreign, at most 30,000)`);
  } finally {
    nfClient.destroy();
    wafClient.destroy();
    await nfw.close();
    await waf.close();
  }
}
