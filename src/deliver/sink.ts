import type { OutboxRow } from '../state/store.js';

/**
 * What a sink is given: the outbox row's message and what it is about (never its delivery bookkeeping), plus the
 * finding's Slack thread looked up right before sending. `id` is the row's id, the same across retries and restarts;
 * `findingId` is absent for digests (threading sinks key their thread on it); `findingIds` are the findings the
 * message accounts for.
 */
export type OutgoingMessage = Pick<OutboxRow, 'id' | 'destination' | 'kind' | 'findingId' | 'findingIds' | 'message'> & {
  /** Slack thread of this finding in this destination, if an earlier message opened one. */
  threadTs?: string;
};

export interface SendResult {
  /** Slack `ts` of the posted message (slack-api only): becomes the finding's thread. */
  ts?: string;
}

/**
 * One destination. `send` posts exactly one message once (no retries of its own beyond what one call needs) and
 * throws a `DeliveryError` saying `retryable` or not; the caller (outbox drainer) owns retries, rate limits and state.
 */
export interface Sink {
  readonly name: string;
  readonly type: string;
  /** Messages per second this destination accepts, and the burst it tolerates (for the drainer's rate limiter). */
  readonly rate: { perSecond: number; burst: number };
  /**
   * True when the sink threads messages by finding (slack-api): the drainer then looks up the finding's thread `ts`
   * in the ledger right before sending and records the `ts` a top-level message returns. Absent means false.
   */
  readonly threads?: boolean;
  send(message: OutgoingMessage, options?: { signal?: AbortSignal }): Promise<SendResult>;
  /** A safe description for logs: never the URL or token. */
  describe(): string;
}
