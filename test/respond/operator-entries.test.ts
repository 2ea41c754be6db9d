import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { createResponder, type Responder } from '../../src/pipeline/responder.js';
import type { BlockRecord } from '../../src/respond/block-record.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import { createWafIpSetTarget } from '../../src/respond/targets/waf-ip-set.js';
import type { BlockTarget } from '../../src/respond/targets/target.js';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import type { Store } from '../../src/state/store.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin, type WireStatelessRule } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { HOUR, makeBlock, networkFirewallClient, T0, wafClient } from './helpers.js';

/**
 * What an operator put in a target survives everything we do to it: the stand-ins start with an operator's WAF
 * addresses (some of which we then block too) and Network Firewall rules, and every block, unblock, prune and sync
 * (through the responder and a SQLite store, as the daemon and the `block` commands run them) leaves them exactly as
 * written. "Ours" in a WAF IP set is what we added and still own: an address that was there before our block stays
 * after it; after our unblock an address is ours no more, so an operator who adds it again keeps it.
 */

let nfw: NetworkFirewallStandin;
let waf: Wafv2Standin;
let dir: string;
const clock = { now: T0 };

beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
  waf = await startWafv2Standin();
  dir = mkdtempSync(join(tmpdir(), 'gdn-operator-entries-'));
});
afterAll(async () => {
  await nfw.close();
  await waf.close();
  rmSync(dir, { recursive: true, force: true });
});

const OPERATOR_V4 = ['198.51.100.0/24', '185.220.101.9/32', '45.9.148.0/22', '203.0.113.7/32'];
const OPERATOR_V6 = ['2001:DB8:1::/48', '2a0b:f4c2::9/128'];
const OPERATOR_RULES: WireStatelessRule[] = [
  { Priority: 5, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } },
  { Priority: 29_999, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '185.220.101.9/32' }] }, Actions: ['aws:drop'] } },
  { Priority: 30_100, RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: '45.9.148.0/22' }] }, Actions: ['aws:drop'] } },
];

interface World {
  store: Store;
  responder: Responder;
  v4: string;
  v6: string;
  group: string;
  /** Our rows, as block add / the pipeline commit them. */
  block(ip: string, extra?: Partial<BlockRecord>): Promise<void>;
  unblock(ip: string): Promise<void>;
  wafV4(): string[];
  wafV6(): string[];
}

let seq = 0;
async function world(): Promise<World> {
  seq += 1;
  clock.now = T0;
  const v4 = waf.createIpSet({ name: `operator-v4-${seq}`, version: 'IPV4', addresses: [...OPERATOR_V4] });
  const v6 = waf.createIpSet({ name: `operator-v6-${seq}`, version: 'IPV6', addresses: [...OPERATOR_V6] });
  const group = nfw.createRuleGroup({ name: `operator-${seq}`, capacity: 1_000, rules: structuredClone(OPERATOR_RULES) });
  const config = parseConfig(
    {
      destinations: [{ name: 'sec', type: 'stdout' }],
      respond: {
        mode: 'enforce',
        targets: [
          { name: 'edge', type: 'network-firewall', ruleGroupArn: group, priority: 30_000 },
          { name: 'alb', type: 'waf-ip-set', ipv4SetArn: v4, ipv6SetArn: v6 },
        ],
      },
    },
    'test',
  );
  const store = createSqliteStore({ path: join(dir, `state-${seq}.db`), now: () => clock.now });
  const targets = new Map<string, BlockTarget>([
    ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: group, priority: 30_000, client: networkFirewallClient(nfw.endpoint), now: () => clock.now })],
    ['alb', createWafIpSetTarget({ name: 'alb', ipv4SetArn: v4, ipv6SetArn: v6, client: wafClient(waf.endpoint), now: () => clock.now })],
  ]);
  const responder = createResponder({ config: { ...config, respond: config.respond! }, store, logger: silentLogger, now: () => clock.now, targets });
  return {
    store,
    responder,
    v4,
    v6,
    group,
    async block(ip, extra = {}) {
      const rows = ['edge', 'alb'].map((target) =>
        makeBlock({ ip, target, direction: target === 'alb' ? 'source' : 'both', since: clock.now, until: clock.now + 12 * HOUR, updatedAt: clock.now, ...extra }),
      );
      await store.putBlocks(rows);
      const report = await responder.converge();
      expect(report.outcomes.every((o) => o.ok)).toBe(true);
    },
    async unblock(ip) {
      const standing = (await store.listBlocks({ standing: true })).filter((r) => r.ip === ip);
      await store.putBlocks(standing.map((r) => ({ ...r, state: 'removed' as const, updatedAt: clock.now })));
      const report = await responder.converge();
      expect(report.outcomes.every((o) => o.ok)).toBe(true);
    },
    wafV4: () => waf.ipSet(v4).addresses,
    wafV6: () => waf.ipSet(v6).addresses,
  };
}

function expectOperatorEntriesIntact(w: World): void {
  expect(w.wafV4()).toEqual(expect.arrayContaining(OPERATOR_V4));
  expect(w.wafV6()).toEqual(expect.arrayContaining(OPERATOR_V6));
  const rules = nfw.ruleGroup(w.group).rules;
  for (const rule of OPERATOR_RULES) expect(rules.find((r) => r.Priority === rule.Priority)).toEqual(rule);
}

const ourRuleAddresses = (w: World) =>
  nfw
    .ruleGroup(w.group)
    .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
    .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])].map((x) => x.AddressDefinition))
    .filter((c) => c !== '127.0.0.1/32');

beforeEach(() => {
  waf.resetCalls();
});

describe('an operator’s addresses and rules survive every block, unblock, prune and sync', () => {
  it('keeps an address that was in the IP set before we blocked it, through unblock and sync', async () => {
    const w = await world();
    await w.block('185.220.101.9'); // the operator's, in the set already
    await w.block('185.220.101.1'); // ours
    expect(w.wafV4().sort()).toEqual([...OPERATOR_V4, '185.220.101.1/32'].sort());
    expectOperatorEntriesIntact(w);

    await w.unblock('185.220.101.9');
    await w.responder.sync();
    expect(w.wafV4()).toContain('185.220.101.9/32');
    expect(ourRuleAddresses(w)).not.toContain('185.220.101.9/32');
    expectOperatorEntriesIntact(w);

    await w.unblock('185.220.101.1');
    expect(w.wafV4().sort()).toEqual([...OPERATOR_V4].sort());
    expectOperatorEntriesIntact(w);
    await w.store.close();
  });

  it('keeps them through expiry and prune, IPv4 and IPv6, and takes out only what we added', async () => {
    const w = await world();
    await w.block('185.220.101.9');
    await w.block('2a0b:f4c2::9');
    await w.block('2a0b:f4c2::1');
    await w.block('185.220.101.2');
    expect(w.wafV6().sort()).toEqual([...OPERATOR_V6, '2a0b:f4c2::1/128'].sort());
    expect(ourRuleAddresses(w).sort()).toEqual(['185.220.101.2/32', '185.220.101.2/32', '185.220.101.9/32', '185.220.101.9/32', '2a0b:f4c2::1/128', '2a0b:f4c2::1/128', '2a0b:f4c2::9/128', '2a0b:f4c2::9/128']);

    clock.now += 13 * HOUR;
    const report = await w.responder.sync({ prune: true });
    expect(report.outcomes.every((o) => o.ok)).toBe(true);
    expect(w.wafV4().sort()).toEqual([...OPERATOR_V4].sort());
    expect(w.wafV6().sort()).toEqual([...OPERATOR_V6].sort());
    expect(ourRuleAddresses(w)).toEqual([]);
    expectOperatorEntriesIntact(w);
    // And nothing is left that would call them ours.
    expect(await w.store.listBlockOwnership('alb')).toEqual([]);
    await w.store.close();
  });

  it('never removes an address an operator adds again after our unblock, on any later sync', async () => {
    const w = await world();
    await w.block('185.220.101.1');
    await w.unblock('185.220.101.1');
    expect(w.wafV4()).not.toContain('185.220.101.1/32');

    waf.editIpSet(w.v4, (list) => [...list, '185.220.101.1/32']);
    for (let i = 0; i < 3; i++) {
      clock.now += HOUR;
      await w.responder.sync({ prune: true });
      expect(w.wafV4()).toContain('185.220.101.1/32');
    }
    // Blocked again while it is the operator's: it is found there, and stays after this block ends too.
    await w.block('185.220.101.1');
    await w.unblock('185.220.101.1');
    await w.responder.sync();
    expect(w.wafV4()).toContain('185.220.101.1/32');
    expectOperatorEntriesIntact(w);
    await w.store.close();
  });

  it('heals a hand edit that took out one of ours while its block stands, and still takes it out when it ends', async () => {
    const w = await world();
    await w.block('185.220.101.3');
    waf.editIpSet(w.v4, (list) => list.filter((c) => c !== '185.220.101.3/32'));
    nfw.editRuleGroup(w.group, (g) => {
      g.rules = g.rules.filter((r) => (r.Priority ?? 0) < 30_000 || (r.Priority ?? 0) >= 30_100);
    });
    await w.responder.sync();
    expect(w.wafV4()).toContain('185.220.101.3/32');
    expect(ourRuleAddresses(w)).toContain('185.220.101.3/32');

    await w.unblock('185.220.101.3');
    expect(w.wafV4()).not.toContain('185.220.101.3/32');
    expect(ourRuleAddresses(w)).toEqual([]);
    expectOperatorEntriesIntact(w);
    await w.store.close();
  });
});
