/**
 * Acting from Slack on the daemon, end to end: GuardDuty findings polled from the GuardDuty stand-in, posted by the
 * real slack-api sink into the Slack stand-in, clicked there (the stand-in builds and signs the block_actions request
 * from the message's own buttons, as Slack does), received on the daemon's listener at POST /slack/actions, and
 * carried out against the real SQLite store, GuardDuty (ArchiveFindings) and Network Firewall (UpdateRuleGroup)
 * stand-ins through the real SDK clients. Assertions are about what was done and said, never how fast.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { runDaemon } from '../../src/daemon/run-daemon.js';
import { createSqliteStore } from '../../src/state/sqlite-store.js';
import type { AuditRecord } from '../../src/state/store.js';
import { createNetworkFirewallTarget } from '../../src/respond/targets/network-firewall.js';
import type { BlockTarget } from '../../src/respond/targets/target.js';
import { PLACEHOLDER_DESTINATION } from '../../src/respond/targets/rule-group-layout.js';
import { DUMMY_CREDENTIALS, fastAdaptiveRetry, startGuardDutyStandin, type GuardDutyStandin } from '../support/guardduty-standin.js';
import { startSlackStandin, type ReceivedMessage, type SlackStandin } from '../support/slack-standin.js';
import { startNetworkFirewallStandin, type NetworkFirewallStandin } from '../support/network-firewall-standin.js';
import { networkFirewallClient, noSleep } from '../respond/helpers.js';
import { captureLogger, tempDir, waitUntil as waitUntilWithin } from './helpers.js';

// Each wait is on an event (a message, an audit record): bounded generously, as a spawn-free daemon on a busy shared
// machine can still take seconds per step; it returns as soon as the event is there.
const waitUntil = (what: string, predicate: () => boolean | Promise<boolean>): Promise<void> => waitUntilWithin(what, predicate, 60_000);

const SECRET = 'daemon-e2e-signing-secret';
const CHANNEL = 'C0SECOPS';
const REGION = 'eu-west-1';
const ATTACKER = '185.220.101.1';
const DANA = { id: 'U012DANA', name: 'dana' };
const SAM = { id: 'U034SAM', name: 'sam' };
const EVE = { id: 'U099EVE', name: 'eve' };

let gd: GuardDutyStandin;
let slack: SlackStandin;
let nfw: NetworkFirewallStandin;

beforeAll(async () => {
  [gd, slack, nfw] = await Promise.all([
    startGuardDutyStandin(),
    startSlackStandin({ channelRate: false, webhookRate: false, signingSecret: SECRET }),
    startNetworkFirewallStandin(),
  ]);
});
afterAll(async () => {
  await Promise.all([gd.close(), slack.close(), nfw.close()]);
});

interface Daemon {
  stop(): Promise<void>;
  statePath: string;
  groupArn: string;
  detectorId: string;
  logger: ReturnType<typeof captureLogger>;
  /** Our addresses in the rule group now. */
  blocked(): string[];
  audit(): Promise<AuditRecord[]>;
}

let daemon: Daemon;
let dir: ReturnType<typeof tempDir>;
let seq = 0;

async function startDaemon(options: { mode?: 'enforce' | 'dry-run'; pollListen?: string; interactListen?: string } = {}): Promise<Daemon> {
  seq += 1;
  const region = `${REGION}-a${seq}`;
  const detectorId = gd.addDetector(region);
  const groupArn = nfw.createRuleGroup({ name: `slack-e2e-${seq}`, capacity: 1_000, rules: [{ Priority: 10, RuleDefinition: { MatchAttributes: { Sources: [{ AddressDefinition: '10.0.0.0/8' }] }, Actions: ['aws:pass'] } }] });
  const statePath = join(dir.path, 'state.db');
  const config = parseConfig(
    {
      state: { sqlite: statePath },
      destinations: [{ name: 'sec', type: 'slack-api', token: slack.token, channel: CHANNEL, apiUrl: slack.apiUrl, rate: { perSecond: 100, burst: 100 } }],
      poll: { regions: [region], interval: '100ms', listen: options.pollListen ?? '127.0.0.1:0' },
      respond: { mode: options.mode ?? 'enforce', targets: [{ name: 'edge', type: 'network-firewall', ruleGroupArn: groupArn, priority: 30_000 }] },
      interact: {
        signingSecret: { env: 'TEST_SLACK_SIGNING_SECRET' },
        apiUrl: slack.apiUrl,
        allow: { acknowledge: ['*'], archive: ['S0SECOPS'], mute: ['S0SECOPS'], block: [SAM.id] },
        ...(options.interactListen === undefined ? {} : { listen: options.interactListen }),
      },
    },
    'test config',
  );
  const targets = new Map<string, BlockTarget>([
    ['edge', createNetworkFirewallTarget({ name: 'edge', ruleGroupArn: groupArn, priority: 30_000, client: networkFirewallClient(nfw.endpoint), sleep: noSleep })],
  ]);
  const controller = new AbortController();
  const logger = captureLogger();
  let ready: (url: string) => void = () => {};
  const isReady = new Promise<string>((resolve) => (ready = resolve));
  const done = runDaemon({
    config,
    logger,
    signal: controller.signal,
    env: { TEST_SLACK_SIGNING_SECRET: SECRET },
    runtimeOptions: { respondTargets: targets },
    clientOptions: { endpoint: gd.endpoint, credentials: DUMMY_CREDENTIALS, retryStrategy: fastAdaptiveRetry(2) },
    shutdownDrainMs: 2_000,
    onReady: (info) => ready(info.url ?? ''),
  });
  const url = await Promise.race([isReady, done.then((r) => Promise.reject(new Error(`daemon ended: ${JSON.stringify(r)}`)))]);
  // With interact.listen of its own, the actions listener says where it is.
  const own = logger.lines.find((l) => l.message === 'Slack actions listening')?.fields?.url;
  slack.setInteractionUrl(typeof own === 'string' ? own : `${url}/slack/actions`);
  return {
    statePath,
    groupArn,
    detectorId: `${region}|${detectorId}`,
    logger,
    async stop() {
      controller.abort();
      await done;
    },
    blocked: () =>
      nfw
        .ruleGroup(groupArn)
        .rules.filter((r) => (r.Priority ?? 0) >= 30_000 && (r.Priority ?? 0) < 30_100)
        .flatMap((r) => [...(r.RuleDefinition?.MatchAttributes?.Sources ?? []), ...(r.RuleDefinition?.MatchAttributes?.Destinations ?? [])].map((a) => a.AddressDefinition ?? ''))
        .filter((c) => c !== PLACEHOLDER_DESTINATION),
    // A second connection to the state file, as `audit` would open it.
    async audit() {
      const store = createSqliteStore({ path: statePath });
      try {
        return await store.listAudit({ since: 0 });
      } finally {
        await store.close();
      }
    },
  };
}

beforeEach(async () => {
  dir = tempDir('gdn-slack-actions-');
  slack.reset();
  slack.setUserGroup('S0SECOPS', [DANA.id, SAM.id]);
  daemon = await startDaemon();
});
afterEach(async () => {
  await daemon.stop();
  dir.remove();
  gd.clearFaults();
  nfw.clearFaults();
});

/** Puts a finding in GuardDuty and waits until its message is in Slack. */
async function findingMessage(input: { type?: string; remoteIp?: string } = {}): Promise<{ message: ReceivedMessage; id: string; region: string; detector: string }> {
  const [region, detector] = daemon.detectorId.split('|') as [string, string];
  const wire = gd.putFinding(region, detector, { type: input.type ?? 'UnauthorizedAccess:EC2/SSHBruteForce', remoteIp: input.remoteIp ?? ATTACKER, severity: 8 });
  let message: ReceivedMessage | undefined;
  await waitUntil('the finding message in Slack', () => {
    message = slack.received.find((m) => m.threadTs === undefined && JSON.stringify(m.body).includes(wire.id));
    return message !== undefined;
  });
  return { message: message!, id: wire.id, region, detector };
}

const updatesOf = (message: ReceivedMessage) => slack.updates.filter((u) => u.ts === message.ts);
const lastTextOf = (message: ReceivedMessage): string => JSON.stringify(updatesOf(message).at(-1)?.body ?? {});
const ephemeralTo = (userId: string) => slack.responsePosts.filter((p) => p.outcome === 'ephemeral' && p.visibleTo === userId);
const threadLines = (message: ReceivedMessage) => slack.received.filter((m) => m.threadTs === message.ts && JSON.stringify(m.body).includes('<@'));

async function auditOf(action: string, count = 1): Promise<AuditRecord[]> {
  let records: AuditRecord[] = [];
  await waitUntil(`${count} audit record(s) of ${action}`, async () => {
    records = (await daemon.audit()).filter((r) => r.action === action);
    return records.length >= count;
  });
  return records;
}

describe('Slack actions on the daemon (POST /slack/actions on its listener)', { timeout: 120_000 }, () => {
  it('renders the buttons: Acknowledge, Archive, Block IP, Mute similar', async () => {
    const { message } = await findingMessage();
    const ids = JSON.stringify(message.body);
    for (const id of ['gdn.acknowledge', 'gdn.archive', 'gdn.block', 'gdn.mute']) expect(ids).toContain(id);
    // A finding whose only remote address is a documentation one gets no Block IP menu: respond would refuse it.
    const { message: doc } = await findingMessage({ remoteIp: '198.51.100.7', type: 'Recon:EC2/PortProbeUnprotectedPort' });
    expect(JSON.stringify(doc.body)).not.toContain('gdn.block');
  });

  it('Acknowledge: anyone; the message says who and when, the thread gets the audit line, audit records it', async () => {
    const { message, id } = await findingMessage();
    const answer = await slack.click(message, 'gdn.acknowledge', { user: EVE });
    expect(answer.status).toBe(200);
    const [record] = await auditOf('acknowledge');
    expect(record).toMatchObject({ actor: `slack:${EVE.id}`, actorName: 'eve', via: 'slack', result: 'done', destination: 'sec', findingId: id });
    await waitUntil('the message updated', () => updatesOf(message).length > 0);
    expect(updatesOf(message)[0]?.via).toBe('chat.update');
    expect(lastTextOf(message)).toContain(`Acknowledged by <@${EVE.id}>`);
    await waitUntil('the thread line', () => threadLines(message).length > 0);
  });

  it("Archive: ArchiveFindings in the finding's region with its detector, by a user-group member", async () => {
    const { message, id, region, detector } = await findingMessage();
    await slack.click(message, 'gdn.archive', { user: DANA });
    const [record] = await auditOf('archive');
    expect(record).toMatchObject({ result: 'done', actor: `slack:${DANA.id}`, findingId: id });
    expect(gd.finding(region, detector, id)?.service.archived).toBe(true);
    await waitUntil('the message updated', () => lastTextOf(message).includes('Archived by'));
    // The buttons gave way to the outcome: no Archive button any more.
    expect(lastTextOf(message)).not.toContain('gdn.archive');
  });

  it('Block IP 12 h: the rule group holds the address; Undo takes it out again', async () => {
    const { message } = await findingMessage();
    await slack.click(message, 'gdn.block', { user: SAM, option: '12 h' });
    const [record] = await auditOf('block');
    expect(record).toMatchObject({ result: 'done', ips: [ATTACKER], forMs: 12 * 3_600_000, actor: `slack:${SAM.id}` });
    expect(daemon.blocked()).toContain(`${ATTACKER}/32`);
    await waitUntil('the message says blocked', () => lastTextOf(message).includes('Blocked'));
    expect(lastTextOf(message)).toContain('gdn.undo-block');

    // The next click starts from the updated message, as Slack holds it now.
    const updated = { ...message, body: updatesOf(message).at(-1)!.body };
    await slack.click(updated, 'gdn.undo-block', { user: SAM });
    const [undo] = await auditOf('unblock');
    expect(undo).toMatchObject({ result: 'done', ips: [ATTACKER] });
    expect(daemon.blocked()).not.toContain(`${ATTACKER}/32`);
  });

  it('in respond dry-run, Block IP says "Would block" and writes nothing to the firewall', async () => {
    await daemon.stop();
    daemon = await startDaemon({ mode: 'dry-run' });
    const { message } = await findingMessage();
    await slack.click(message, 'gdn.block', { user: SAM, option: '24 h' });
    const [record] = await auditOf('block');
    expect(record).toMatchObject({ result: 'dry-run', ips: [ATTACKER], forMs: 24 * 3_600_000 });
    await waitUntil('the message says would block', () => lastTextOf(message).includes('Would block'));
    expect(daemon.blocked()).toEqual([]);
    expect(nfw.calls.filter((c) => c.operation === 'UpdateRuleGroup' && JSON.stringify(c.body ?? {}).includes(daemon.groupArn))).toEqual([]);
  });

  it('serves POST /slack/actions on interact.listen, a listener of its own, when poll.listen is off', async () => {
    await daemon.stop();
    // interact.listen takes a real port (1–65535): a free one, found by listening on 0 for a moment.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    daemon = await startDaemon({ pollListen: 'off', interactListen: `127.0.0.1:${port}` });
    const own = daemon.logger.lines.find((l) => l.message === 'Slack actions listening')?.fields?.url;
    expect(own).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/actions$/);
    const { message } = await findingMessage();
    expect((await slack.click(message, 'gdn.acknowledge', { user: EVE })).status).toBe(200);
    await auditOf('acknowledge');
    // Only that path: nothing else is served there.
    expect((await fetch(String(own).replace('/slack/actions', '/healthz'))).status).toBe(404);
  });

  it('Mute similar 7 d: the same rule `mute add` writes (this type, this account), and it mutes the next one', async () => {
    const { message } = await findingMessage({ type: 'Backdoor:EC2/C&CActivity.B' });
    await slack.click(message, 'gdn.mute', { user: DANA, option: '7 d' });
    const [record] = await auditOf('mute');
    expect(record).toMatchObject({ result: 'done', findingType: 'Backdoor:EC2/C&CActivity.B', accountId: '123456789012', forMs: 7 * 86_400_000 });
    const store = createSqliteStore({ path: daemon.statePath });
    try {
      const rules = await store.listMutes(Date.now());
      expect(rules).toEqual([expect.objectContaining({ id: record!.muteId, type: 'Backdoor:EC2/C&CActivity.B', account: '123456789012', createdBy: `slack:${DANA.id}` })]);
    } finally {
      await store.close();
    }
    await waitUntil('the message says muted', () => lastTextOf(message).includes('Muted'));

    // The next finding of that type in that account is suppressed as muted, not sent.
    const [region, detector] = daemon.detectorId.split('|') as [string, string];
    const next = gd.putFinding(region, detector, { type: 'Backdoor:EC2/C&CActivity.B', remoteIp: ATTACKER, severity: 8 });
    await waitUntil('the next one decided', async () => {
      const reader = createSqliteStore({ path: daemon.statePath });
      try {
        return (await reader.recentDecisions(50)).some((d) => d.findingId === next.id && d.outcome === 'suppress' && d.reason.startsWith('muted'));
      } finally {
        await reader.close();
      }
    });
    expect(slack.received.some((m) => JSON.stringify(m.body).includes(next.id))).toBe(false);
  });

  it('refuses an unauthorised user: an ephemeral message to them only, nothing archived, the refusal audited', async () => {
    const { message, id, region, detector } = await findingMessage();
    const answer = await slack.click(message, 'gdn.archive', { user: EVE });
    expect(answer.status).toBe(200);
    const [record] = await auditOf('archive');
    expect(record).toMatchObject({ result: 'refused', reason: 'not-allowed', actor: `slack:${EVE.id}` });
    await waitUntil('the refusal reaches the clicker', () => ephemeralTo(EVE.id).length > 0);
    expect(gd.finding(region, detector, id)?.service.archived).toBe(false);
    expect(gd.calls.filter((c) => c.operation === 'ArchiveFindings' && c.region === region)).toHaveLength(0);
    expect(updatesOf(message)).toEqual([]);
  });

  it.each([
    ['a forged signature', { secret: 'not-the-signing-secret' }],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['a tampered body', { tamper: (body: string) => body.replace('U034SAM', 'U012DANA') }],
    ['no signature at all', { unsigned: true }],
  ])('answers 401 to %s and does nothing', async (_name, options) => {
    const { message } = await findingMessage();
    const answer = await slack.click(message, 'gdn.block', { user: SAM, option: '1 h', ...options });
    expect(answer.status).toBe(401);
    // Nothing done, nothing audited (an unsigned request is nobody's), and the log says why without the secret.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await daemon.audit()).toEqual([]);
    expect(daemon.blocked()).toEqual([]);
    const refused = daemon.logger.lines.filter((l) => l.message === 'Slack request refused');
    expect(refused.length).toBeGreaterThan(0);
    expect(JSON.stringify(daemon.logger.lines)).not.toContain(SECRET);
  });

  it('answers 401 to a replayed request: the same signed bytes again do nothing twice', async () => {
    const { message } = await findingMessage();
    const first = await slack.click(message, 'gdn.acknowledge', { user: DANA });
    expect(first.status).toBe(200);
    const again = await slack.send(first.request);
    expect(again.status).toBe(401);
    await auditOf('acknowledge');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await daemon.audit()).filter((r) => r.action === 'acknowledge')).toHaveLength(1);
    expect(daemon.logger.lines.some((l) => l.message === 'Slack request refused' && l.fields?.reason === 'replayed')).toBe(true);
  });

  it('refuses a button naming a finding the store does not hold: nothing archived, the clicker told', async () => {
    const { message, id, region, detector } = await findingMessage();
    // The same message, its buttons naming a finding this notifier never sent (another deployment's, or a forgery
    // of the value: Slack signs what it was given).
    const foreign = { ...message, body: JSON.parse(JSON.stringify(message.body).replaceAll(id, '0123456789abcdef0123456789abcdef')) as Record<string, unknown> };
    await slack.click(foreign, 'gdn.archive', { user: DANA });
    const [record] = await auditOf('archive');
    expect(record).toMatchObject({ result: 'refused', reason: 'not-found', findingId: '0123456789abcdef0123456789abcdef' });
    expect(gd.calls.filter((c) => c.operation === 'ArchiveFindings' && c.region === region)).toHaveLength(0);
    expect(gd.finding(region, detector, id)?.service.archived).toBe(false);
    await waitUntil('the clicker told', () => ephemeralTo(DANA.id).length > 0);
  });

  it('never says Blocked when the firewall write fails: "Blocking … (writing to edge)", the block kept pending, respond retries', async () => {
    const { message } = await findingMessage();
    nfw.injectFault({ kind: 'access-denied', operation: 'UpdateRuleGroup', times: 10 });
    await slack.click(message, 'gdn.block', { user: SAM, option: '1 h' });
    const [record] = await auditOf('block');
    expect(record).toMatchObject({ result: 'failed', reason: 'write-failed', ips: [ATTACKER] });
    expect(record?.detail).toMatch(/stored, not in force: .* access-denied/);
    expect(daemon.blocked()).toEqual([]);
    await waitUntil('the message says the block is being written', () => /Blocking .* \(writing to edge\) — could not block yet: access-denied/.test(lastTextOf(message)));
    expect(lastTextOf(message)).not.toMatch(/:no_entry: Blocked/);
  });
});
