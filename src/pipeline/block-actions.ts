import type { BlockActionDeps } from '../actions/blocks.js';
import { announceUnblock } from '../respond/announce.js';
import type { Announcement } from './responder.js';
import type { Runtime } from './runtime.js';

/**
 * The deps of actions/blocks.ts (`addBlock`, `removeBlock`) from a running notifier: its store, its `respond:`, and
 * its responder to converge the targets after a change and to announce an unblock where the block was announced.
 * The `block` commands and the Slack "Block IP" / "Unblock" actions both use this, so both act alike.
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
    async announceUnblocks(removed, at) {
      const announcements: Announcement[] = removed.flatMap((r) =>
        (r.announceTo ?? []).map((destination) => ({
          destination,
          lines: [announceUnblock(r, 'removed')],
          ...(r.findingId === undefined ? {} : { finding: { id: r.findingId, type: r.reason } }),
          idParts: ['unblock', r.target, r.cidr, String(r.since), String(at)],
        })),
      );
      const rows = responder.announcementRows(announcements, at);
      if (rows.length > 0) await store.commit({ ledger: [], outbox: rows, decisions: [] });
    },
  };
}
