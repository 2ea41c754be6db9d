import type { AuditLog, AuditRecord, OutboxRow, OutboxStatus, OutboxStore } from '../state/store.js';

/**
 * Resending failed messages: the body behind `guardduty-notifier resend (--failed | ID…)`. A message that failed for
 * good (a revoked webhook, an archived channel) stays in the outbox as `failed` and is never retried on its own; once
 * the destination is fixed, a person puts it back. Re-running `replay` cannot do it: the ledger already holds the
 * finding, so the policy calls it a repeat.
 *
 * Here: choose the rows (`selectForResend`), put them back as due and record who did it (`requeueForResend`), then see
 * how they ended (`resendOutcomes`, `waitForResend`). Sending is the outbox drainer's, as for any due row: the command
 * drains itself, or leaves it to the daemon that holds the SQLite state file; on DynamoDB any drainer may take them
 * (the Lambda's schedule included), each row leased to one of them.
 */

/**
 * `--failed` resends at most this many rows per run (the newest failures): a bounded read whatever the outbox holds;
 * the command says when more are left.
 */
export const RESEND_MAX_ROWS = 1_000;

/** What a run would resend, and the ids asked for that it cannot. */
export interface ResendSelection {
  /** Failed rows, in the order asked (ids) or newest failure first (`--failed`). */
  rows: OutboxRow[];
  /** Ids asked for that are not failed messages: not in the outbox, or pending / sent. */
  refused: Array<{ id: string; status?: OutboxStatus }>;
  /** `--failed` found more than RESEND_MAX_ROWS failed rows: run again for the rest. */
  more: boolean;
}

/**
 * The failed rows to resend: every failed row (newest failures first, at most RESEND_MAX_ROWS), or the ids given.
 * Changes nothing (what `--dry-run` prints).
 *
 * @example
 * const selection = await selectForResend(store, { ids: ['3f0c9a…'] });
 */
export async function selectForResend(
  store: Pick<OutboxStore, 'listOutbox' | 'getOutboxRows'>,
  request: { allFailed: true } | { ids: readonly string[] },
): Promise<ResendSelection> {
  if ('allFailed' in request) {
    const rows = await store.listOutbox({ status: 'failed', limit: RESEND_MAX_ROWS + 1 });
    return { rows: rows.slice(0, RESEND_MAX_ROWS), refused: [], more: rows.length > RESEND_MAX_ROWS };
  }
  const ids = [...new Set(request.ids)];
  const found = new Map((await store.getOutboxRows(ids)).map((row) => [row.id, row]));
  const rows: OutboxRow[] = [];
  const refused: ResendSelection['refused'] = [];
  for (const id of ids) {
    const row = found.get(id);
    if (row?.status === 'failed') rows.push(row);
    else refused.push(row === undefined ? { id } : { id, status: row.status });
  }
  return { rows, refused, more: false };
}

/** Who resent, for the audit trail: `cli:<who>`. */
export interface ResendContext {
  /** Epoch ms: the rows become due at this time, and the audit records carry it. */
  now: number;
  /** A user name (`--by`, default the OS user). */
  by: string;
}

/**
 * Puts the selected rows back in the outbox as due now and records one audit entry per row put back (who, when,
 * which destination and finding, the error it had failed with). Returns the rows that moved: a row another resend
 * (or a drainer) changed meanwhile is left out.
 */
export async function requeueForResend(
  store: Pick<OutboxStore, 'requeueFailed'> & Pick<AuditLog, 'appendAudit'>,
  rows: readonly OutboxRow[],
  context: ResendContext,
): Promise<OutboxRow[]> {
  const moved = new Set(await store.requeueFailed(rows.map((row) => row.id), context.now));
  const requeued = rows.filter((row) => moved.has(row.id));
  for (const row of requeued) await store.appendAudit(resendAuditRecord(row, context));
  return requeued;
}

function resendAuditRecord(row: OutboxRow, context: ResendContext): AuditRecord {
  const findings = row.findingIds.length === 1 ? '1 finding' : `${row.findingIds.length} findings`;
  return {
    id: `resend:${row.id}:${context.now}`,
    at: context.now,
    actor: `cli:${context.by}`,
    via: 'cli',
    action: 'resend',
    result: 'done',
    destination: row.destination,
    ...(row.findingId === undefined ? {} : { findingId: row.findingId }),
    detail: `outbox ${row.id} (${row.kind}, ${findings}) put back after: ${row.lastError ?? 'failed'}`,
  };
}

/** How one resent row stands now. */
export interface ResendOutcome {
  row: OutboxRow;
  /** `sent`; `failed` again (the row's lastError says why); `pending`: not delivered yet, still queued (or gone: `missing`). */
  outcome: 'sent' | 'failed' | 'pending' | 'missing';
}

/** The resent rows as the store holds them now, in the order resent. */
export async function resendOutcomes(store: Pick<OutboxStore, 'getOutboxRows'>, resent: readonly OutboxRow[]): Promise<ResendOutcome[]> {
  const now = new Map((await store.getOutboxRows(resent.map((row) => row.id))).map((row) => [row.id, row]));
  return resent.map((before) => {
    const row = now.get(before.id);
    return row === undefined ? { row: before, outcome: 'missing' } : { row, outcome: row.status };
  });
}

/** A resent row someone should be sending right now: pending and due (a row waiting for a retry later is not). */
const beingSent = (o: ResendOutcome, now: number): boolean => o.outcome === 'pending' && o.row.nextAttemptAt <= now;

/**
 * Waits while a resent row is pending and due — another process is sending it: the daemon holding the SQLite state
 * file, or (DynamoDB) a Lambda that holds the row's lease — looking every `pollMs`, at most until `deadlineMs`;
 * returns how they stand then. A row that went back to waiting for a later retry ends the wait: it is queued.
 */
export async function waitForResend(
  store: Pick<OutboxStore, 'getOutboxRows'>,
  resent: readonly OutboxRow[],
  options: { deadlineMs: number; pollMs: number; now: () => number; sleep: (ms: number) => Promise<void> },
): Promise<ResendOutcome[]> {
  // Bounded in time by the deadline and in count by the number of polls it allows.
  const maxPolls = Math.ceil(Math.max(0, options.deadlineMs - options.now()) / Math.max(1, options.pollMs)) + 1;
  let outcomes = await resendOutcomes(store, resent);
  for (let poll = 0; poll < maxPolls && outcomes.some((o) => beingSent(o, options.now())); poll++) {
    const left = options.deadlineMs - options.now();
    if (left <= 0) break;
    await options.sleep(Math.min(options.pollMs, left));
    outcomes = await resendOutcomes(store, resent);
  }
  return outcomes;
}
