import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOwnershipChange, type BlockOwnership } from '../../src/respond/block-ownership.js';
import { blockKey, expireBlocks, isInForce, type BlockRecord } from '../../src/respond/block-record.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import { isOurs } from '../../src/respond/targets/rule-group-layout.js';
import type { BlockTarget, DesiredBlocks } from '../../src/respond/targets/target.js';
import { createWafIpSetTarget } from '../../src/respond/targets/waf-ip-set.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { startWafv2Standin, type Wafv2Standin } from '../support/wafv2-standin.js';
import { seededRandom } from '../support/seeded-random.js';
import { HOUR, makeBlock, networkFirewallClient, T0, wafClient } from './helpers.js';

/**
 * Two reconcilers (two Lambda invocations, or the daemon and `block sync`) and a pruner work on one store and one
 * target at once, each committing rows and reconciling after its commit, while someone edits the target by hand.
 * When all have finished, the target holds exactly the store's rows in force plus everything foreign; after the
 * blocks expire, one prune leaves none of ours. The interleaving is shuffled by seeded delays inside the stand-in;
 * the verdict is about what the target holds, never about timing.
 */

interface Rows {
  commit(records: readonly BlockRecord[]): void;
  load(target: string): DesiredBlocks;
  inForce(target: string, now: number): Set<string>;
  all(): BlockRecord[];
}

/** The store's block rows: one per (target, cidr), never deleted; and, shared by every reconciler, the WAF ownership records. */
function createRows(): Rows {
  const rows = new Map<string, BlockRecord>();
  const owners = new Map<string, BlockOwnership>();
  return {
    commit(records) {
      for (const r of records) rows.set(blockKey(r), r);
    },
    load(target) {
      const mine = [...rows.values()].filter((r) => r.target === target);
      return {
        blocks: mine,
        ownership: {
          records: [...owners.values()].filter((o) => o.target === target),
          change: async (changes) => changes.map((c) => applyOwnershipChange(owners, c)),
        },
      };
    },
    inForce(target, now) {
      return new Set([...rows.values()].filter((r) => r.target === target && isInForce(r, now)).map((r) => r.cidr));
    },
    all: () => [...rows.values()],
  };
}

interface Harness {
  name: string;
  target(): BlockTarget;
  /** Ours as the target holds them now. */
  ours(): Promise<Set<string>>;
  /** Something only a person would add (a foreign rule / address); returns a check that it is still there. */
  handEdit(): () => void;
  family: 4 | 6;
  setHook(hook: (() => Promise<void>) | undefined): void;
}

const clock = { now: T0 };
const backoff = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 3)));

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

function networkFirewallHarness(): Harness {
  const arn = nfw.createRuleGroup({
    name: `converge-${Math.floor(Math.random() * 1e9)}`,
    capacity: 5_000,
    rules: [{ Priority: 5, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } }],
  });
  let n = 0;
  return {
    name: 'network-firewall',
    family: 4,
    target: () => {
      const client = networkFirewallClient(nfw.endpoint);
      return createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: arn, priority: 30_000, client, now: () => clock.now, maxConflictRetries: 30, sleep: backoff });
    },
    async ours() {
      const rules = nfw.ruleGroup(arn).rules.filter((r) => isOurs(r as never, 30_000));
      return new Set(rules.flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])].map((a) => a.AddressDefinition ?? '')).filter((c) => c !== '127.0.0.1/32'));
    },
    handEdit() {
      n += 1;
      const priority = 100 + n;
      nfw.editRuleGroup(arn, (g) => g.rules.push({ Priority: priority, RuleDefinition: { MatchAttributes: { Destinations: [{ AddressDefinition: '198.51.100.0/24' }] }, Actions: ['aws:drop'] } }));
      return () => expect(nfw.ruleGroup(arn).rules.some((r) => r.Priority === priority)).toBe(true);
    },
    setHook(hook) {
      nfw.onRequest(hook ? () => hook() : undefined);
    },
  };
}

function wafHarness(): Harness {
  const arn = waf.createIpSet({ name: `converge-${Math.floor(Math.random() * 1e9)}`, version: 'IPV4', addresses: ['198.51.100.0/24'] });
  let n = 0;
  return {
    name: 'waf-ip-set',
    family: 4,
    target: () => createWafIpSetTarget({ name: 'edge', ipv4SetArn: arn, client: wafClient(waf.endpoint), now: () => clock.now, maxConflictRetries: 30, sleep: backoff }),
    async ours() {
      return new Set(waf.ipSet(arn).addresses.filter((a) => !a.startsWith('198.51.100.') && !a.startsWith('203.0.113.')));
    },
    handEdit() {
      n += 1;
      const foreign = `203.0.113.${n}/32`;
      waf.editIpSet(arn, (list) => [...list, foreign]);
      return () => expect(waf.ipSet(arn).addresses).toContain(foreign);
    },
    setHook(hook) {
      waf.onRequest(hook ? () => hook() : undefined);
    },
  };
}

describe.each([
  ['network-firewall', networkFirewallHarness],
  ['waf-ip-set', wafHarness],
] as const)('%s: concurrent reconcilers and a pruner', (_, makeHarness) => {
  it.each([7, 99])('converge on the store’s rows in force, losing no foreign change (seed %i)', async (seed) => {
    clock.now = T0;
    const h = makeHarness();
    const rows = createRows();
    const random = seededRandom(seed);
    h.setHook(() => new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 3))));
    const checks: Array<() => void> = [];
    let ip = 0;
    const newRows = (count: number, lifetime: number): BlockRecord[] =>
      Array.from({ length: count }, () => {
        ip += 1;
        return makeBlock({ ip: `11.${seed}.${ip >> 8}.${ip & 0xff}`, since: clock.now, until: clock.now + lifetime, updatedAt: clock.now });
      });

    const reconciler = async (worker: number) => {
      const target = h.target();
      for (let i = 0; i < 12; i += 1) {
        // Each reconciler's first rows outlive the pruner's six hours, so some of ours are in force at the end whatever
        // the interleaving; the others last 1–4 h and expire along the way.
        const lifetime = i === 0 ? 12 * HOUR : (1 + Math.floor(random() * 4)) * HOUR;
        rows.commit(newRows(1 + Math.floor(random() * 3), lifetime));
        if (worker === 0 && i === 6) checks.push(h.handEdit());
        await target.reconcile(() => rows.load('edge'));
      }
    };
    const pruner = async () => {
      const target = h.target();
      for (let i = 0; i < 6; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 4)));
        clock.now += HOUR;
        rows.commit(expireBlocks(rows.all(), clock.now));
        await target.reconcile(() => rows.load('edge'));
      }
    };
    await Promise.all([reconciler(0), reconciler(1), pruner()]);
    h.setHook(undefined);

    expect(await h.ours()).toEqual(rows.inForce('edge', clock.now));
    expect(rows.inForce('edge', clock.now).size).toBeGreaterThan(0);
    for (const check of checks) check();

    // After expiry, one prune leaves none of ours and everything foreign.
    clock.now += 24 * HOUR;
    rows.commit(expireBlocks(rows.all(), clock.now));
    const result = await h.target().reconcile(() => rows.load('edge'));
    expect(result.inForce).toBe(0);
    expect(await h.ours()).toEqual(new Set());
    for (const check of checks) check();
  });
});
