/**
 * The audit trail: every action a person asked for — from a Slack button, the CLI (`resend`) or the demo page — allowed or
 * refused, with who, what, which finding, when and how it ended. `status` and `guardduty-notifier audit [--since 7d]
 * [--json]` show it. `AuditLog` is a group of the store (SQLite table, DynamoDB items with a TTL, the memory store), kept
 * 90 days, with a describe in the store conformance suite (test/state/interact-store-conformance.ts).
 *
 * Records hold no secret and no response_url. Strings in them may come from findings (type, account) and from Slack
 * (a user name): whoever prints them escapes for the medium (safeForTerminal on a terminal).
 */

/**
 * `unknown`: a signed request whose action we could not read (an action_id not ours, a malformed payload): always refused.
 * `resend`: failed messages put back in the outbox (`guardduty-notifier resend`, src/actions/resend.ts).
 */
export const AUDIT_ACTIONS = ['acknowledge', 'archive', 'block', 'unblock', 'mute', 'unmute', 'unknown', 'resend'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** `done`: carried out; `dry-run`: decided but not enforced (respond in dry-run); `refused`: not allowed or not possible; `failed`: tried, did not work. */
export const AUDIT_RESULTS = ['done', 'dry-run', 'refused', 'failed'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface AuditRecord {
  /**
   * Unique and stable for one request (Slack: derived from the request's signature), so that running the same job
   * twice (a queue redelivery) writes the same record once.
   */
  readonly id: string;
  /** Epoch ms the action was decided. */
  readonly at: number;
  /** `slack:U012DANA`, `cli:<os user>`, `demo`. */
  readonly actor: string;
  /** A display name when the source gave one (Slack `username`). Not trusted, not unique. */
  readonly actorName?: string;
  readonly via: 'slack' | 'cli' | 'demo' | 'pagerduty' | 'guardduty';
  readonly action: AuditAction;
  readonly result: AuditResult;
  /** Why it was refused or failed: a stable word (`not-allowed`, `not-found`, `access-denied`, `private`, `cap`, …). */
  readonly reason?: string;
  /** One human sentence, never a secret. */
  readonly detail?: string;
  readonly destination?: string;
  readonly findingId?: string;
  readonly findingType?: string;
  readonly accountId?: string;
  /** Block / unblock: the addresses concerned. */
  readonly ips?: readonly string[];
  /** Block / mute: for how long. */
  readonly forMs?: number;
  /** Mute / unmute: the store's mute rule id. */
  readonly muteId?: string;
}

/** The store group (SQLite, DynamoDB, memory), conformance-tested like the others. */
export interface AuditLog {
  /** Writes the record; a record with the same id replaces it (idempotent for redelivered jobs). */
  appendAudit(record: AuditRecord): Promise<void>;
  /** Records with `at >= since`, newest first, at most `limit` (default 1000). */
  listAudit(filter: { since: number; limit?: number }): Promise<AuditRecord[]>;
}
