import { slackIn } from '../support/payloads.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createInboxSink, type InboxSink } from '../../src/deliver/inbox.js';
import { createRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { PLACEHOLDER_DESTINATION } from '../../src/respond/targets/rule-group-layout.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import { createWafIpSetTarget } from '../../src/respond/targets/waf-ip-set.js';
import type { BlockTarget } from '../../src/respond/targets/target.js';
import { createMemoryStore, type MemoryStore } from '../support/memory-store.js';
import { createManualClock, type ManualClock } from '../support/manual-clock.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { networkFirewallClient, noSleep, wafClient } from '../respond/helpers.js';
import { attackEvent } from '../respond/events.js';

/**
 * respond/ through the whole pipeline, in process: findings in, block rows committed with their announcements, the
 * targets (the Network Firewall and WAF stand-ins, driven by the real SDK clients) converged after the commit, expiry
 * and prune, a target that cannot be written. Time is a manual clock; assertions are about what the targets hold.
 */

const T0 = Date.parse('2024-05-01T12:00:00.000Z');
const HOUR = 3_600_000;

let nfw: NetworkFirewallStandin;
let waf: Wafv2Standin;

beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
  waf = await startWafv2Standin();
});
afterAll(async () => {
  await nfw.close();
  await waf.close();
});

interface World {
  runtime: Runtime;
  store: MemoryStore;
  inbox: InboxSink;
  clock: ManualClock;
  groupArn: string;
  setArn: string;
  /** Ours in the rule group (source and destination rules). */
  ruleGroupOurs(): string[];
  ipSet(): string[];
}

const FOREIGN_RULE = { Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } };

async function world(mode: 'dry-run' | 'enforce', extra: Record<string, unknown> = {}): Promise<World> {
  const clock = createManualClock(T0);
  const suffix = Math.floor(Math.random() * 1e9);
  const groupArn = nfw.createRuleGroup({ name: `pipeline-${suffix}`, capacity: 1_000, rules: [FOREIGN_RULE] });
  const setArn = waf.createIpSet({ name: `pipeline-${suffix}`, version: 'IPV4', addresses: ['192.0.2.0/24'] });
  const config = parseConfig(
    {
      destinations: [{ name: 'sec', type: 'stdout' }],
      respond: {
        mode,
        targets: [
          { name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30_000 },
          { name: 'alb', type: 'waf-ip-set', ipv4SetArn: setArn },
        ],
        rules: [{ name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: ['edge', 'alb'] }],
        ...extra,
      },
    },
    'test',
  );
  const targets = new Map<string, BlockTarget>([
    ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: groupArn, priority: 30_000, client: networkFirewallClient(nfw.endpoint), now: clock.now, sleep: noSleep })],
    ['alb', createWafIpSetTarget({ name: 'alb', ipv4SetArn: setArn, client: wafClient(waf.endpoint), now: clock.now, sleep: noSleep })],
  ]);
  const store = createMemoryStore();
  const inbox = createInboxSink({ name: 'sec', now: clock.now });
  const runtime = await createRuntime(config, { store, sinks: new Map([['sec', inbox]]), now: clock.now, respondTargets: targets });
  return {
    runtime,
    store,
    inbox,
    clock,
    groupArn,
    setArn,
    ruleGroupOurs: () =>
      nfw
        .ruleGroup(groupArn)
        .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
        .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])].map((a) => a.AddressDefinition ?? ''))
        .filter((c) => c !== PLACEHOLDER_DESTINATION)
        .sort(),
    ipSet: () => [...waf.ipSet(setArn).addresses].sort(),
  };
}

const texts = (inbox: InboxSink) => inbox.messages().map((m) => JSON.stringify(m.message));

beforeEach(() => {
  nfw.resetCalls();
  waf.resetCalls();
  nfw.clearFaults();
});

describe('respond through the pipeline', () => {
  it('in dry-run records and announces "would block" and the refusals, and never calls an Update operation', async () => {
    const w = await world('dry-run');
    const result = await w.runtime.pipeline.ingest([attackEvent({ probes: ['185.220.101.1', '10.1.2.3', '203.0.113.5'] })]);
    await w.runtime.pipeline.drain();
    await w.runtime.responder?.sync({ prune: true });

    expect(result.respond?.lines.map((l) => l.line)).toEqual([
      'Would block 185.220.101.1 for 12 h in edge (source and destination) (dry-run)',
      'Would block 185.220.101.1 for 12 h in alb (source) (dry-run)',
      'Not blocked: 10.1.2.3 is a private address (private (RFC 1918))',
      'Not blocked: 203.0.113.5 is a documentation address (documentation (TEST-NET-3))',
    ]);
    // One message: the finding's own, with the lines in it.
    expect(w.inbox.messages()).toHaveLength(1);
    expect(texts(w.inbox)[0]).toContain('Would block 185.220.101.1 for 12 h in edge (source and destination) (dry-run)');
    expect(texts(w.inbox)[0]).toContain('Not blocked: 10.1.2.3 is a private address');
    expect((await w.store.listBlocks()).map((r) => `${r.target} ${r.cidr} ${r.state}`)).toEqual(['alb 185.220.101.1/32 dry-run', 'edge 185.220.101.1/32 dry-run']);
    // The sync read both targets (so a missing permission shows before enforce) and wrote nothing.
    expect(nfw.countCalls()).toEqual({ DescribeRuleGroup: 1 });
    expect(waf.countCalls()).toEqual({ GetIPSet: 1 });
    expect(w.ruleGroupOurs()).toEqual([]);
    expect(w.ipSet()).toEqual(['192.0.2.0/24']);
  });

  it('in enforce writes the rule group and the IP set within the batch, and announces it in the finding message', async () => {
    const w = await world('enforce');
    const result = await w.runtime.pipeline.ingest([attackEvent()]);

    // Written before ingest returned: the commit, then the converge of the targets the batch touched.
    expect(w.ruleGroupOurs()).toEqual(['185.220.101.1/32', '185.220.101.1/32']);
    expect(w.ipSet()).toEqual(['185.220.101.1/32', '192.0.2.0/24']);
    expect(result.respond?.converge?.outcomes.map((o) => [o.target, o.ok])).toEqual([
      ['edge', true],
      ['alb', true],
    ]);
    // Foreign rules and addresses stay exactly as they were.
    expect(nfw.ruleGroup(w.groupArn).rules[0]).toEqual(FOREIGN_RULE);
    await w.runtime.pipeline.drain();
    expect(texts(w.inbox)[0]).toContain('Blocked 185.220.101.1 for 12 h in edge (source and destination)');
    expect(texts(w.inbox)[0]).toContain('Blocked 185.220.101.1 for 12 h in alb (source)');

    // GuardDuty re-publishes the same activity: no second block, no new line, no write.
    nfw.resetCalls();
    const again = await w.runtime.pipeline.ingest([attackEvent()]);
    expect(again.respond?.counts).toEqual({ blocked: 0, extended: 0, refused: 2 });
    expect(again.respond?.lines).toEqual([]);
    expect(nfw.countCalls()).toEqual({});
  });

  it('announces a block of a finding that has no message in this batch in a message of its own', async () => {
    const w = await world('enforce');
    await w.runtime.pipeline.ingest([attackEvent({ id: 'aaaa0000aaaa0000aaaa0000aaaa0000', ip: '185.220.101.7' })]);
    await w.runtime.pipeline.drain();
    // The same finding, new activity an hour later: the policy keeps quiet (a duplicate), respond extends the block.
    w.clock.advance(HOUR);
    const later = await w.runtime.pipeline.ingest([
      attackEvent({ id: 'aaaa0000aaaa0000aaaa0000aaaa0000', ip: '185.220.101.7', lastSeen: '2024-05-01T13:00:00.000Z', count: 2 }),
    ]);
    await w.runtime.pipeline.drain();
    expect(later.decisions.map((d) => d.outcome)).toEqual(['suppress']);
    expect(later.respond?.counts.extended).toBe(2);
    const own = w.inbox.messages().slice(1);
    expect(own).toHaveLength(1);
    expect(slackIn(own[0]?.message).text).toMatch(/^Extended the block of 185\.220\.101\.7 in edge to 13 h in all, until 2024-05-02 01:00 UTC/);
  });

  it('after expiry, one prune takes every one of our addresses out and announces the releases in one message', async () => {
    const w = await world('enforce');
    await w.runtime.pipeline.ingest([attackEvent({ probes: ['185.220.101.1', '185.220.101.2'] })]);
    await w.runtime.pipeline.drain();
    expect(w.ruleGroupOurs()).toHaveLength(4);

    w.clock.advance(12 * HOUR);
    const report = await w.runtime.responder!.sync({ prune: true });
    await w.runtime.pipeline.drain();

    expect(report.pruned.map((r) => `${r.target} ${r.ip}`).sort()).toEqual(['alb 185.220.101.1', 'alb 185.220.101.2', 'edge 185.220.101.1', 'edge 185.220.101.2']);
    expect(w.ruleGroupOurs()).toEqual([]);
    expect(w.ipSet()).toEqual(['192.0.2.0/24']);
    expect(nfw.ruleGroup(w.groupArn).rules).toEqual([FOREIGN_RULE]);
    // One message for the four expiries (all one finding's: a reply in its thread), not one per address.
    const released = texts(w.inbox).filter((t) => t.includes('Released'));
    expect(released).toHaveLength(1);
    for (const line of ['185.220.101.1 in edge', '185.220.101.2 in edge', '185.220.101.1 in alb', '185.220.101.2 in alb']) {
      expect(released[0]).toContain(`Released ${line} (expired after 12 h)`);
    }
    expect((await w.store.listBlocks({ standing: true }))).toEqual([]);
  });

  it('alerts once, loudly, with what to do, when a target cannot be written, and again when it works', async () => {
    const w = await world('enforce');
    nfw.injectFault({ kind: 'access-denied', operation: 'UpdateRuleGroup', times: 100 });
    const result = await w.runtime.pipeline.ingest([attackEvent()]);
    expect(result.respond?.converge?.outcomes.find((o) => o.target === 'edge')).toMatchObject({ ok: false, error: { failure: 'access-denied' } });
    // The other target is written all the same.
    expect(w.ipSet()).toEqual(['185.220.101.1/32', '192.0.2.0/24']);
    await w.runtime.responder!.sync({ prune: true });
    await w.runtime.responder!.sync({ prune: true });
    await w.runtime.pipeline.drain();
    const alerts = w.inbox.messages().filter((m) => slackIn(m.message).text.startsWith('Blocking failed'));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0]?.message)).toContain('network-firewall:DescribeRuleGroup/UpdateRuleGroup');

    nfw.clearFaults();
    await w.runtime.responder!.sync({ prune: true });
    await w.runtime.pipeline.drain();
    expect(w.ruleGroupOurs()).toEqual(['185.220.101.1/32', '185.220.101.1/32']);
    expect(texts(w.inbox).at(-1)).toContain('is written again (1 blocks in force)');
  });

  it('refuses at the cap, says so in the message, and never blocks a sample or archived finding', async () => {
    const w = await world('enforce', { maxNewPerHour: 1 });
    const result = await w.runtime.pipeline.ingest([
      attackEvent({ id: 'b0000000000000000000000000000001', probes: ['185.220.101.1', '185.220.101.2'] }),
      attackEvent({ id: 'b0000000000000000000000000000002', ip: '185.220.101.3', sample: true }),
      attackEvent({ id: 'b0000000000000000000000000000003', ip: '185.220.101.4', archived: true }),
    ]);
    const reasons = result.respond?.intents.flatMap((i) => (i.kind === 'refuse' ? [`${i.ip} ${i.reason}`] : [`${i.record.ip} ${i.kind}`]));
    expect(reasons).toEqual([
      '185.220.101.1 block',
      '185.220.101.1 block',
      '185.220.101.2 rate',
      '185.220.101.2 rate',
      '185.220.101.3 sample',
      '185.220.101.4 archived',
    ]);
    expect(w.ruleGroupOurs()).toEqual(['185.220.101.1/32', '185.220.101.1/32']);
    expect(result.respond?.lines.map((l) => l.line)).toContain('Not blocked: 185.220.101.2: 1 new blocks in edge in the last hour (respond.maxNewPerHour 1)');
  });
});
