/**
 * What we remember per (destination, finding id): enough to decide whether the next sighting is new, escalated,
 * a reminder or a duplicate, and where its Slack thread is. The policy reads and computes it (decide.ts); the store
 * (state/) keeps it.
 */
export interface LedgerEntry {
  destination: string;
  findingId: string;
  /** Epoch ms of the first message about this finding in this destination. */
  firstNotifiedAt: number;
  /** Epoch ms of the latest message (new, escalation, reminder) in this destination. */
  lastNotifiedAt: number;
  /** Band rank (0 unknown … 4 critical) last notified: a rise above it is an escalation. */
  lastBandRank: number;
  lastSeverity: number | null;
  /** service.count last seen (notified or not). */
  lastCount: number;
  /** Epoch ms this finding was last seen by us (notified or suppressed). */
  lastSeenAt: number;
  /** Slack `ts` of the first message (slack-api): later messages go into its thread. */
  threadTs?: string;
}
