import { slackIn } from '../support/payloads.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutboxDrainer } from '../../src/deliver/outbox-drainer.js';
import { createSlackApiSink } from '../../src/deliver/slack-api.js';
import { createSlackWebhookSink } from '../../src/deliver/slack-webhook.js';
import type { OutboxRow } from '../../src/state/store.js';
import { createMemoryStore } from '../support/memory-store.js';
import { fault, startSlackStandin, type SlackFault, type SlackStandin } from '../support/slack-standin.js';
import { outboxRow, rendered } from './fixtures.js';
import { atLeastOnceProblems, createTimeoutWitness } from '../support/timeout-witness.js';

/**
 * The whole delivery path against the Slack stand-in: real HTTP, real WebClient, real timers, with Slack misbehaving
 * (a 429 storm, 500s, 503s, connection resets, slow and hung answers). What must hold: every message arrives, exactly
 * once unless one of its attempts timed out on our side (then Slack may have taken it: at least once), none is lost, a permanently broken message ends failed without holding back the others, and threads link up.
 * Rates are high (200/s) so the test stays fast; the faults, not the pace, are the point.
 */
let slack: SlackStandin | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

/** Deterministic misbehaviour by request index. Hangs are rare: each costs one client timeout. */
function misbehave(index: number): SlackFault | undefined {
  if (index >= 100 && index < 140) return fault.rateLimited(0); // a 429 storm (Retry-After: 0 → our backoff)
  if (index === 300 || index === 301) return fault.rateLimited(1); // real Retry-After: the destination pauses
  if (index % 29 === 0) return fault.status(500);
  if (index % 31 === 0) return fault.status(503);
  if (index % 23 === 0) return fault.reset();
  if (index % 11 === 0) return fault.slow(25);
  if (index === 222 || index === 444) return fault.hang();
  return undefined;
}

describe('outbox drainer against the Slack stand-in', () => {
  it('delivers 500 messages through a 429 storm, 5xx, resets and a slow Slack, twice only where an attempt timed out', { timeout: 60_000 }, async () => {
    const standin = await startSlackStandin({
      webhookRate: { perSecond: 1000, burst: 100 },
      channelRate: { perSecond: 1000, burst: 100 },
      channels: ['C-SEC'],
    });
    slack = standin;
    standin.setFaults((request) => misbehave(request.index));

    const rate = { perSecond: 200, burst: 10 };
    const witness = createTimeoutWitness();
    const sinks = new Map([
      ['hook-a', witness.wrap(createSlackWebhookSink({ name: 'hook-a', url: standin.webhookUrl('hook-a'), timeoutMs: 500, rate }))],
      ['hook-b', witness.wrap(createSlackWebhookSink({ name: 'hook-b', url: standin.webhookUrl('hook-b'), timeoutMs: 500, rate }))],
      ['api', witness.wrap(createSlackApiSink({ name: 'api', token: standin.token, channel: 'C-SEC', apiUrl: standin.apiUrl, timeoutMs: 500, rate }))],
    ]);

    // 498 ordinary messages spread over the three destinations; on the API channel every other one is a repeat
    // of the finding before it, so it must land in that finding's thread. Plus one message Slack rejects.
    const rows: OutboxRow[] = [];
    const destinations = ['hook-a', 'hook-b', 'api'] as const;
    for (let i = 0; i < 498; i++) {
      const destination = destinations[i % 3] ?? 'hook-a';
      const label = `msg-${String(i).padStart(3, '0')}`;
      const apiIndex = Math.floor(i / 3);
      const isRepeat = destination === 'api' && apiIndex % 2 === 1;
      const findingId = destination === 'api' ? `finding-${Math.floor(apiIndex / 2)}` : `finding-${label}`;
      rows.push(outboxRow(label, { destination, createdAt: i, findingId, findingIds: [findingId], kind: isRepeat ? 'repeat' : 'new', message: rendered(label) }));
    }
    const broken = rendered('msg-broken');
    broken.slack.blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    rows.push(outboxRow('msg-broken', { destination: 'hook-a', createdAt: 100.5, message: broken }));
    rows.push(outboxRow('msg-after-broken', { destination: 'hook-a', createdAt: 100.6, message: rendered('msg-after-broken') }));
    expect(rows).toHaveLength(500);

    const store = createMemoryStore();
    const ledger = [...new Map(rows.map((r) => [`${r.destination}/${r.findingId}`, r])).values()].map((r) => ({
      destination: r.destination,
      findingId: r.findingId ?? '',
      firstNotifiedAt: 0,
      lastNotifiedAt: 0,
      lastBandRank: 3,
      lastSeverity: 8,
      lastCount: 1,
      lastSeenAt: 0,
    }));
    await store.commit({ ledger, outbox: rows, decisions: [] });

    const errors: Array<Record<string, unknown> | undefined> = [];
    const logger = { warn() {}, error: (_m: string, fields?: Record<string, unknown>) => errors.push(fields) };
    const drainer = createOutboxDrainer({
      store,
      sinks,
      logger,
      retry: { baseDelayMs: 5, maxDelayMs: 50, maxElapsedMs: 20_000, maxAttempts: 100 },
      rowBackoff: { baseMs: 100, maxMs: 1_000 },
    });
    const summary = await drainer.drainUntilEmpty({ deadlineMs: Date.now() + 45_000 });

    // Every message arrived; more than once only where an attempt timed out after Slack may have taken it (the
    // hung requests always do; a slow answer does too on a loaded machine). Everything else exactly once.
    const expected = rows.filter((r) => r.id !== 'row-msg-broken').map((r) => slackIn(r.message).text);
    const receivedTexts = standin.received.map((m) => String(m.body['text']));
    expect(atLeastOnceProblems(expected, receivedTexts, witness.timedOut)).toEqual([]);

    // Each message went where it belonged.
    for (const row of rows.filter((r) => r.id !== 'row-msg-broken')) {
      const target = row.destination === 'api' ? 'C-SEC' : row.destination;
      expect(standin.receivedOn(target).some((m) => m.body['text'] === slackIn(row.message).text)).toBe(true);
    }

    // The broken message failed loudly, the one after it still went out.
    expect(summary).toMatchObject({ sent: 499, failed: 1 });
    const final = new Map(store.outbox().map((r) => [r.id, r]));
    expect(final.get('row-msg-broken')).toMatchObject({ status: 'failed', lastError: expect.stringContaining('invalid_blocks') });
    expect(final.get('row-msg-after-broken')?.status).toBe('sent');
    expect(errors).toContainEqual(expect.objectContaining({ outboxId: 'row-msg-broken', code: 'invalid_blocks' }));
    expect(await store.stats()).toMatchObject({ pending: 0, failed: 1, sent: 499 });

    // Threads: each repeat on the API channel replied to its finding's first message.
    const apiMessages = standin.receivedOn('C-SEC');
    const tsByText = new Map(apiMessages.map((m) => [String(m.body['text']), m.ts]));
    for (const row of rows.filter((r) => r.destination === 'api' && r.kind === 'repeat')) {
      const parent = rows.find((r) => r.destination === 'api' && r.kind === 'new' && r.findingId === row.findingId);
      const reply = apiMessages.find((m) => m.body['text'] === slackIn(row.message).text);
      expect(reply?.threadTs).toBe(tsByText.get(slackIn(parent?.message).text ?? ''));
    }

    // Slack did misbehave as planned.
    const outcomes = standin.attempts.map((a) => a.outcome);
    expect(outcomes.filter((o) => o === 'fault:ratelimit').length).toBeGreaterThanOrEqual(40);
    expect(outcomes).toContain('fault:reset');
    expect(outcomes).toContain('fault:500');
    expect(outcomes).toContain('fault:hang');
  });
});
