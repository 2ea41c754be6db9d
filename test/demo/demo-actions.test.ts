import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type DemoHandle } from '../../src/demo/demo.js';
import type { DemoMessage } from '../../src/demo/feed.js';

/**
 * The demo page's buttons work against the demo's own store, with no Slack: POST /api/actions runs the same worker a
 * signed Slack click runs, the feed rewrites the message (what chat.update does), and a refusal is told to the
 * clicker only. The page's own cross-site protections cover the endpoint.
 */

const silent = { debug() {}, info() {}, warn() {}, error() {} };
let demo: DemoHandle;

beforeAll(async () => {
  // The respond sample (a port probe from a public address, not a sample) comes within the first dozen steps.
  demo = await startDemo({ port: 0, paceMs: 5, seed: 7, maxFindings: 40, logger: silent });
});
afterAll(() => demo.stop());

/** Waits (bounded) for a feed message holding `actionId`. */
async function messageWith(actionId: string, extra: (m: DemoMessage) => boolean = () => true): Promise<DemoMessage> {
  // Bounded in rounds (at least 30 s): on a loaded machine each demo step (ingest, render, drain) can take a second.
  for (let round = 0; round < 3_000; round++) {
    const found = demo.feed.snapshot().messages.find((m) => JSON.stringify(m.slack).includes(`"${actionId}"`) && extra(m));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no demo message with ${actionId}`);
}

/** The element `actionId` of a message, and what a click on it sends (a button's value or a menu's option). */
function elementOf(message: DemoMessage, actionId: string, optionLabel?: string): { value?: string; option?: string } {
  const blocks = [...(message.slack.blocks ?? []), ...(message.slack.attachments ?? []).flatMap((a) => a.blocks ?? [])];
  for (const block of blocks) {
    if (block.type !== 'actions') continue;
    for (const element of block.elements) {
      if (element.action_id !== actionId) continue;
      if (element.type === 'static_select') {
        const option = element.options.find((o) => optionLabel === undefined || o.text.text === optionLabel) ?? element.options[0]!;
        return { option: option.value };
      }
      return 'value' in element && element.value !== undefined ? { value: element.value } : {};
    }
  }
  throw new Error(`no ${actionId}`);
}

async function click(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; answer: Record<string, unknown> }> {
  const res = await fetch(`${demo.url}/api/actions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, answer: (await res.json()) as Record<string, unknown> };
}

const current = (seq: number) => JSON.stringify(demo.feed.snapshot().messages.find((m) => m.seq === seq)?.slack ?? {});

describe('the demo page\'s buttons', () => {
  it('Acknowledge: done, and the message says so in place', async () => {
    const message = await messageWith('gdn.acknowledge');
    const { status, answer } = await click({ seq: message.seq, actionId: 'gdn.acknowledge', ...elementOf(message, 'gdn.acknowledge') });
    expect(status).toBe(200);
    expect(answer).toMatchObject({ ok: true, result: 'done', updated: true });
    expect(current(message.seq)).toContain('Acknowledged by <@U0DEMOUSER>');
  });

  it('Mute similar 7 d: a real mute rule in the demo store', async () => {
    const message = await messageWith('gdn.mute', (m) => !current(m.seq).includes('Muted'));
    const { answer } = await click({ seq: message.seq, actionId: 'gdn.mute', ...elementOf(message, 'gdn.mute', '7 d') });
    expect(answer).toMatchObject({ ok: true, result: 'done' });
    expect(current(message.seq)).toMatch(/Muted/);
  });

  it('Block IP in the demo\'s dry-run respond: "Would block", nothing written anywhere', async () => {
    const message = await messageWith('gdn.block');
    // The pipeline already decided a 12 h dry-run block for it: 7 d is longer, so there is something to do.
    const { answer } = await click({ seq: message.seq, actionId: 'gdn.block', ...elementOf(message, 'gdn.block', '7 d') });
    expect(answer).toMatchObject({ ok: true, result: 'dry-run' });
    expect(current(message.seq)).toContain('Would block');
  });

  it('tells the clicker only when an action cannot be done (a value that is not ours)', async () => {
    const message = await messageWith('gdn.archive');
    const { answer } = await click({ seq: message.seq, actionId: 'gdn.archive', value: '{"v":1,"d":"demo"}' });
    expect(answer).toMatchObject({ ok: true, result: 'refused', reason: 'invalid', updated: false });
    expect(String(answer.told)).toMatch(/\S/);
  });

  it('refuses what is not a click from its own page', async () => {
    const message = await messageWith('gdn.acknowledge');
    expect((await click({ seq: message.seq, actionId: 'gdn.acknowledge' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await click({ seq: message.seq, actionId: 'gdn.acknowledge' }, { origin: 'https://evil.example' })).status).toBe(403);
    const form = await fetch(`${demo.url}/api/actions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'seq=1' });
    expect(form.status).toBe(415);
    expect((await click({ seq: 'x' })).status).toBe(400);
    expect((await click({ seq: 999_999, actionId: 'gdn.acknowledge' })).status).toBe(404);
  });
});
