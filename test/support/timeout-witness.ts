import { slackIn } from './payloads.js';
import type { Sink } from '../../src/deliver/sink.js';
import { DeliveryError } from '../../src/deliver/errors.js';

/**
 * Delivery is at least once: a request that timed out on our side may still have reached Slack, and its retry is a
 * second copy (webhooks have no idempotency key; docs/configuration.md, "Delivery"). A test that asserts "exactly once" must
 * therefore know which messages had an attempt time out, or its verdict depends on the machine's speed. This wraps
 * a sink and records the Slack text of every message one of whose attempts ended in our client's timeout.
 *
 * @example
 * const witness = createTimeoutWitness();
 * const sink = witness.wrap(createSlackWebhookSink({ ... , timeoutMs: 500 }));
 * // every message arrived once, except those in witness.timedOut, which arrived once or more
 */
export function createTimeoutWitness(): { wrap(sink: Sink): Sink; readonly timedOut: ReadonlySet<string> } {
  const timedOut = new Set<string>();
  return {
    timedOut,
    wrap(sink: Sink): Sink {
      return {
        name: sink.name,
        type: sink.type,
        rate: sink.rate,
        ...(sink.threads === undefined ? {} : { threads: sink.threads }),
        describe: () => sink.describe(),
        async send(message, options) {
          try {
            return await sink.send(message, options);
          } catch (error) {
            if (error instanceof DeliveryError && error.code === 'timeout') timedOut.add(slackIn(message.message).text);
            throw error;
          }
        },
      };
    },
  };
}

/**
 * The at-least-once verdict: every expected text arrived, and a text arrived more than once only when one of its
 * attempts timed out on our side. Returns the problems (empty when the delivery was correct).
 */
export function atLeastOnceProblems(expected: readonly string[], receivedTexts: readonly string[], timedOut: ReadonlySet<string>): string[] {
  const seen = new Map<string, number>();
  for (const text of receivedTexts) seen.set(text, (seen.get(text) ?? 0) + 1);
  // Two messages may carry the same text (two findings with one title): compare counts, not sets.
  const want = new Map<string, number>();
  for (const text of expected) want.set(text, (want.get(text) ?? 0) + 1);
  const problems: string[] = [];
  for (const [text, wanted] of want) {
    const count = seen.get(text) ?? 0;
    if (count < wanted) problems.push(`delivered ${count} of ${wanted} times: ${text}`);
    else if (count > wanted && !timedOut.has(text)) problems.push(`delivered ${count} times (${wanted} expected) without a timed-out attempt: ${text}`);
  }
  for (const text of seen.keys()) if (!want.has(text)) problems.push(`unexpected message: ${text}`);
  return problems;
}
