import { comparableSeverity, SEVERITY_BANDS, UNKNOWN_BAND, type Finding } from '../finding/finding.js';
import type { LedgerEntry } from './ledger.js';
import type { DecideInput, Decision, NotifyKind, SuppressReason } from './decision.js';
import { findMute } from './mute.js';

export type { DecideInput } from './decision.js';

/**
 * Whether one finding is worth a message in one destination, and which kind.
 *
 * The checks run in this order, and the order is the policy:
 * 1. `archived`: someone (or a GuardDuty suppression rule) closed the finding; nothing about it is news.
 *    `clean`: a Malware Protection for S3 scan that found no threat (NO_THREATS_FOUND) is a record, not an alert.
 * 2. `sample`: "Generate sample findings" output, dropped when `dropSamples` is on; it is not a real threat.
 * 3. `below-threshold`: the destination never wants findings this mild, whatever their history. A finding with a band
 *    but no 0–10 number (OCSF, scan results) compares its band's lower bound (`comparableSeverity`).
 *    An unknown severity (null) is NOT below the threshold: we would rather over-notify a finding whose severity we
 *    could not read than silently lose it.
 * 4. `muted` (naming the mute): a human said "not this" until a given time. Checked after the static filters so that
 *    counters name the most basic reason (a sample is counted as `sample`, not as muted), and before the ledger so
 *    that a mute silences escalations too, like an Alertmanager silence.
 * 3a. Detector health notices (`finding.health`, parse-health.ts): a "healthy again" event is news only where the drop
 *    was told and not yet closed (a ledger row whose band is not 0): it is the `repeat` kind, a "recovered" line in the
 *    notice's thread (slack-api) or a short message elsewhere; anywhere else it is a `duplicate`. It is decided before
 *    the threshold, since it closes a notice that passed it. An unhealthy event on a closed row (band 0) is `new`:
 *    the resource turned unhealthy again.
 * 5. The ledger (Alertmanager's dedup stage): no row → `new`; band above the highest band sent → `escalated`
 *    (checked before the reminder so a rise is announced as a rise, with the band it rose from); `repeatAfter`
 *    elapsed and still active → `reminder` (before `repeat`, so the periodic nudge is not swallowed by a quiet thread
 *    reply); count grew, the destination threads and the finding has a thread → `repeat`; otherwise `duplicate`.
 *
 * @example
 * const decision = decideNotification({ finding, target, ledger, mutes, now, minSeverity: 4, dropSamples: false, threads: false });
 * if (decision.outcome === 'notify') render(decision.kind, decision.finding);
 */
export function decideNotification(input: DecideInput): Decision {
  const { finding, target, ledger, now } = input;
  const suppress = (reason: SuppressReason): Decision => ({
    outcome: 'suppress',
    reason,
    destination: target.destination,
    finding,
    target,
  });
  const notify = (kind: NotifyKind, previousBand?: string): Decision => {
    const decision: Decision = { outcome: 'notify', kind, destination: target.destination, finding, target };
    if (previousBand !== undefined) decision.previousBand = previousBand;
    return decision;
  };

  if (finding.archived) return suppress({ code: 'archived' });
  if (finding.scan?.result === 'NO_THREATS_FOUND') return suppress({ code: 'clean' });
  if (finding.sample && input.dropSamples) return suppress({ code: 'sample' });
  if (finding.health?.healthy === true) {
    const mute = findMute(finding, input.mutes, now);
    if (mute) return suppress({ code: 'muted', muteId: mute.id });
    return ledger !== undefined && ledger.lastBandRank > 0 ? notify('repeat') : suppress({ code: 'duplicate' });
  }
  const severity = comparableSeverity(finding);
  if (severity !== null && severity < input.minSeverity) return suppress({ code: 'below-threshold' });
  const mute = findMute(finding, input.mutes, now);
  if (mute) return suppress({ code: 'muted', muteId: mute.id });

  if (!ledger) return notify('new');
  if (finding.health !== undefined && ledger.lastBandRank === 0) return notify('new');
  if (finding.band.rank > ledger.lastBandRank) return notify('escalated', bandNameOfRank(ledger.lastBandRank));
  const repeatAfter = target.repeatAfterMs;
  if (repeatAfter !== undefined && repeatAfter > 0 && now - ledger.lastNotifiedAt >= repeatAfter && isStillActive(finding, ledger)) {
    return notify('reminder');
  }
  // A quiet reply needs a thread to go into: a finding first reported inside a digest has none, and posting its
  // re-publications top-level would be exactly the flood the digest prevented.
  if (input.threads && ledger.threadTs !== undefined && finding.count > ledger.lastCount) return notify('repeat');
  // A person sent a finding we already told of with a Security Hub custom action: its identity is the imported
  // finding's, so it is not new; where it has a thread, a reply there says who asked again (docs/finding-shapes.md).
  if (finding.customAction !== undefined && input.threads && ledger.threadTs !== undefined) return notify('repeat');
  return suppress({ code: 'duplicate' });
}

/**
 * Whether GuardDuty saw the activity again since we last said something about it: its count grew past what we
 * recorded, or its own last-seen time (else its update time) is after our last message. A redelivery of the very
 * same document is neither, so it does not earn a reminder.
 */
function isStillActive(finding: Finding, ledger: LedgerEntry): boolean {
  if (finding.count > ledger.lastCount) return true;
  const seen = Date.parse(finding.lastSeen ?? finding.updatedAt ?? '');
  return Number.isFinite(seen) && seen > ledger.lastNotifiedAt;
}

function bandNameOfRank(rank: number): string {
  return SEVERITY_BANDS.find((band) => band.rank === rank)?.name ?? UNKNOWN_BAND.name;
}

/**
 * The ledger row after this decision (pure; the caller writes it with the outbox rows in one commit).
 *
 * - Every sighting of a finding that already has a row refreshes `lastCount` (never lowered: an older document
 *   redelivered late must not make the next one look like growth) and `lastSeenAt`.
 * - `new`, `escalated` and `reminder` are messages in the channel: they set `lastNotifiedAt` and raise
 *   `lastBandRank`. A band that falls never lowers it, so a finding flapping 8 → 5 → 8 is escalated once.
 * - `repeat` is a quiet thread reply: it records the count and severity but does not restart the reminder clock.
 * - `threadTs` is kept; the sink sets it after the first post.
 *
 * Returns undefined when nothing should be written: a suppressed finding that never had a row (below threshold,
 * archived, sample or muted before its first message) stays without one, so it is `new` once it qualifies.
 */
export function nextLedgerEntry(decision: Decision, previous: LedgerEntry | undefined, now: number): LedgerEntry | undefined {
  const { finding } = decision;
  const count = Math.max(finding.count, previous?.lastCount ?? 0);

  if (decision.outcome === 'suppress') {
    if (!previous) return undefined;
    return { ...previous, lastCount: count, lastSeenAt: now };
  }

  const rank = Math.max(finding.band.rank, previous?.lastBandRank ?? 0);
  // A health notice's recovery closes it: band 0 until the resource turns unhealthy again (decideNotification 3a).
  if (decision.kind === 'repeat' && previous && finding.health?.healthy === true) {
    return { ...previous, lastCount: count, lastSeenAt: now, lastBandRank: 0 };
  }
  if (decision.kind === 'repeat' && previous) {
    return { ...previous, lastCount: count, lastSeenAt: now, lastSeverity: finding.severity, lastBandRank: rank };
  }
  const next: LedgerEntry = {
    destination: decision.destination,
    findingId: finding.id,
    firstNotifiedAt: previous?.firstNotifiedAt ?? now,
    lastNotifiedAt: now,
    lastBandRank: rank,
    lastSeverity: finding.severity,
    lastCount: count,
    lastSeenAt: now,
  };
  if (previous?.threadTs !== undefined) next.threadTs = previous.threadTs;
  return next;
}

/**
 * One finding per id out of a batch, so that the same id arriving twice in one batch (an SQS batch holding two
 * updates, a poll overlapping the last) is decided once per destination. Per id the most recent version wins:
 * the latest `updatedAt`, then the highest `count`, then the later position. Output keeps first-appearance order.
 */
export function dedupeBatch(findings: readonly Finding[]): Finding[] {
  const winners = new Map<string, Finding>();
  for (const finding of findings) {
    const current = winners.get(finding.id);
    if (!current || !isOlder(finding, current)) winners.set(finding.id, finding);
  }
  return [...winners.values()];
}

/**
 * true when `a` is strictly older than `b`; equal versions are not older, so the later one in the batch wins.
 * Timestamps decide when both have one; otherwise the count does (it only grows for one id).
 */
function isOlder(a: Finding, b: Finding): boolean {
  const ta = Date.parse(a.updatedAt ?? '');
  const tb = Date.parse(b.updatedAt ?? '');
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta < tb;
  return a.count < b.count;
}
