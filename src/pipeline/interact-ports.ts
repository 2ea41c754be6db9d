/**
 * The ports of src/interact/ (ports.ts, audit-record.ts, replay-guard.ts) on the notifier's real modules: the store's
 * snapshot, audit and replay groups, src/actions/mutes.ts (the body of `mute add|remove`) and src/actions/blocks.ts
 * (the body of `block add|remove`, respond's safety rules). A click therefore does exactly what the CLI does.
 */
import type { Config } from '../config/schema.js';
import { addBlock, removeBlock, type BlockActionDeps } from '../actions/blocks.js';
import { addMute, removeMuteMadeFrom } from '../actions/mutes.js';
import type { Finding } from '../finding/finding.js';
import type { BlockActions, BlockRefusal, FindingLookup, InteractionTarget, MuteActions } from '../interact/ports.js';
import type { ReplayGuard } from '../interact/replay-guard.js';
import { remoteIpsOf } from '../render/interactive-actions.js';
import type { TargetOutcome } from '../respond/targets/converge.js';
import { classifyAddress, createAllowList } from '../respond/ip-safety.js';
import type { InteractContext } from '../render/render-context.js';
import type { FindingSnapshot, LedgerStore, MuteStore, ReplayStore, SnapshotStore, Store } from '../state/store.js';

/** The destination types whose messages carry buttons: Slack ones (SNS, files and stdout have nowhere to click). */
const INTERACTIVE_TYPES = new Set(['slack-webhook', 'slack-api']);

/**
 * Per destination, what the renderer needs for the buttons (undefined: no buttons there): without `interact:` none;
 * Block IP only when `respond` has a target, and only for findings with an address respond's never-block check (and
 * the allow list) would let through — the click still goes through all of respond's rules.
 *
 * @example
 * const interactFor = interactContexts(config);
 * renderEnriched(enriched, { now, interact: interactFor('sec') });
 */
export function interactContexts(config: Pick<Config, 'interact' | 'respond' | 'destinations'>): (destination: string) => InteractContext | undefined {
  if (config.interact === undefined) return () => undefined;
  const interactive = new Set(config.destinations.filter((d) => INTERACTIVE_TYPES.has(d.type)).map((d) => d.name));
  const canBlock = (config.respond?.targets.length ?? 0) > 0;
  const allow = createAllowList(config.respond?.allow ?? []);
  const isBlockable = (ip: string): boolean => classifyAddress(ip, allow).blockable;
  const contexts = new Map<string, InteractContext>();
  for (const destination of interactive) contexts.set(destination, { destination, canBlock, ...(canBlock ? { isBlockable } : {}) });
  return (destination) => contexts.get(destination);
}

/** What the store keeps of a notified finding for its buttons (written in the commit of its message). */
export function snapshotOf(finding: Finding, destination: string, outboxId: string, at: number): FindingSnapshot {
  const snapshot: FindingSnapshot = {
    destination,
    findingId: finding.id,
    at,
    product: finding.product,
    type: finding.type,
    archived: finding.archived,
    sample: finding.sample,
    remoteIps: remoteIpsOf(finding),
    outboxId,
  };
  const own = [...(finding.action.ownAddresses ?? []), ...(finding.action.localIp === undefined ? [] : [finding.action.localIp])];
  if (own.length > 0) snapshot.ownIps = [...new Set(own)];
  if (finding.arn !== undefined) snapshot.arn = finding.arn;
  if (finding.region !== undefined) snapshot.region = finding.region;
  if (finding.accountId !== undefined) snapshot.accountId = finding.accountId;
  if (finding.resource.type !== undefined && finding.resource.type !== '') snapshot.resourceType = finding.resource.type;
  return snapshot;
}

/**
 * The finding a button names, from the store. For a slack-api destination the message is ours to chat.update (its
 * channel from the config, its ts from the outbox row, else the finding's thread); a webhook's has neither.
 *
 * @example
 * const lookup = createStoreFindingLookup({ store, config });
 * const target = await lookup.findTarget('sec', findingId);
 */
export function createStoreFindingLookup(options: { store: SnapshotStore & Pick<LedgerStore, 'getLedger'>; config: Pick<Config, 'destinations'> }): FindingLookup {
  const { store } = options;
  const destinations = new Map(options.config.destinations.map((d) => [d.name, d]));
  return {
    async findTarget(destination, findingId) {
      const snapshot = await store.getSnapshot(destination, findingId);
      if (snapshot === undefined) return undefined;
      const target: { -readonly [K in keyof InteractionTarget]: InteractionTarget[K] } = {
        destination,
        findingId,
        product: snapshot.product,
        type: snapshot.type,
        archived: snapshot.archived,
        sample: snapshot.sample,
        remoteIps: snapshot.remoteIps,
      };
      if (snapshot.arn !== undefined) target.arn = snapshot.arn;
      if (snapshot.region !== undefined) target.region = snapshot.region;
      if (snapshot.accountId !== undefined) target.accountId = snapshot.accountId;
      if (snapshot.detectorId !== undefined) target.detectorId = snapshot.detectorId;
      if (snapshot.resourceType !== undefined) target.resourceType = snapshot.resourceType;
      const config = destinations.get(destination);
      const slack: { channel?: string; ts?: string; message?: NonNullable<InteractionTarget['slack']>['message'] } = {};
      if (config?.type === 'slack-api') {
        slack.channel = config.channel;
        const ts = snapshot.sentTs ?? (await store.getLedger(destination, [findingId])).get(findingId)?.threadTs;
        if (ts !== undefined) slack.ts = ts;
      }
      if (snapshot.message !== undefined) slack.message = snapshot.message;
      if (Object.keys(slack).length > 0) target.slack = slack;
      return target;
    },
    saveMessage: (destination, findingId, message) => store.saveSnapshotMessage(destination, findingId, message),
  };
}

/**
 * The replay guard on the store (a conditional put with a TTL): shared by every Lambda container on one table and
 * kept across a daemon restart. A store that cannot answer makes the claim `unavailable`, and the request is refused.
 *
 * @example
 * const verifier = createSlackRequestVerifier({ signingSecret, replayGuard: createStoreReplayGuard(store) });
 */
export function createStoreReplayGuard(store: ReplayStore): ReplayGuard {
  return {
    async claim(key, expiresAt, now) {
      try {
        return (await store.claimOnce(key, expiresAt, now)) ? 'fresh' : 'replayed';
      } catch {
        return 'unavailable';
      }
    },
  };
}

/**
 * Mutes from a button: the rows `mute add` writes (actions/mutes.ts validates alike), under the id the job chose so
 * that a redelivered job replaces its own rule instead of adding a second one.
 */
export function createMuteActions(store: Pick<MuteStore, 'addMute' | 'removeMute' | 'listMutes'>): MuteActions {
  return {
    async addMute(request) {
      const rule = await addMute(
        store,
        { type: request.type, account: request.account, forMs: request.forMs, reason: request.reason },
        { now: request.now, createdBy: request.createdBy, newId: () => request.id, origin: { via: 'slack', ...request.origin } },
      );
      return { id: rule.id, expiresAt: rule.expiresAt };
    },
    removeMute: (id, origin, now) => removeMuteMadeFrom(store, id, origin, now),
  };
}

function writeErrorOf(outcomes: readonly TargetOutcome[] | undefined): string | undefined {
  const failed = (outcomes ?? []).flatMap((o) => (o.ok ? [] : [`${o.target}: ${o.error.failure} (${o.error.code ?? o.error.name})`]));
  return failed.length === 0 ? undefined : failed.join('; ');
}

/**
 * Block IP from a button: the block gate (`addBlock`, the body of `block add`) for each of the finding's remote
 * addresses, in every target, naming the finding — so the gate judges it as the store knows it now (sample, archived
 * in any channel), never as the button says. Undo is `block remove` of the blocks this finding holds.
 *
 * @example
 * const blocks = createBlockActions(blockActionDeps(runtime));
 */
export function createBlockActions(deps: BlockActionDeps & { store: Pick<Store, 'listBlocks'> }): BlockActions {
  return {
    async block(request) {
      const blocked: Array<{ ip: string; target: string; until: number }> = [];
      const pending: Array<{ ip: string; target: string; why: string }> = [];
      const refused: BlockRefusal[] = [];
      const alreadyListed: string[] = [];
      let dryRun = deps.respond.mode !== 'enforce';
      for (const ip of request.ips) {
        const outcome = await addBlock(deps, {
          ip,
          forMs: request.forMs,
          reason: request.reason,
          actor: request.by,
          findingId: request.findingId,
          // The clicked message says it itself (rewritten, and a line in its thread): the others hear it from respond.
          alreadyTold: [request.destination],
        });
        dryRun = outcome.dryRun;
        for (const t of outcome.perTarget) {
          if (t.record !== undefined && (t.verdict === 'enforced' || t.verdict === 'dry-run')) blocked.push({ ip: t.record.ip, target: t.target, until: t.record.until });
          if (t.record !== undefined && t.verdict === 'pending') pending.push({ ip: t.record.ip, target: t.target, why: t.detail ?? 'not written yet' });
        }
        // A second Block IP in dry-run: the address is already in the dry-run list, so it would be blocked — say that.
        const listed = outcome.dryRun && !outcome.blocked && outcome.perTarget.some((t) => t.reason === 'already-blocked' && t.detail === undefined);
        if (listed) alreadyListed.push(outcome.perTarget[0]?.record?.ip ?? ip);
        else if (!outcome.blocked && !outcome.pending) {
          const reason = outcome.refusal?.reason ?? 'refused';
          refused.push({ ip, reason, ...(outcome.refusal?.detail === undefined ? {} : { detail: outcome.refusal.detail }) });
        }
      }
      return { mode: dryRun ? 'dry-run' : 'enforce', blocked, pending, refused, ...(alreadyListed.length > 0 ? { alreadyListed } : {}) };
    },

    async unblock(request) {
      const standing = await deps.store.listBlocks({ standing: true });
      const removed: Array<{ ip: string; target: string }> = [];
      const errors: string[] = [];
      for (const ip of request.ips) {
        // Only the blocks this finding made: an address another finding (or a person) blocked stays blocked.
        const mine = standing.filter((r) => r.ip === ip && r.findingId === request.findingId);
        for (const target of new Set(mine.map((r) => r.target))) {
          const outcome = await removeBlock(deps, { ip, target, actor: request.by, alreadyTold: [request.destination] });
          for (const r of outcome.removed) removed.push({ ip: r.ip, target: r.target });
          const writeError = writeErrorOf(outcome.converge?.outcomes);
          if (writeError !== undefined) errors.push(writeError);
        }
      }
      return { removed, ...(errors.length > 0 ? { writeError: [...new Set(errors)].join('; ') } : {}) };
    },
  };
}
