import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { AuditRecord } from '../interact/audit-record.js';
import { guardDutyLocation } from '../interact/guardduty-archiver.js';
import type { FindingArchiver } from '../interact/ports.js';
import type { AckSource } from '../policy/acknowledgement.js';
import type { FindingSnapshot, Store } from '../state/store.js';
import { acknowledgeFindings } from './acknowledge.js';

/**
 * The one gate for archiving a finding in GuardDuty. The Slack Archive button calls it on the daemon and on the Lambda
 * (through the interaction worker's ArchiveActions port, wired in pipeline/interact-runtime.ts); the demo too.
 *
 * Against the finding as the store knows it now, never as a button claims it: every destination's stored copy (the
 * snapshots kept for Slack actions) counts, so a finding archived from one channel's message is archived for a click
 * in another. In this order:
 *   1. no stored copy: `not-found`; archived in any copy: `already` (GuardDuty is not asked again); not a GuardDuty
 *      finding (no detector in its ARN): `not-archivable`;
 *   2. ArchiveFindings (throws ArchiveError when GuardDuty refuses: nothing is marked, nothing announced);
 *   3. only then every stored copy is marked archived (the block gate and every other channel see it), and the
 *      acknowledgement gate resolves its PagerDuty alerts and ends its escalations;
 *   4. one audit record — unless the caller writes the act's record itself (a Slack click: the worker's).
 */

export interface ArchiveRequest {
  findingId: string;
  /** `slack:U012DANA`, `cli:alice`. */
  by: string;
  byName?: string;
  via: AckSource;
  at: number;
  /** Stable per request (a Slack job id): the audit record's and the acknowledgement's id. */
  requestId: string;
  /** The chat destination the click was made in (its message is rewritten by the caller, not noted). */
  fromDestination?: string;
  /** The caller writes the one audit record of this act (see acknowledge.ts). */
  auditedByCaller?: boolean;
}

export type ArchiveOutcome =
  | { result: 'done'; told: readonly string[] }
  | { result: 'already' }
  | { result: 'not-found' }
  | { result: 'not-archivable' };

export interface ArchiveDeps {
  config: Pick<Config, 'routes' | 'destinations' | 'defaultRoute'>;
  store: Store;
  /** GuardDuty's ArchiveFindings in the finding's region (interact/guardduty-archiver.ts; the demo's own). */
  archiver: FindingArchiver;
  logger?: Logger;
}

/** A stored copy as the commit writes it (what getSnapshot adds from the outbox row is not the snapshot's own). */
function asWritten(copy: FindingSnapshot & { sentTs?: string; message?: unknown }): FindingSnapshot {
  const { sentTs: _sentTs, message: _message, ...own } = copy;
  return { ...own, archived: true };
}

/**
 * @example
 * const out = await archiveFinding({ config, store, archiver }, { findingId, by: 'slack:U012DANA', via: 'slack', at: Date.now(), requestId });
 * if (out.result === 'done') announce('Archived');
 */
export async function archiveFinding(deps: ArchiveDeps, request: ArchiveRequest): Promise<ArchiveOutcome> {
  const { config, store } = deps;
  const logger = deps.logger ?? silentLogger;
  const outcome = await archive();
  if (request.auditedByCaller !== true) {
    const record: { -readonly [K in keyof AuditRecord]: AuditRecord[K] } = {
      id: `${request.requestId}:${request.findingId}`,
      at: request.at,
      actor: request.by,
      via: request.via === 'archive' ? 'guardduty' : request.via,
      action: 'archive',
      result: outcome.result === 'done' ? 'done' : 'refused',
      findingId: request.findingId,
    };
    if (request.byName !== undefined) record.actorName = request.byName;
    if (outcome.result !== 'done') record.reason = outcome.result === 'already' ? 'already-archived' : outcome.result;
    await store.appendAudit(record).catch((error: unknown) => logger.error('Could not write the audit record', { id: record.id, error: String(error) }));
  }
  return outcome;

  async function archive(): Promise<ArchiveOutcome> {
    const copies = (await Promise.all(config.destinations.map((d) => store.getSnapshot(d.name, request.findingId)))).filter((c) => c !== undefined);
    if (copies.length === 0) return { result: 'not-found' };
    if (copies.some((c) => c.archived)) return { result: 'already' };
    const located = copies.find((c) => c.product === 'GuardDuty' && guardDutyLocation(c) !== undefined);
    const location = located === undefined ? undefined : guardDutyLocation(located);
    if (location === undefined) return { result: 'not-archivable' };

    await deps.archiver.archive(location);

    // Archived in GuardDuty: every copy says so (the same rows, the same outbox id: a message saved after a click stays).
    await store.commit({ ledger: [], outbox: [], decisions: [], snapshots: copies.map(asWritten) });
    const [acked] = await acknowledgeFindings(
      { config, store, logger },
      {
        findingIds: [request.findingId],
        by: request.by,
        ...(request.byName === undefined ? {} : { byName: request.byName }),
        via: request.via,
        at: request.at,
        requestId: request.requestId,
        archived: true,
        auditedByCaller: true,
        ...(request.fromDestination === undefined ? {} : { fromDestination: request.fromDestination }),
      },
    ).catch((error: unknown) => {
      logger.error('Archived, but telling PagerDuty failed', { error: String(error) });
      return [];
    });
    return { result: 'done', told: acked?.result === 'done' ? acked.told : [] };
  }
}
