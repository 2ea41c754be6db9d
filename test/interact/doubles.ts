/**
 * In-memory implementations of the interfaces the interaction worker needs (src/interact/ports.ts, audit-record.ts),
 * for the worker's unit tests (the real ones, on the store, mutes and respond, are src/pipeline/interact-ports.ts, tested
 * end to end in test/daemon/slack-actions.test.ts). They keep what they were asked, so tests can assert what was done.
 */
import type { SlackMessage } from '../../src/core/message.js';
import type { AuditLog, AuditRecord } from '../../src/interact/audit-record.js';
import { guardDutyLocation } from '../../src/interact/guardduty-archiver.js';
import type { ArchiveActions, BlockActions, BlockOutcome, FindingArchiver, FindingLookup, InteractionTarget, MuteActions } from '../../src/interact/ports.js';
import { remoteIpsOf } from '../../src/render/interactive-actions.js';
import type { Finding } from '../../src/finding/finding.js';

export function createMemoryAuditLog(): AuditLog & { readonly records: AuditRecord[] } {
  const byId = new Map<string, AuditRecord>();
  return {
    get records() {
      return [...byId.values()];
    },
    async appendAudit(record) {
      byId.set(record.id, structuredClone(record));
    },
    async listAudit({ since, limit = 1000 }) {
      return [...byId.values()].filter((r) => r.at >= since).sort((a, b) => b.at - a.at).slice(0, limit);
    },
  };
}

/** The target phase 2 stores for a finding sent to `destination` (outbox row + markSent). */
export function targetOf(finding: Finding, destination: string, slack?: InteractionTarget['slack']): InteractionTarget {
  return {
    destination,
    findingId: finding.id,
    ...(finding.arn === undefined ? {} : { arn: finding.arn }),
    ...(finding.region === undefined ? {} : { region: finding.region }),
    ...(finding.accountId === undefined ? {} : { accountId: finding.accountId }),
    product: finding.product,
    type: finding.type,
    resourceType: finding.resource.type,
    archived: finding.archived,
    sample: finding.sample,
    remoteIps: remoteIpsOf(finding),
    ...(slack === undefined ? {} : { slack }),
  };
}

/**
 * The archive gate over a memory lookup (the real one, src/actions/archive.ts, reads every stored copy; tested in
 * test/actions/archive.test.ts): the clicked copy archived → `already`; else GuardDuty, then the copy is marked.
 */
export function createLookupArchive(lookup: ReturnType<typeof createMemoryLookup>, archiver: FindingArchiver): ArchiveActions {
  return {
    async archive(request) {
      const target = await lookup.findTarget(request.destination, request.findingId);
      if (target === undefined) return { result: 'not-found' };
      if (target.archived) return { result: 'already' };
      const location = guardDutyLocation(target);
      if (location === undefined) return { result: 'not-archivable' };
      await archiver.archive(location);
      lookup.put({ ...target, archived: true });
      return { result: 'done' };
    },
  };
}

export function createMemoryLookup(): FindingLookup & {
  put(target: InteractionTarget): void;
  remove(destination: string, findingId: string): void;
  saved: Array<{ destination: string; findingId: string; message: SlackMessage }>;
} {
  const targets = new Map<string, InteractionTarget>();
  const key = (destination: string, findingId: string) => JSON.stringify([destination, findingId]);
  const saved: Array<{ destination: string; findingId: string; message: SlackMessage }> = [];
  return {
    saved,
    put(target) {
      targets.set(key(target.destination, target.findingId), structuredClone(target));
    },
    remove(destination, findingId) {
      targets.delete(key(destination, findingId));
    },
    async findTarget(destination, findingId) {
      const found = targets.get(key(destination, findingId));
      return found === undefined ? undefined : structuredClone(found);
    },
    async saveMessage(destination, findingId, message) {
      saved.push({ destination, findingId, message: structuredClone(message) });
      const found = targets.get(key(destination, findingId));
      if (found !== undefined) targets.set(key(destination, findingId), { ...found, slack: { ...found.slack, message: structuredClone(message) } });
    },
  };
}

type MemoryMute = { type: string; account?: string; expiresAt: number; createdBy: string; reason: string; origin?: { destination: string; findingId?: string } };

export function createMemoryMutes(): MuteActions & { readonly rules: Map<string, MemoryMute> } {
  const rules = new Map<string, MemoryMute>();
  return {
    rules,
    async addMute(request) {
      const expiresAt = request.now + request.forMs;
      rules.set(request.id, {
        type: request.type,
        ...(request.account === undefined ? {} : { account: request.account }),
        expiresAt,
        createdBy: request.createdBy,
        reason: request.reason,
        origin: request.origin,
      });
      return { id: request.id, expiresAt };
    },
    async removeMute(id, origin) {
      const rule = rules.get(id);
      if (rule?.origin === undefined || rule.origin.destination !== origin.destination || rule.origin.findingId !== origin.findingId) return false;
      return rules.delete(id);
    },
  };
}

/**
 * A stand-in for respond's side (issue 15 implements the real one): blocks in memory, a refusal rule per address,
 * dry-run or enforce, and a write error on demand.
 */
export function createFakeBlocks(options: { mode?: 'enforce' | 'dry-run'; refuse?: (ip: string) => string | undefined; writeError?: string } = {}): BlockActions & {
  readonly inForce: Map<string, { findingId: string; until: number }>;
  readonly requests: string[];
  setWriteError(message: string | undefined): void;
} {
  const inForce = new Map<string, { findingId: string; until: number }>();
  const requests: string[] = [];
  let writeError = options.writeError;
  return {
    inForce,
    requests,
    setWriteError(message) {
      writeError = message;
    },
    async block(request) {
      requests.push(request.requestId);
      const refused = request.ips.flatMap((ip) => {
        const reason = options.refuse?.(ip);
        return reason === undefined ? [] : [{ ip, reason }];
      });
      const allowed = request.ips.filter((ip) => options.refuse?.(ip) === undefined);
      const entries = allowed.map((ip) => ({ ip, target: 'edge', until: request.now + request.forMs }));
      if (options.mode !== 'dry-run') for (const b of entries) inForce.set(b.ip, { findingId: request.findingId, until: b.until });
      // A failing write: stored, not in force (the gate's `pending`).
      const failing = writeError !== undefined && options.mode !== 'dry-run';
      const outcome: BlockOutcome = {
        mode: options.mode ?? 'enforce',
        blocked: failing ? [] : entries,
        pending: failing ? entries.map(({ ip, target }) => ({ ip, target, why: writeError! })) : [],
        refused,
      };
      return outcome;
    },
    async unblock(request) {
      const removed = request.ips.filter((ip) => inForce.get(ip)?.findingId === request.findingId).map((ip) => ({ ip, target: 'edge' }));
      for (const r of removed) inForce.delete(r.ip);
      return { removed };
    },
  };
}
