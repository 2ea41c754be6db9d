/**
 * One table, every way a block is made (issue 18): the pipeline (the Lambda's and the daemon's ingest), `backfill
 * --respond` (the same ingest with respond on, as runBackfill calls it), `block add --finding` (the CLI's body,
 * actions/blocks.ts), and a Slack Block IP click (the interaction worker the daemon runs after answering and the
 * Lambda runs from its queue) — over the same cases, against a Network Firewall stand-in reached by the real SDK
 * client. Each gate must come to the same verdict, for the same reason.
 *
 * The finding is judged as the store knows it now: "archived in the store" is a finding notified in two channels and
 * archived from one (a Slack Archive click in `sec`, through the archive gate, actions/archive.ts); the click comes
 * from the other channel, and the pipeline gets a copy of the finding that does not say archived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addBlock } from '../../src/actions/blocks.js';
import { parseConfig } from '../../src/config/load.js';
import { createInboxSink } from '../../src/deliver/inbox.js';
import type { Sink } from '../../src/deliver/sink.js';
import type { InteractionJob } from '../../src/interact/interaction-job.js';
import { blockActionDeps } from '../../src/pipeline/block-actions.js';
import { createInteractionRuntime } from '../../src/pipeline/interact-runtime.js';
import { createRuntime, type Runtime } from '../../src/pipeline/runtime.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import type { BlockTarget } from '../../src/respond/targets/target.js';
import { createMemoryStore } from '../support/memory-store.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { attackEvent } from '../respond/events.js';
import { networkFirewallClient, noSleep } from '../respond/helpers.js';

const T0 = Date.parse('2024-05-01T12:30:00.000Z');
const FOREIGN_RULE = { Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } };
/** The instance's own public address in attackEvent's finding (networkInterfaces[0].publicIp). */
const OWN_PUBLIC_IP = '54.240.196.186';

let nfw: NetworkFirewallStandin;
beforeAll(async () => {
  nfw = await startNetworkFirewallStandin();
});
afterAll(async () => {
  await nfw.close();
});

type Gate = 'pipeline' | 'backfill --respond' | 'block add' | 'Slack Block IP';
const GATES: readonly Gate[] = ['pipeline', 'backfill --respond', 'block add', 'Slack Block IP'];

interface Verdict {
  readonly blocked: boolean;
  readonly reason?: string;
}

interface Case {
  readonly name: string;
  readonly ip: string;
  readonly sample?: boolean;
  /** Archived from the `sec` channel's message: the store's copy there says archived; the click is in `ops`. */
  readonly archivedInStore?: boolean;
  /** The rule group's capacity (default: room for many). */
  readonly capacity?: number;
  readonly expected: Verdict | Readonly<Record<Gate, Verdict>>;
}

const CASES: readonly Case[] = [
  { name: 'a sample finding', ip: '185.220.101.1', sample: true, expected: { blocked: false, reason: 'sample' } },
  { name: 'a finding archived in the store (from another channel)', ip: '185.220.101.2', archivedInStore: true, expected: { blocked: false, reason: 'archived' } },
  { name: 'an allow-listed address', ip: '185.220.100.7', expected: { blocked: false, reason: 'allow-list' } },
  // The rule group holds the foreign rule and nothing more: no room for one block.
  { name: 'a target at capacity', ip: '185.220.101.4', capacity: 1, expected: { blocked: false, reason: 'cap' } },
  {
    name: "the resource's own address",
    ip: OWN_PUBLIC_IP,
    // Never blocked anywhere. The finding never names it as a remote address (the parser leaves the resource's own
    // addresses out), so the pipeline plans nothing for it and its Slack message has nothing to block; `block add`
    // names it explicitly and is refused for what it is.
    expected: {
      pipeline: { blocked: false, reason: 'not-a-remote-address' },
      'backfill --respond': { blocked: false, reason: 'not-a-remote-address' },
      'block add': { blocked: false, reason: 'own-address' },
      'Slack Block IP': { blocked: false, reason: 'no-blockable-address' },
    },
  },
  { name: 'an ordinary attacker (the control)', ip: '185.220.101.6', expected: { blocked: true } },
];

let seq = 0;

/** A fresh notifier (memory store, inbox sinks, the stand-in rule group) with the finding notified in `sec` and `ops`. */
async function world(c: Case) {
  seq += 1;
  const groupArn = nfw.createRuleGroup({ name: `gate-${seq}`, capacity: c.capacity ?? 1_000, rules: [FOREIGN_RULE] });
  const config = parseConfig(
    {
      destinations: [
        { name: 'sec', type: 'slack-webhook', url: 'https://hooks.slack.com/services/T000/B000/SEC' },
        { name: 'ops', type: 'slack-webhook', url: 'https://hooks.slack.com/services/T000/B000/OPS' },
      ],
      routes: [{ match: {}, to: ['sec', 'ops'] }],
      interact: { signingSecret: 'not-used-here', allow: { acknowledge: ['*'], archive: ['*'], mute: ['*'], block: ['*'] } },
      respond: {
        mode: 'enforce',
        allow: ['185.220.100.0/24'],
        targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30000 }],
        // Only severity 8 blocks: the setup's notification (severity 5) blocks nothing.
        rules: [{ name: 'attackers', match: { minSeverity: 7 }, for: '12h', targets: ['edge'] }],
      },
    },
    'test',
  );
  const store = createMemoryStore();
  const targets = new Map<string, BlockTarget>([
    ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: groupArn, priority: 30_000, client: networkFirewallClient(nfw.endpoint), sleep: noSleep, now: () => T0 })],
  ]);
  const sinks = new Map<string, Sink>(['sec', 'ops'].map((name) => [name, createInboxSink({ name })]));
  const runtime: Runtime = await createRuntime(config, { store, sinks, now: () => T0, respondTargets: targets });
  const id = `f${String(seq).padStart(31, '0')}`;
  const event = (severity: number) => attackEvent({ id, ip: c.ip, severity, ...(c.sample ? { sample: true } : {}) });
  // Notified in both channels: a snapshot of the finding in each.
  await runtime.pipeline.ingest([event(5)]);
  const archiveCalls: string[] = [];
  const w = { runtime, store, id, event, config, archiveCalls };
  if (c.archivedInStore) {
    expect(await clickArchive(w, 'sec'), 'archived from sec').toMatchObject({ result: 'done' });
    expect(archiveCalls).toEqual([id]);
  }
  // The daemon and the Lambda learn each target's room on their 5-minute sync; so does this world, once.
  await runtime.responder!.converge();
  const ours = () =>
    nfw
      .ruleGroup(groupArn)
      .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
      .flatMap((r) => r.RuleDefinition?.MatchAttributes?.Sources ?? [])
      .map((a) => a.AddressDefinition)
      .filter((a) => a !== '127.0.0.1/32');
  return { ...w, ours };
}

/** A Slack Archive click in `destination`, run by the worker as the daemon and the Lambda do; GuardDuty is a recorder. */
async function clickArchive(w: { runtime: Runtime; store: ReturnType<typeof createMemoryStore>; id: string; config: Runtime['config']; archiveCalls: string[] }, destination: string) {
  const interaction = await createInteractionRuntime({
    config: { ...w.config, interact: w.config.interact! },
    store: w.store,
    responder: w.runtime.responder!,
    guardDutyClientFor: () => {
      throw new Error('no GuardDuty client in this test: the archiver below stands in');
    },
    archiver: {
      archive: async (location) => {
        w.archiveCalls.push(location.findingId);
        return { detectorId: location.detectorId };
      },
    },
    workerOnly: true,
    slack: null,
    responseUrl: { ephemeral: async () => undefined, replace: async () => undefined },
    now: () => T0,
  });
  return interaction.worker.run({
    v: 1,
    id: `archive-${destination}-${w.id}`,
    receivedAt: T0,
    user: { id: 'U012DANA', name: 'dana' },
    action: { name: 'archive', ref: { d: destination, f: w.id } },
    decision: { allowed: true, via: 'user' },
    container: { isEphemeral: false },
  });
}

type World = Awaited<ReturnType<typeof world>>;

/** What the pipeline's ingest decided for the address (the Lambda's and the daemon's, and backfill's with respond on). */
async function viaIngest(w: World, ip: string, options: { respond?: boolean } = {}): Promise<Verdict> {
  const result = await w.runtime.pipeline.ingest([w.event(8)], options);
  const intents = (result.respond?.intents ?? []).filter((i) => (i.kind === 'refuse' ? i.ip : i.record.ip) === ip);
  if (intents.length === 0) return { blocked: false, reason: 'not-a-remote-address' };
  const acting = intents.find((i) => i.kind !== 'refuse');
  if (acting !== undefined) return { blocked: w.ours().includes(`${ip}/32`) };
  const refusal = intents[0]!;
  return { blocked: false, ...(refusal.kind === 'refuse' ? { reason: refusal.reason } : {}) };
}

async function viaBlockAdd(w: World, ip: string): Promise<Verdict> {
  const outcome = await addBlock(blockActionDeps(w.runtime, () => T0)!, { ip, forMs: 3_600_000, reason: 'by hand', actor: 'alice', findingId: w.id });
  return outcome.blocked ? { blocked: w.ours().includes(`${ip}/32`) } : { blocked: false, ...(outcome.refusal === undefined ? {} : { reason: outcome.refusal.reason }) };
}

async function viaSlack(w: World, ip: string): Promise<Verdict> {
  const interaction = await createInteractionRuntime({
    config: { ...w.config, interact: w.config.interact! },
    store: w.store,
    responder: w.runtime.responder!,
    guardDutyClientFor: () => {
      throw new Error('no GuardDuty in this test');
    },
    workerOnly: true,
    slack: null,
    responseUrl: { ephemeral: async () => undefined, replace: async () => undefined },
    now: () => T0,
  });
  const job: InteractionJob = {
    v: 1,
    id: `job-${w.id}`,
    receivedAt: T0,
    user: { id: 'U034SAM', name: 'sam' },
    // Clicked in `ops`: the channel whose copy of the finding does not say archived.
    action: { name: 'block', ref: { d: 'ops', f: w.id, for: '1h' }, forMs: 3_600_000 },
    decision: { allowed: true, via: 'user' },
    container: { isEphemeral: false },
  };
  const result = await interaction.worker.run(job);
  if (result.result === 'done') return { blocked: w.ours().includes(`${ip}/32`) };
  return { blocked: false, ...(result.reason === undefined ? {} : { reason: result.reason }) };
}

describe('every block gate gives the same verdict for the same reason', { timeout: 60_000 }, () => {
  it.each(CASES)('$name', async (c) => {
    const verdicts = {} as Record<Gate, Verdict>;
    // A world per gate: each judges the same finding from the same state, not after another gate's block.
    for (const gate of GATES) {
      const w = await world(c);
      verdicts[gate] =
        gate === 'pipeline'
          ? await viaIngest(w, c.ip)
          : gate === 'backfill --respond'
            ? await viaIngest(w, c.ip, { respond: true })
            : gate === 'block add'
              ? await viaBlockAdd(w, c.ip)
              : await viaSlack(w, c.ip);
      if (!verdicts[gate].blocked) expect(w.ours(), `${gate}: nothing in the rule group`).toEqual([]);
      await w.runtime.close();
    }
    const expected = 'blocked' in c.expected ? Object.fromEntries(GATES.map((g) => [g, c.expected])) : c.expected;
    expect(verdicts).toEqual(expected);
  });
});

describe('the archive gate', { timeout: 60_000 }, () => {
  it('a finding archived from one channel: Archive clicked in the other says so and does not call GuardDuty again', async () => {
    const w = await world({ name: 'archived twice', ip: '185.220.101.7', archivedInStore: true, expected: { blocked: false } });
    const again = await clickArchive(w, 'ops');
    expect(again).toMatchObject({ result: 'refused', reason: 'already-archived', toldClicker: false });
    expect(w.archiveCalls, 'ArchiveFindings once, from sec').toEqual([w.id]);
    // Every stored copy says archived, and the act is one audit record per click.
    expect((await w.store.getSnapshot('ops', w.id))?.archived).toBe(true);
    expect((await w.store.getSnapshot('sec', w.id))?.archived).toBe(true);
    const audit = (await w.store.listAudit({ since: 0, limit: 10 })).filter((r) => r.action === 'archive');
    expect(audit.map((r) => [r.destination, r.result, r.reason])).toEqual(
      expect.arrayContaining([
        ['sec', 'done', undefined],
        ['ops', 'refused', 'already-archived'],
      ]),
    );
    expect(audit).toHaveLength(2);
    await w.runtime.close();
  });
});
