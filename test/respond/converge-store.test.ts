import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { createResponder, type Responder } from '../../src/pipeline/responder.js';
import { isInForce, type BlockRecord } from '../../src/respond/block-record.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import { createWafIpSetTarget } from '../../src/respond/targets/waf-ip-set.js';
import type { BlockTarget } from '../../src/respond/targets/target.js';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import type { Store } from '../../src/state/store.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { seededRandom } from '../support/seeded-random.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { HOUR, makeBlock, networkFirewallClient, T0, wafClient } from './helpers.js';

/**
 * The property of converge.test.ts on the real thing: two processes (the daemon and `block add`, or two Lambda
 * invocations) on one SQLite state file — two connections — each with its own responder and SDK clients, committing
 * blocks and converging, while a third prunes, and someone edits the targets by hand. The stand-ins shuffle the
 * interleaving with seeded delays. When all is done, each target holds exactly the store's blocks in force plus every
 * foreign rule and address; after expiry one prune leaves none of ours.
 */

let nfw: NetworkFirewallStandin;
let waf: Wafv2Standin;
let dir: string;
const clock = { now: T0 };
const backoff = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 3)));

beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
  waf = await startWafv2Standin();
  dir = mkdtempSync(join(tmpdir(), 'gdn-converge-store-'));
});
afterAll(async () => {
  await nfw.close();
  await waf.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two processes and a pruner on one state file converge both targets', () => {
  it.each([3, 41])('to the rows in force, keeping every foreign change (seed %i)', async (seed) => {
    clock.now = T0;
    const random = seededRandom(seed);
    const delay = () => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(random() * 3)));
    nfw.onRequest(delay);
    waf.onRequest(delay);
    const groupArn = nfw.createRuleGroup({
      name: `store-${seed}`,
      capacity: 5_000,
      rules: [{ Priority: 5, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } }],
    });
    const setArn = waf.createIpSet({ name: `store-${seed}`, version: 'IPV4', addresses: ['198.51.100.0/24'] });
    const config = parseConfig(
      {
        destinations: [{ name: 'sec', type: 'stdout' }],
        state: { sqlite: join(dir, `state-${seed}.db`) },
        respond: {
          mode: 'enforce',
          targets: [
            { name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30_000 },
            { name: 'alb', type: 'waf-ip-set', ipv4SetArn: setArn },
          ],
        },
      },
      'test',
    );
    const respond = config.respond!;
    const processes: Array<{ store: Store; responder: Responder }> = [];
    const open = () => {
      const store = createSqliteStore({ path: join(dir, `state-${seed}.db`), now: () => clock.now });
      const targets = new Map<string, BlockTarget>([
        ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: groupArn, priority: 30_000, client: networkFirewallClient(nfw.endpoint), now: () => clock.now, maxConflictRetries: 30, sleep: backoff })],
        ['alb', createWafIpSetTarget({ name: 'alb', ipv4SetArn: setArn, client: wafClient(waf.endpoint), now: () => clock.now, maxConflictRetries: 30, sleep: backoff })],
      ]);
      const p = { store, responder: createResponder({ config: { ...config, respond }, store, logger: silentLogger, now: () => clock.now, targets }) };
      processes.push(p);
      return p;
    };
    const [a, b, pruner] = [open(), open(), open()];

    let ip = 0;
    const newRows = (count: number): BlockRecord[] =>
      Array.from({ length: count }, () => {
        ip += 1;
        const lifetime = (1 + Math.floor(random() * 4)) * HOUR;
        const address = `11.${seed}.${ip >> 8}.${ip & 0xff}`;
        return [makeBlock({ ip: address, since: clock.now, until: clock.now + lifetime, updatedAt: clock.now }), makeBlock({ ip: address, target: 'alb', direction: 'source', since: clock.now, until: clock.now + lifetime, updatedAt: clock.now })];
      }).flat();

    let edited = false;
    const worker = async (p: { store: Store; responder: Responder }, first: boolean) => {
      for (let i = 0; i < 8; i += 1) {
        await p.store.commit({ ledger: [], outbox: [], decisions: [], blocks: newRows(1 + Math.floor(random() * 2)) });
        if (first && i === 4 && !edited) {
          edited = true;
          nfw.editRuleGroup(groupArn, (g) => g.rules.push({ Priority: 101, RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: '198.51.100.0/24' }] }, Actions: ['aws:drop'] } }));
          waf.editIpSet(setArn, (list) => [...list, '203.0.113.7/32']);
        }
        const report = await p.responder.converge();
        expect(report.outcomes.every((o) => o.ok)).toBe(true);
      }
    };
    const prune = async () => {
      for (let i = 0; i < 4; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 4)));
        clock.now += HOUR;
        await pruner.responder.sync({ prune: true });
      }
    };
    await Promise.all([worker(a, true), worker(b, false), prune()]);
    nfw.onRequest(undefined);
    waf.onRequest(undefined);

    const ruleGroupOurs = () =>
      new Set(
        nfw
          .ruleGroup(groupArn)
          .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
          .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])].map((x) => x.AddressDefinition ?? ''))
          .filter((c) => c !== '127.0.0.1/32'),
      );
    const edgeRows = new Set((await pruner.store.listBlocks({ target: 'edge' })).filter((r) => isInForce(r, clock.now)).map((r) => r.cidr));
    const albRows = new Set((await pruner.store.listBlocks({ target: 'alb' })).filter((r) => isInForce(r, clock.now)).map((r) => r.cidr));
    expect(edgeRows.size).toBeGreaterThan(0);
    expect(ruleGroupOurs()).toEqual(edgeRows);
    expect(new Set(waf.ipSet(setArn).addresses.filter((x) => x.startsWith('11.')))).toEqual(albRows);
    // Foreign changes survived every write.
    expect(nfw.ruleGroup(groupArn).rules.some((r) => r.Priority === 5)).toBe(true);
    expect(nfw.ruleGroup(groupArn).rules.some((r) => r.Priority === 101)).toBe(true);
    expect(waf.ipSet(setArn).addresses).toEqual(expect.arrayContaining(['198.51.100.0/24', '203.0.113.7/32']));

    // After expiry, one prune (the schedule) leaves none of ours and everything foreign.
    clock.now += 10 * HOUR;
    const report = await pruner.responder.sync({ prune: true });
    expect(report.outcomes.every((o) => o.ok)).toBe(true);
    expect(ruleGroupOurs()).toEqual(new Set());
    expect(waf.ipSet(setArn).addresses.sort()).toEqual(['198.51.100.0/24', '203.0.113.7/32']);
    expect(await pruner.store.listBlocks({ standing: true })).toEqual([]);
    for (const p of processes) await p.store.close();
  });
});
