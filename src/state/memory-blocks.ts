import { copyPlain } from './copy-plain.js';
import { isStanding, mergeBlockRecord, type BlockRecord } from '../respond/block-record.js';
import { applyOwnershipChange, type BlockOwnership } from '../respond/block-ownership.js';
import type { BlockStore } from './store.js';

/**
 * The blocks group of the in-memory store (memory-store.ts): the same merge as the durable stores, deep copies in and
 * out. Bounded like the rest of that store: past `maxRows`, ended rows go, oldest first (standing rows always stay).
 * Ownership records (src/respond/block-ownership.ts) are few: one per address in force on a WAF target.
 */

export interface MemoryBlocks {
  group: BlockStore;
  /** Merges rows synchronously (inside the memory store's all-or-nothing commit). */
  writeNow(rows: readonly BlockRecord[]): BlockRecord[];
}

const DEFAULT_MAX_ROWS = 10_000;

/**
 * @example
 * const blocks = createMemoryBlocks({ enter: async () => {} });
 * await blocks.group.putBlocks([row]);
 */
export function createMemoryBlocks(options: { enter: (method: string) => Promise<void>; maxRows?: number }): MemoryBlocks {
  const { enter } = options;
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const rows = new Map<string, BlockRecord>();
  const owners = new Map<string, BlockOwnership>();
  const clone = copyPlain;
  const key = (r: Pick<BlockRecord, 'target' | 'cidr'>) => `${r.target}\u0000${r.cidr}`;
  const order = (a: BlockRecord, b: BlockRecord) =>
    a.target < b.target ? -1 : a.target > b.target ? 1 : a.since - b.since || (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0);

  function trim(): void {
    if (rows.size <= maxRows) return;
    const ended = [...rows.entries()].filter(([, r]) => !isStanding(r)).sort((a, b) => a[1].updatedAt - b[1].updatedAt);
    for (const [k] of ended.slice(0, rows.size - maxRows)) rows.delete(k);
  }

  function writeNow(incoming: readonly BlockRecord[]): BlockRecord[] {
    const out: BlockRecord[] = [];
    for (const row of incoming) {
      const next = mergeBlockRecord(rows.get(key(row)), clone(row));
      rows.set(key(next), next);
      out.push(clone(next));
    }
    trim();
    return out;
  }

  const group: BlockStore = {
    async listBlocks(filter = {}) {
      await enter('listBlocks');
      return [...rows.values()]
        .filter((r) => (filter.target === undefined || r.target === filter.target) && (!filter.standing || isStanding(r)))
        .sort(order)
        .map(clone);
    },
    async listBlockOwnership(target) {
      await enter('listBlockOwnership');
      return [...owners.values()].filter((o) => o.target === target).sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0)).map(clone);
    },
    async changeBlockOwnership(changes) {
      await enter('changeBlockOwnership');
      return changes.map((c) => applyOwnershipChange(owners, clone(c)));
    },
    async newBlocksSince(since) {
      await enter('newBlocksSince');
      const counts = new Map<string, number>();
      for (const r of rows.values()) if (r.since >= since) counts.set(r.target, (counts.get(r.target) ?? 0) + 1);
      return counts;
    },
    async putBlocks(incoming) {
      await enter('putBlocks');
      return writeNow(incoming);
    },
  };
  return { group, writeNow };
}
