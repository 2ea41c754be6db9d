import type { SlackMessage } from '../core/message.js';
import { toLoggedDecision, type DecisionRecord, type LoggedDecision } from '../policy/decision-record.js';

/**
 * What the demo page shows, as a feed: the inbox's messages and the pipeline's decisions, kept bounded (the demo runs
 * for hours), with a snapshot for a page that just opened and events for one that is open.
 */

/** One inbox message as the page receives it. */
export interface DemoMessage {
  seq: number;
  id: string;
  destination: string;
  kind: string;
  receivedAt: number;
  findingIds: string[];
  slack: SlackMessage;
  /** `band`: what the page colours the message by. */
  attributes: Record<string, string>;
  /** The finding document behind a single message (absent for digests). */
  source?: unknown;
}

export interface DemoStats {
  findings: number;
  notified: number;
  suppressed: number;
  digested: number;
  messages: number;
}

export interface DemoSnapshot {
  messages: DemoMessage[];
  /** Most recent first; reasons in their printed form, as `status` shows them. */
  decisions: LoggedDecision[];
  stats: DemoStats;
}

export type DemoFeedEvent =
  | { type: 'message'; message: DemoMessage }
  /** A message rewritten after a click on one of its buttons (what chat.update / response_url do in Slack). */
  | { type: 'update'; message: DemoMessage }
  | { type: 'decisions'; decisions: LoggedDecision[]; stats: DemoStats };

/** What the server shows: the demo (or a test) implements it. */
export interface DemoFeed {
  snapshot(): DemoSnapshot;
  /** Calls `listener` for every new message and decision batch; returns the unsubscribe function. */
  subscribe(listener: (event: DemoFeedEvent) => void): () => void;
}

/**
 * Messages and decisions kept for a page that opens later: the newest few hundred, so a demo left running for hours
 * stays a page that scrolls, not one that grows without end (the page keeps as many: demo.js MAX_SHOWN).
 */
export const KEPT_MESSAGES = 200;
export const KEPT_DECISIONS = 150;

/**
 * @example
 * const { feed, addMessage, addDecisions } = createDemoFeed();
 * addDecisions(result.decisions, result.findings);
 * startDemoServer({ feed, ... });
 */
export function createDemoFeed(): {
  feed: DemoFeed;
  addMessage(message: DemoMessage): void;
  addDecisions(records: readonly DecisionRecord[], findings: number): void;
  /** Replaces the Slack message of the message `seq`; false when it is no longer kept. */
  replaceMessage(seq: number, slack: SlackMessage): boolean;
} {
  const listeners = new Set<(event: DemoFeedEvent) => void>();
  const messages: DemoMessage[] = [];
  const decisions: LoggedDecision[] = [];
  const stats: DemoStats = { findings: 0, notified: 0, suppressed: 0, digested: 0, messages: 0 };
  const emit = (event: DemoFeedEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // One broken page connection must not stop the others.
      }
    }
  };
  const feed: DemoFeed = {
    snapshot: () => ({ messages: [...messages], decisions: [...decisions], stats: { ...stats } }),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    feed,
    addMessage(message) {
      messages.push(message);
      if (messages.length > KEPT_MESSAGES) messages.splice(0, messages.length - KEPT_MESSAGES);
      stats.messages += 1;
      emit({ type: 'message', message });
    },
    addDecisions(records, findings) {
      stats.findings += findings;
      for (const r of records) {
        if (r.outcome === 'notify') stats.notified += 1;
        else if (r.outcome === 'suppress') stats.suppressed += 1;
        else stats.digested += 1;
      }
      // Only the newest KEPT_DECISIONS are kept, so only those are copied (never spread into unshift: a big batch
      // would overflow the stack).
      const newestFirst: LoggedDecision[] = [];
      for (let i = records.length - 1; i >= 0 && newestFirst.length < KEPT_DECISIONS; i--) newestFirst.push(toLoggedDecision(records[i] as DecisionRecord));
      const kept = newestFirst.concat(decisions.slice(0, KEPT_DECISIONS - newestFirst.length));
      decisions.length = 0;
      for (const d of kept) decisions.push(d);
      emit({ type: 'decisions', decisions: newestFirst, stats: { ...stats } });
    },
    replaceMessage(seq, slack) {
      const index = messages.findIndex((m) => m.seq === seq);
      const current = messages[index];
      if (current === undefined) return false;
      const next: DemoMessage = { ...current, slack };
      messages[index] = next;
      emit({ type: 'update', message: next });
      return true;
    },
  };
}
