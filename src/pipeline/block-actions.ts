import type { BlockActionDeps, BlockAnnouncer, FindingKnowledge } from '../actions/blocks.js';
import type { Config } from '../config/schema.js';
import type { GroupedLines } from '../respond/announce.js';
import type { SnapshotStore, Store } from '../state/store.js';
import type { Announcement, Responder } from './responder.js';
import type { Runtime } from './runtime.js';

/**
 * The deps of actions/blocks.ts (`addBlock`, `removeBlock`) from a running notifier: its store, its `respond:`, and
 * its responder to converge the targets after a change and to announce blocks and unblocks the pipeline's way
 * (respond's own messages, committed outbox rows; a reply in the finding's thread on slack-api). The `block` commands
 * and the Slack "Block IP" / "Unblock" actions both use this, so both act alike.
 *
 * @example
 * const outcome = await addBlock(blockActionDeps(runtime), { ip, target: 'edge', forMs, reason, actor: 'U123' });
 */
export function blockActionDeps(runtime: Pick<Runtime, 'store' | 'responder' | 'config'>, now: () => number = Date.now): BlockActionDeps | undefined {
  const { store, responder } = runtime;
  const respond = runtime.config.respond;
  if (!respond || !responder) return undefined;
  return {
    store,
    respond,
    now,
    converge: (targets) => responder.converge({ only: targets }),
    measure: (targets) => responder.measure(targets),
    announce: createBlockAnnouncer({ store, responder, config: runtime.config }),
    findings: createStoreFindingKnowledge({ store, config: runtime.config }),
  };
}

/**
 * A finding as the store knows it now: every destination's copy of it (the snapshots kept for Slack actions), merged —
 * archived from one channel's message is archived for a Block IP clicked in another. Without `interact:` the store
 * keeps no copy: nothing is known, and only what the caller holds (the pipeline's finding) counts.
 *
 * @example
 * const known = await createStoreFindingKnowledge({ store, config }).knownFinding(findingId);
 * if (known?.archived) refuse('archived');
 */
export function createStoreFindingKnowledge(options: { store: Pick<SnapshotStore, 'getSnapshot'>; config: Pick<Config, 'destinations' | 'interact'> }): FindingKnowledge {
  const { store, config } = options;
  return {
    async knownFinding(findingId) {
      if (config.interact === undefined) return undefined;
      const copies = (await Promise.all(config.destinations.map((d) => store.getSnapshot(d.name, findingId)))).filter((c) => c !== undefined);
      if (copies.length === 0) return undefined;
      return {
        sample: copies.some((c) => c.sample),
        archived: copies.some((c) => c.archived),
        remoteIps: [...new Set(copies.flatMap((c) => c.remoteIps))],
        ownIps: [...new Set(copies.flatMap((c) => c.ownIps ?? []))],
        type: copies[0]!.type,
      };
    },
  };
}

/**
 * Where a person's block is announced: in every destination the finding it names was notified in (its ledger rows),
 * else where respond's news of a finding routed nowhere goes — the first destination, like the pipeline's respond step.
 *
 * @example
 * const announce = createBlockAnnouncer({ store, responder, config });
 * await announce.queue([{ destination: 'sec', lines: ['Unblocked 185.220.101.1 in edge by alice'], idParts: [] }], Date.now());
 */
export function createBlockAnnouncer(options: { store: Pick<Store, 'getLedger' | 'commit'>; responder: Pick<Responder, 'announcementRows'>; config: Pick<Config, 'destinations'> }): BlockAnnouncer {
  const { store, responder, config } = options;
  const fallback = config.destinations[0]?.name;
  return {
    async destinationsFor(findingId) {
      const notified: string[] = [];
      if (findingId !== undefined) {
        for (const d of config.destinations) {
          if ((await store.getLedger(d.name, [findingId])).has(findingId)) notified.push(d.name);
        }
      }
      return notified.length > 0 ? notified : fallback === undefined ? [] : [fallback];
    },
    async queue(messages: readonly GroupedLines[], at) {
      const announcements: Announcement[] = messages.map((m) => ({
        destination: m.destination,
        lines: m.lines,
        ...(m.finding === undefined ? {} : { finding: m.finding }),
        idParts: m.idParts,
      }));
      const rows = responder.announcementRows(announcements, at);
      if (rows.length > 0) await store.commit({ ledger: [], outbox: rows, decisions: [] });
      return rows.length;
    },
  };
}
