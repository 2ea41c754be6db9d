import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDemoFeed, KEPT_DECISIONS, KEPT_MESSAGES, type DemoFeedEvent, type DemoMessage } from '../../src/demo/feed.js';
import type { DecisionRecord } from '../../src/policy/decision-record.js';

/** The demo runs for hours: its inbox keeps the newest few hundred messages, on the server and on the page. */

const message = (seq: number): DemoMessage => ({
  seq,
  id: `m${seq}`,
  destination: 'demo',
  kind: 'new',
  receivedAt: seq,
  findingIds: [`f${seq}`],
  slack: { text: `message ${seq}` },
  attributes: {},
});

const decision = (i: number): DecisionRecord => ({
  at: i,
  destination: 'demo',
  findingId: `f${i}`,
  findingType: 'Recon:EC2/Portscan',
  title: `finding ${i}`,
  severity: 5,
  outcome: 'notify',
  reason: { code: 'new' },
});

describe('the demo inbox stays bounded', () => {
  it('keeps the newest messages and decisions for a page that opens later, still sending every new one live', () => {
    const { feed, addMessage, addDecisions } = createDemoFeed();
    const live: DemoFeedEvent[] = [];
    feed.subscribe((event) => live.push(event));
    for (let seq = 1; seq <= 1_000; seq++) addMessage(message(seq));
    for (let batch = 0; batch < 10; batch++) addDecisions(Array.from({ length: 50 }, (_, i) => decision(batch * 50 + i)), 50);

    const snapshot = feed.snapshot();
    expect(KEPT_MESSAGES).toBeGreaterThanOrEqual(100);
    expect(snapshot.messages.map((m) => m.seq)).toEqual(Array.from({ length: KEPT_MESSAGES }, (_, i) => 1_000 - KEPT_MESSAGES + 1 + i));
    expect(snapshot.decisions).toHaveLength(KEPT_DECISIONS);
    expect(snapshot.decisions[0]?.findingId).toBe('f499');
    expect(snapshot.stats).toMatchObject({ messages: 1_000, findings: 500, notified: 500 });
    expect(live.filter((e) => e.type === 'message')).toHaveLength(1_000);
  });

  it('has the page keep as many messages as the feed, dropping the oldest', () => {
    const script = readFileSync(join(process.cwd(), 'src', 'demo', 'page', 'demo.js'), 'utf8');
    expect(Number(/const MAX_SHOWN = (\d+);/.exec(script)?.[1])).toBe(KEPT_MESSAGES);
    expect(Number(/const MAX_DECISIONS = (\d+);/.exec(script)?.[1])).toBe(KEPT_DECISIONS);
    // addMessage removes the last (oldest) entries past MAX_SHOWN.
    expect(script).toMatch(/while \(list\.children\.length > MAX_SHOWN\) \{\s*const last = list\.lastElementChild;/);
  });
});
