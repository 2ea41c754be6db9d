import type { Acknowledgement, EscalationRow, OnCallStore, PageRecord } from './store.js';

/**
 * The on-call group of the in-memory store (memory-store.ts): deep copies in and out, bounded like the rest (a warm
 * Lambda container keeps it for hours): past `maxEntries`, the oldest ended escalation rows, acknowledgements and pages go.
 */
export interface MemoryOnCall {
  group: OnCallStore;
  /** Inside the memory store's all-or-nothing commit. */
  writeNow(escalations: readonly EscalationRow[] | undefined, pages: readonly PageRecord[] | undefined): void;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export function createMemoryOnCall(options: { enter: (method: string) => Promise<void>; maxEntries?: number }): MemoryOnCall {
  const { enter } = options;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const clone = <T>(value: T): T => structuredClone(value);
  const escalations = new Map<string, EscalationRow>();
  const acks = new Map<string, Acknowledgement>();
  const pages = new Map<string, PageRecord>();

  function trim<T>(map: Map<string, T>, removable: (value: T) => boolean = () => true): void {
    if (map.size <= maxEntries) return;
    for (const [key, value] of map) {
      if (map.size <= maxEntries) return;
      if (removable(value)) map.delete(key);
    }
  }

  function writeNow(rows: readonly EscalationRow[] | undefined, pageRows: readonly PageRecord[] | undefined): void {
    for (const row of rows ?? []) if (!escalations.has(row.id)) escalations.set(row.id, clone(row));
    for (const page of pageRows ?? []) pages.set(`${page.ref}\u0000${page.destination}`, clone(page));
    trim(escalations, (row) => row.state === 'ended');
    trim(pages);
  }

  const group: OnCallStore = {
    async getEscalations(ids) {
      await enter('getEscalations');
      const out = new Map<string, EscalationRow>();
      for (const id of ids) {
        const row = escalations.get(id);
        if (row !== undefined) out.set(id, clone(row));
      }
      return out;
    },
    async dueEscalations(now, limit) {
      await enter('dueEscalations');
      return [...escalations.values()]
        .filter((row) => row.state === 'waiting' && row.dueAt !== null && row.dueAt <= now)
        .sort((a, b) => a.dueAt! - b.dueAt! || (a.id < b.id ? -1 : 1))
        .slice(0, Math.max(0, limit))
        .map(clone);
    },
    async updateEscalation(row, from) {
      await enter('updateEscalation');
      const stored = escalations.get(row.id);
      if (stored === undefined || stored.step !== from.step || stored.state !== from.state) return false;
      escalations.set(row.id, clone(row));
      return true;
    },
    async listEscalations(since, limit) {
      await enter('listEscalations');
      return [...escalations.values()]
        .filter((row) => row.createdAt >= since)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
        .slice(0, Math.max(0, limit))
        .map(clone);
    },
    async recordAck(ack) {
      await enter('recordAck');
      const stored = acks.get(ack.findingId);
      if (stored !== undefined) return { recorded: false, ack: clone(stored) };
      acks.set(ack.findingId, clone(ack));
      trim(acks);
      return { recorded: true, ack: clone(ack) };
    },
    async getAcks(findingIds) {
      await enter('getAcks');
      const out = new Map<string, Acknowledgement>();
      for (const id of findingIds) {
        const ack = acks.get(id);
        if (ack !== undefined) out.set(id, clone(ack));
      }
      return out;
    },
    async removeAck(findingId) {
      await enter('removeAck');
      return acks.delete(findingId);
    },
    async getPages(ref) {
      await enter('getPages');
      return [...pages.values()].filter((p) => p.ref === ref).sort((a, b) => (a.destination < b.destination ? -1 : 1)).map(clone);
    },
  };
  return { group, writeNow };
}
