import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxDrainer } from '../../src/deliver/outbox-drainer.js';
import { createSink, DEFAULT_RATES } from '../../src/deliver/create-sink.js';
import { payloadFormatOf } from '../../src/deliver/payload-format.js';
import { createTeamsWorkflowSink, workflowPayload } from '../../src/deliver/teams-workflow.js';
import { redactWorkflowUrl } from '../../src/deliver/redact.js';
import { renderFindingAs } from '../../src/render/renderers.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import type { OutboxRow } from '../../src/state/store.js';
import { makeFinding, NOW } from '../support/make-finding.js';
import { createManualClock } from '../support/manual-clock.js';
import { sendError } from '../support/delivery-error.js';
import { startTeamsWorkflowStandin, TEST_WORKFLOW_SIG, type TeamsWorkflowStandin } from '../support/teams-workflow-standin.js';
import { outgoing, outboxRow, rendered } from './fixtures.js';

let teams: TeamsWorkflowStandin;
beforeAll(async () => {
  teams = await startTeamsWorkflowStandin();
});
afterAll(async () => {
  await teams.close();
});

const cardRow = (label: string) => ({ teams: (renderFindingAs('teams', makeFinding({ id: `f-${label}`, title: label }), { now: NOW }) as { teams: ReturnType<typeof rendered>['teams'] }).teams });

describe('Teams Workflows sink', () => {
  it('posts the card as a Workflows message attachment and takes 202 as accepted', async () => {
    const sink = createTeamsWorkflowSink({ name: 'teams-sec', url: teams.workflowUrl('flowA') });
    const message = { ...outgoing({ label: 'hello' }), message: cardRow('hello') };
    await expect(sink.send(message)).resolves.toEqual({});
    expect(teams.received.at(-1)).toMatchObject({ flow: 'flowA', card: { type: 'AdaptiveCard', version: '1.5' } });
    expect(workflowPayload(message)).toEqual({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: message.message.teams }] });
    expect(sink).toMatchObject({ type: 'teams-workflow', rate: { perSecond: 1, burst: 2 } });
    expect(DEFAULT_RATES['teams-workflow']).toEqual({ perSecond: 1, burst: 2 });
    expect(payloadFormatOf({ type: 'teams-workflow' })).toBe('teams');
  });

  it.each([
    [{ type: 'throttle', retryAfterSeconds: 7 } as const, true, 429, 7000],
    [{ type: 'status', status: 502 } as const, true, 502, undefined],
    [{ type: 'status', status: 400 } as const, false, 400, undefined],
    [{ type: 'status', status: 403 } as const, false, 403, undefined],
    [{ type: 'deleted' } as const, false, 404, undefined],
  ])('answers %j: retryable %s, status %s', async (fault, retryable, status, retryAfterMs) => {
    const url = teams.workflowUrl('flowB');
    const sink = createTeamsWorkflowSink({ name: 'teams-sec', url });
    teams.failNext(fault);
    const error = await sendError(sink.send({ ...outgoing(), message: cardRow('x') }));
    expect(error).toMatchObject({ retryable, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    // The reason Teams gave is kept for `status`; the URL and its sig never are.
    if (!retryable) expect(error.message).toMatch(/Http|WorkflowNotFound|could not be found/);
    for (const text of [error.message, error.stack ?? '', JSON.stringify(error), sink.describe()]) {
      expect(text).not.toContain(TEST_WORKFLOW_SIG);
      expect(text).not.toContain('/workflows/');
    }
  });

  it('says a deleted flow (404) and a wrong sig (401) are permanent, with what to do', async () => {
    teams.deleteFlow('gone');
    const deleted = await sendError(createTeamsWorkflowSink({ name: 't', url: teams.workflowUrl('gone') }).send({ ...outgoing(), message: cardRow('x') }));
    expect(deleted).toMatchObject({ retryable: false, status: 404 });
    expect(deleted.message).toContain('copy the new URL');
    const wrongSig = teams.workflowUrl('flowC').replace(TEST_WORKFLOW_SIG, 'not-the-signature');
    const refused = await sendError(createTeamsWorkflowSink({ name: 't', url: wrongSig }).send({ ...outgoing(), message: cardRow('x') }));
    expect(refused).toMatchObject({ retryable: false, status: 401 });
    expect(refused.message).not.toContain('not-the-signature');
  });

  it('refuses a row that holds no card (rendered for another destination type), permanently', async () => {
    const error = await sendError(createTeamsWorkflowSink({ name: 't', url: teams.workflowUrl('flowD') }).send({ ...outgoing(), message: { slack: { text: 'x' } } }));
    expect(error).toMatchObject({ retryable: false, code: 'payload_missing' });
  });

  it('redacts the URL to its origin, and createSink refuses plain http off loopback without echoing the URL', () => {
    const url = 'https://prod-12.westus.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sig=S3CR3T';
    expect(redactWorkflowUrl(url)).toBe('https://prod-12.westus.logic.azure.com/***');
    const http = 'http://example.com/workflows/x?sig=S3CR3T';
    expect(() => createSink({ config: { name: 't', type: 'teams-workflow', url: { env: 'U' } }, secret: http })).toThrow(/must be https/);
    try {
      createSink({ config: { name: 't', type: 'teams-workflow', url: { env: 'U' } }, secret: http });
    } catch (error) {
      expect(String(error)).not.toContain('S3CR3T');
    }
  });

  it('loses nothing and sends nothing twice through a 429 storm', async () => {
    const clock = createManualClock(Date.parse('2026-12-08T04:00:00Z'));
    const store = createMemoryStore();
    const rows: OutboxRow[] = Array.from({ length: 30 }, (_, i) =>
      outboxRow(`s${i}`, { id: `storm-${i}`, destination: 'teams', createdAt: clock.now() + i, nextAttemptAt: clock.now(), message: cardRow(`storm ${i}`) }),
    );
    await store.commit({ ledger: [], outbox: rows, decisions: [] });
    // Every other request is throttled for a while, then all of a burst.
    teams.failNext(
      ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? { type: 'throttle' as const, retryAfterSeconds: 2 } : { type: 'status' as const, status: 503 })),
    );
    const before = teams.received.length;
    const sink = createTeamsWorkflowSink({ name: 'teams', url: teams.workflowUrl('storm') });
    const drainer = createOutboxDrainer({ store, sinks: new Map([['teams', sink]]), now: clock.now, sleep: clock.sleep, random: () => 0 });
    for (let pass = 0; pass < 200 && (await store.listOutbox({ status: 'pending', limit: 1 })).length > 0; pass++) {
      await drainer.drainOnce({ deadlineMs: clock.now() + 60_000 });
      clock.advance(5_000);
    }
    const sent = await store.listOutbox({ status: 'sent', limit: 100 });
    expect(sent).toHaveLength(30);
    const titles = teams.received.slice(before).filter((r) => r.flow === 'storm').map((r) => JSON.stringify(r.card));
    expect(titles).toHaveLength(30);
    for (let i = 0; i < 30; i++) expect(titles.filter((t) => t.includes(`"storm ${i}"`))).toHaveLength(1);
  });
});
