import { slackIn, textIn } from '../support/payloads.js';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { OutgoingMessage, Sink } from '../../src/deliver/sink.js';
import { createAccountNameResolver, type AccountNameResolver } from '../../src/enrich/account-names.js';
import type { Finding } from '../../src/finding/finding.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { previewAs } from '../../src/pipeline/render-finding.js';
import { formatStatus, readStatus } from '../../src/state/status-report.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import { createMemoryStore } from '../support/memory-store.js';
import { makeFinding } from '../support/make-finding.js';
import { eventBridgeFinding } from '../entry/cli-helpers.js';

/**
 * Issue 11 item 1, the isolation itself: a finding that throws in enrich, route, decide or render is one recorded
 * error (with the input document it came from, its id and the stage), delivered as a plain fallback message where a
 * destination is known, and never holds back the others. Findings that throw are made here with a getter that throws
 * on the one field the stage reads first, so the test holds whatever look-up bug the next hostile document finds.
 */

const NOW = Date.parse('2026-11-20T12:00:00Z');

function captureSink(name: string): Sink & { received: OutgoingMessage[] } {
  const received: OutgoingMessage[] = [];
  return { name, type: 'stdout', rate: { perSecond: 1_000, burst: 1_000 }, received, async send(m) { received.push(m); return {}; }, describe: () => name };
}

/** A finding whose `field` throws when read (the stage that reads it first fails). */
function throwingOn(field: keyof Finding, overrides: Partial<Finding>): Finding {
  const finding = { ...makeFinding(overrides) } as Record<string, unknown>;
  Object.defineProperty(finding, field, {
    enumerable: true,
    get() {
      throw new TypeError(`value.trim is not a function (${field})`);
    },
  });
  return finding as unknown as Finding;
}

const id = (n: number) => `${n}`.padStart(32, 'a');

function setup(input: Partial<ConfigInput> = {}, options: { accountNames?: AccountNameResolver; logger?: Logger } = {}) {
  const config = parseConfig({ destinations: [{ name: 'out', type: 'stdout' }], ...input }, 'test');
  const sink = captureSink('out');
  const store = createMemoryStore();
  const pipeline = createPipeline({
    config,
    store,
    sinks: new Map([['out', sink]]),
    accountNames: options.accountNames ?? createAccountNameResolver({ names: {} }),
    logger: options.logger ?? silentLogger,
    now: () => NOW,
  });
  return { pipeline, store, sink };
}

describe('one finding that throws in a stage', () => {
  it('is one recorded error per stage, with its document and id; the good finding and fallbacks are delivered', async () => {
    const throwingNames: AccountNameResolver = {
      async nameOf(accountId) {
        if (accountId === '000000000001') throw new TypeError('names[accountId] is not a string');
        return undefined;
      },
    };
    const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const logger: Logger = { ...silentLogger, error: (message, fields) => logged.push({ message, fields }) };
    const { pipeline, store, sink } = setup({ routes: [{ match: { resourceTypes: ['Instance'] }, to: ['out'] }] }, { accountNames: throwingNames, logger });

    const findings = [
      makeFinding({ id: id(0) }),
      makeFinding({ id: id(1), accountId: '000000000001' }),
      throwingOn('resource', { id: id(2) }),
      throwingOn('archived', { id: id(3) }),
      throwingOn('action', { id: id(4) }),
    ];
    const result = await pipeline.ingestFindings(findings, { now: NOW });
    await pipeline.drain({ deadlineMs: NOW + 60_000 });

    expect(result.findingErrors.map((e) => [e.document, e.findingId, e.stage])).toEqual([
      [1, id(1), 'enrich'],
      [2, id(2), 'route'],
      [3, id(3), 'decide'],
      [4, id(4), 'render'],
    ]);
    const byFinding = new Map(sink.received.map((m) => [m.findingIds[0], m]));
    // The good one in full; the one without its account name in full; route failed: no destination to send to.
    expect(slackIn(byFinding.get(id(0))?.message).text).not.toContain('could not be shown');
    expect(slackIn(byFinding.get(id(1))?.message).text).not.toContain('could not be shown');
    expect(byFinding.has(id(2))).toBe(false);
    // Decide and render failed: a plain fallback naming the finding.
    for (const n of [3, 4]) {
      const message = byFinding.get(id(n))?.message;
      expect(slackIn(message).text).toContain('A finding could not be shown in full');
      expect(slackIn(message).text).toContain(id(n));
      expect(textIn(message).body).toContain(id(n));
    }
    // Logged with its id and stage; kept where `status` reads it.
    expect(logged.map((l) => [l.fields?.findingId, l.fields?.stage])).toEqual([
      [id(1), 'enrich'],
      [id(2), 'route'],
      [id(3), 'decide'],
      [id(4), 'render'],
    ]);
    const errors = (await store.recentDecisions(50)).filter((d) => d.outcome === 'error');
    expect(errors.map((d) => [d.findingId, d.reason]).sort()).toEqual([
      [id(1), 'error:enrich'],
      [id(2), 'error:route'],
      [id(3), 'error:decide'],
      [id(4), 'error:render'],
    ]);
    const status = formatStatus(await readStatus(store, 50), NOW);
    expect(status).toMatch(new RegExp(`error\\s+error:render .*${id(4)}`));
  });

  it('is not sent again when it comes back (its ledger row is written), so nothing retries it forever', async () => {
    const { pipeline, sink } = setup();
    for (let round = 0; round < 3; round++) {
      const result = await pipeline.ingestFindings([makeFinding({ id: id(9), count: round + 1 }), throwingOn('action', { id: id(8), count: round + 1 })], { now: NOW });
      // Rendered once; afterwards its ledger row makes it a duplicate, which is not rendered at all.
      expect(result.findingErrors.map((e) => e.stage)).toEqual(round === 0 ? ['render'] : []);
      await pipeline.drain({ deadlineMs: NOW + 60_000 });
    }
    expect(sink.received.filter((m) => m.findingIds.includes(id(8)))).toHaveLength(1);
    expect(sink.received.filter((m) => m.findingIds.includes(id(9)))).toHaveLength(1);
  });

  it('leaves the digest it was part of to the others and gets a fallback of its own', async () => {
    const { pipeline, sink } = setup({ digest: { threshold: 2 } });
    // The digest reads `lastSeen` of every finding it counts (to order them); nothing before render does.
    const findings = [makeFinding({ id: id(20) }), throwingOn('lastSeen', { id: id(21) }), makeFinding({ id: id(22) }), makeFinding({ id: id(23) })];
    const result = await pipeline.ingestFindings(findings, { now: NOW });
    await pipeline.drain({ deadlineMs: NOW + 60_000 });
    expect(result.findingErrors.map((e) => [e.findingId, e.stage])).toEqual([[id(21), 'render']]);
    const digest = sink.received.find((m) => m.kind === 'digest');
    expect(digest?.findingIds).toEqual([id(20), id(22), id(23)]);
    const fallback = sink.received.find((m) => m.kind !== 'digest');
    expect(fallback?.findingIds).toEqual([id(21)]);
    expect(slackIn(fallback?.message).text).toContain('A finding could not be shown in full');
  });

  it('names the document it came from when documents are ingested (Lambda maps it to its SQS record)', async () => {
    const throwingNames: AccountNameResolver = {
      async nameOf(accountId) {
        if (accountId === '000000000002') throw new TypeError('boom');
        return undefined;
      },
    };
    const { pipeline } = setup({}, { accountNames: throwingNames });
    const bad = eventBridgeFinding({ id: id(31) }) as { detail: { accountId: string } };
    bad.detail.accountId = '000000000002';
    const result = await pipeline.ingest(['not a finding', eventBridgeFinding({ id: id(30) }), bad], { now: NOW });
    expect(result.errors.map((e) => e.document)).toEqual([0]);
    expect(result.findingErrors.map((e) => [e.document, e.findingId, e.stage])).toEqual([[2, id(31), 'enrich']]);
  });
});

describe('a big batch', () => {
  it('ingests one document of 150,000 findings (appended without spreading them into push)', async () => {
    const { pipeline } = setup();
    const findings = Array.from({ length: 150_000 }, (_, i) => ({ id: i.toString(16).padStart(32, '0'), type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2 }));
    const result = await pipeline.ingest([{ findings }], { now: NOW, dryRun: true });
    expect(result.findings).toBe(150_000);
    expect(result.errors).toEqual([]);
  }, 60_000);
});

describe('previewAs (the render command and the demo preview)', () => {
  const accountNames = createAccountNameResolver({ names: {} });

  it.each(['slack', 'text', 'full'] as const)('gives the plain fallback in the %s format for a finding that does not render, and says why', async (format) => {
    const { payload, error } = await previewAs(throwingOn('action', { id: id(40) }), format, { accountNames, now: NOW });
    expect(error).toEqual({ stage: 'render', message: 'value.trim is not a function (action)' });
    expect(JSON.stringify(payload)).toContain('A finding could not be shown in full');
    expect(JSON.stringify(payload)).toContain(id(40));
  });

  it('computes only the format asked for', async () => {
    const slack = await previewAs(makeFinding(), 'slack', { accountNames, now: NOW });
    const text = await previewAs(makeFinding(), 'text', { accountNames, now: NOW });
    expect(Object.keys(slack.payload as object)).toContain('blocks');
    expect(Object.keys(text.payload as object).sort()).toEqual(['body', 'subject']);
  });
});
