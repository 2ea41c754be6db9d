import { copyPlain } from './copy-plain.js';
import { slackOf, type SlackMessage } from '../core/message.js';
import type { AuditLog, AuditRecord } from '../interact/audit-record.js';
import {
  INTERACT_RETENTION_MS,
  type FindingSnapshot,
  type OutboxRow,
  type ReplayStore,
  type SnapshotStore,
  type StoredSnapshot,
} from './store.js';

/**
 * The Slack-action groups of the in-memory store (memory-store.ts): the audit log, finding snapshots and replay keys.
 * Deep copies in and out, like the rest of that store, and bounded (a warm Lambda container keeps it for hours):
 * past `maxEntries`, the oldest audit records and snapshots go; replay keys go when they expire, and a guard full of
 * live keys refuses (the safe answer: forgetting a live key early would let its request through twice).
 */

export interface MemoryInteract {
  audit: AuditLog;
  snapshots: SnapshotStore;
  replay: ReplayStore;
  /** Replaces snapshots synchronously (inside the memory store's all-or-nothing commit). */
  writeSnapshotsNow(rows: readonly FindingSnapshot[]): void;
}

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * @example
 * const interact = createMemoryInteract({ enter, outboxRow: (id) => rows.get(id), now: Date.now });
 * await interact.audit.appendAudit(record);
 */
export function createMemoryInteract(options: {
  enter: (method: string) => Promise<void>;
  /** The outbox row with this id, if the store still holds it (not a copy: it is only read). */
  outboxRow: (id: string) => OutboxRow | undefined;
  now: () => number;
  maxEntries?: number;
  retentionMs?: number;
}): MemoryInteract {
  const { enter, now } = options;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const retentionMs = options.retentionMs ?? INTERACT_RETENTION_MS;
  const clone = copyPlain;

  const auditRecords = new Map<string, AuditRecord>();
  /** Snapshot key → the snapshot, and the message saved after a click with the outbox row it was made from. */
  const snapshots = new Map<string, { snapshot: FindingSnapshot; saved?: { outboxId: string | undefined; message: SlackMessage } }>();
  const replayKeys = new Map<string, number>();
  const snapshotKey = (destination: string, findingId: string): string => `${destination}\u0000${findingId}`;

  function trimOldest<T>(map: Map<string, T>, at: (value: T) => number): void {
    if (map.size <= maxEntries) return;
    const oldest = [...map.entries()].sort((a, b) => at(a[1]) - at(b[1])).slice(0, map.size - maxEntries);
    for (const [key] of oldest) map.delete(key);
  }

  function writeSnapshotsNow(rows: readonly FindingSnapshot[]): void {
    for (const row of rows) {
      const key = snapshotKey(row.destination, row.findingId);
      const saved = snapshots.get(key)?.saved;
      // Re-inserted: Map order stays "least recently written first".
      snapshots.delete(key);
      snapshots.set(key, { snapshot: clone(row), ...(saved === undefined ? {} : { saved }) });
    }
    trimOldest(snapshots, (v) => v.snapshot.at);
  }

  const audit: AuditLog = {
    async appendAudit(record) {
      await enter('appendAudit');
      auditRecords.set(record.id, clone(record));
      trimOldest(auditRecords, (r) => r.at);
    },
    async listAudit({ since, limit = 1000 }) {
      await enter('listAudit');
      const cutoff = Math.max(since, now() - retentionMs);
      return [...auditRecords.values()]
        .filter((r) => r.at >= cutoff)
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .slice(0, Math.max(0, limit))
        .map(clone);
    },
  };

  const snapshotGroup: SnapshotStore = {
    async getSnapshot(destination, findingId) {
      await enter('getSnapshot');
      const entry = snapshots.get(snapshotKey(destination, findingId));
      if (entry === undefined || entry.snapshot.at + retentionMs <= now()) return undefined;
      const stored: StoredSnapshot = clone(entry.snapshot);
      const row = stored.outboxId === undefined ? undefined : options.outboxRow(stored.outboxId);
      if (row?.sentTs !== undefined) stored.sentTs = row.sentTs;
      const message = entry.saved !== undefined && entry.saved.outboxId === stored.outboxId ? entry.saved.message : (row === undefined ? undefined : slackOf(row.message));
      if (message !== undefined) stored.message = clone(message);
      return stored;
    },
    async saveSnapshotMessage(destination, findingId, message) {
      await enter('saveSnapshotMessage');
      const entry = snapshots.get(snapshotKey(destination, findingId));
      if (entry !== undefined) entry.saved = { outboxId: entry.snapshot.outboxId, message: clone(message) };
    },
  };

  const replay: ReplayStore = {
    async claimOnce(key, expiresAt, at) {
      await enter('claimOnce');
      const held = replayKeys.get(key);
      if (held !== undefined && held > at) return false;
      if (replayKeys.size >= maxEntries) {
        for (const [k, until] of replayKeys) if (until <= at) replayKeys.delete(k);
        if (replayKeys.size >= maxEntries) throw new Error('Memory store: the replay guard is full of live keys');
      }
      replayKeys.delete(key);
      replayKeys.set(key, expiresAt);
      return true;
    },
  };

  return { audit, snapshots: snapshotGroup, replay, writeSnapshotsNow };
}
