/**
 * An acknowledgement: someone answered for a finding. One record per finding (the first one wins: `recordAck` puts it
 * only if absent), with who, where and when. `incident.unacknowledged` from PagerDuty removes it (escalation resumes).
 * The store keeps it (state/, 90 days as the audit log); the one gate that writes it is src/actions/acknowledge.ts.
 */
export const ACK_SOURCES = ['slack', 'pagerduty', 'archive', 'cli', 'demo'] as const;
export type AckSource = (typeof ACK_SOURCES)[number];

export interface Acknowledgement {
  findingId: string;
  /** Epoch ms. */
  at: number;
  /** `slack:U012DANA`, `pagerduty:PUSER`, `cli:alice`, `demo`. */
  by: string;
  /** A display name when the source gave one (Slack user name, PagerDuty agent summary). Not trusted, not unique. */
  byName?: string;
  via: AckSource;
}

/**
 * A PagerDuty alert we opened: which destinations got a trigger for which findings under which key. The webhook finds
 * it by the short reference (`[gdn 1a2b3c4d]`: the incident title) or the dedup key (`incident_key`); a Slack
 * acknowledgement finds the destinations to send `acknowledge` to. Written with the outbox row of the trigger.
 */
export interface PageRecord {
  /** The 8 hex characters of the key that end the summary. */
  ref: string;
  dedupKey: string;
  destination: string;
  findingIds: string[];
  /** Epoch ms of the commit that queued the trigger. */
  at: number;
}
