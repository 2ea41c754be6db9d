import type { Decision, NotifyDecision } from './decision.js';

/** One digest message: a slice of a destination's burst. `part` is 1-based (`{ index: 1, of: 3 }` = "part 1 of 3"). */
export interface PlannedDigest {
  destination: string;
  decisions: NotifyDecision[];
  part: { index: number; of: number };
}

export interface MessagePlan {
  singles: NotifyDecision[];
  digests: PlannedDigest[];
}

export interface PlanOptions {
  /** More than this many notify decisions for one destination in one batch become digests. */
  threshold: number;
  /** Larger digests are split into balanced parts of at most this many. Default 500. */
  maxPerDigest?: number;
}

/**
 * Bounds one digest's size: its Block Kit stays within Slack's limits by listing only the top few, but the outbox
 * row still carries every finding id, and one row per few hundred keeps rows small and retries cheap.
 */
export const DEFAULT_MAX_PER_DIGEST = 500;

/**
 * Which notify decisions become single messages and which are folded into digests (Alertmanager's grouping,
 * per destination and per batch).
 *
 * Per destination: more than `threshold` channel-level notify decisions in one batch all become digests —
 * escalations and reminders included, so that every finding of the burst is accounted for in one place and none is
 * sent twice; otherwise they stay single messages. Quiet `repeat` replies are never digested and do not count: each
 * goes into its own finding's thread, where it pings nobody (folding 40 of them into a top-level digest every
 * publishing cycle would be the flood threads exist to avoid). Suppressions are ignored (records, not messages). Within each group
 * the input order is kept; digests come in order of their destination's first decision, then by part.
 *
 * @example
 * const { singles, digests } = planMessages(decisions, { threshold: config.digest.threshold });
 */
export function planMessages(decisions: readonly Decision[], options: PlanOptions): MessagePlan {
  const maxPerDigest = options.maxPerDigest ?? DEFAULT_MAX_PER_DIGEST;
  if (!Number.isInteger(maxPerDigest) || maxPerDigest < 1) {
    throw new RangeError(`planMessages: maxPerDigest must be a positive integer, got ${maxPerDigest}`);
  }

  const byDestination = new Map<string, NotifyDecision[]>();
  for (const decision of decisions) {
    if (decision.outcome !== 'notify' || decision.kind === 'repeat') continue;
    let list = byDestination.get(decision.destination);
    if (!list) byDestination.set(decision.destination, (list = []));
    list.push(decision);
  }

  const digested = new Set<string>();
  const digests: PlannedDigest[] = [];
  for (const [destination, list] of byDestination) {
    if (list.length <= options.threshold) continue;
    digested.add(destination);
    const parts = splitEvenly(list, maxPerDigest);
    parts.forEach((part, i) => digests.push({ destination, decisions: part, part: { index: i + 1, of: parts.length } }));
  }

  const singles = decisions.filter(
    (d): d is NotifyDecision => d.outcome === 'notify' && (d.kind === 'repeat' || !digested.has(d.destination)),
  );
  return { singles, digests };
}

/** Balanced slices (1001 at 500 → 334, 334, 333, not 500, 500, 1), in order. */
function splitEvenly<T>(items: readonly T[], max: number): T[][] {
  const count = Math.ceil(items.length / max);
  const parts: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i += 1) {
    const size = Math.ceil((items.length - start) / (count - i));
    parts.push(items.slice(start, start + size));
    start += size;
  }
  return parts;
}
