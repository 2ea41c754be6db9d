import type { Decision } from './decision.js';
import { formatDecisionReason } from './decision-record.js';

/** One row of "how many decisions of this kind", ready for a log line or a Prometheus counter with these labels. */
export interface DecisionCount {
  destination: string;
  outcome: Decision['outcome'];
  /** The notify kind (`new`, `escalated`, ...) or the suppress reason (`duplicate`, `muted:<id>`, ...). */
  reason: string;
  count: number;
}

/**
 * Counts decisions by destination, outcome and reason ("suppressed with a reason that is logged and counted").
 * Rows come in order of first appearance.
 */
export function countDecisions(decisions: readonly Decision[]): DecisionCount[] {
  const rows = new Map<string, DecisionCount>();
  for (const decision of decisions) {
    const reason = decision.outcome === 'notify' ? decision.kind : formatDecisionReason(decision.reason);
    const key = JSON.stringify([decision.destination, decision.outcome, reason]);
    const row = rows.get(key);
    if (row) row.count += 1;
    else rows.set(key, { destination: decision.destination, outcome: decision.outcome, reason, count: 1 });
  }
  return [...rows.values()];
}
