import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { OutgoingMessage, Sink } from '../../src/deliver/sink.js';
import { createAccountNameResolver } from '../../src/enrich/account-names.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createMemoryStore } from '../support/memory-store.js';
import { listFixtures, loadFixture } from '../support/finding-fixtures.js';
import { eventBridgeFinding } from '../entry/cli-helpers.js';
import { silentLogger } from '../../src/core/logger.js';

/**
 * Issue 11 item 1: finding content used as a key into a plain object (`names[accountId]`, `SUMMARISERS[type]`) found
 * Object.prototype's members, and one such finding failed its whole batch. Here every string field of every fixture
 * (every shape the parser accepts: new shapes join as their fixtures are added), also inside JSON-string members
 * (an SNS `Message`, an SQS `body`), is set to each Object.prototype member name, and goes through the real pipeline
 * in a batch beside a good finding: the good finding must be delivered, the ingest must not throw, and the hostile
 * finding itself must render in full (no finding error: look-ups use Map / Object.hasOwn). Every variant
 * gets a state of its own: with one shared ledger, the variants (one finding id) would be duplicates, never rendered.
 */

const HOSTILE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'Constructor', 'CONSTRUCTOR', '__PROTO__'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON-string member holding an object or array (SNS `Message`, SQS `body`), parsed; else undefined. */
function embeddedJson(text: string): unknown {
  const start = text.trimStart().charAt(0);
  if (start !== '{' && start !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One copy of `value` per string leaf, that leaf replaced by `hostile` (copies share what they do not change). */
function variants(value: unknown, hostile: string): unknown[] {
  if (typeof value === 'string') {
    const out: unknown[] = [hostile];
    const inner = embeddedJson(value);
    if (inner !== undefined) for (const v of variants(inner, hostile)) out.push(JSON.stringify(v));
    return out;
  }
  const out: unknown[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      for (const v of variants(item, hostile)) {
        const copy = value.slice();
        copy[i] = v;
        out.push(copy);
      }
    });
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      for (const v of variants(value[key], hostile)) {
        const copy = { ...value };
        Object.defineProperty(copy, key, { value: v, enumerable: true, writable: true, configurable: true });
        out.push(copy);
      }
    }
  }
  return out;
}

function captureSink(name: string): Sink & { received: OutgoingMessage[] } {
  const received: OutgoingMessage[] = [];
  return { name, type: 'stdout', rate: { perSecond: 1_000_000, burst: 1_000_000 }, received, async send(message) { received.push(message); return {}; }, describe: () => name };
}

const NOW = Date.parse('2026-11-20T12:00:00Z');

/**
 * A fixture makes (string fields × hostile names) pipeline runs, each on a fresh store: 3,000 for the attack sequence
 * fixture, a few seconds on a quiet machine and half a minute at a load of 16 on two cores. The work is bounded by
 * that count; this bound only catches a hang, never a slow machine.
 */
const HANG_BOUND_MS = 600_000;

describe('a finding whose text names an Object.prototype member', () => {
  it.each(listFixtures())('never holds back the good finding beside it: every string field of %s', { timeout: HANG_BOUND_MS }, async (fixture) => {
    const sink = captureSink('out');
    const config = parseConfig({ destinations: [{ name: 'out', type: 'stdout' }], dropSamples: false }, 'test');
    const sinks = new Map([['out', sink]]);
    const accountNames = createAccountNameResolver({ names: config.accounts });
    const document = loadFixture(fixture);
    const problems: string[] = [];
    const notRendered: string[] = [];
    const goodIds: string[] = [];
    let n = 0;
    for (const hostile of HOSTILE_NAMES) {
      for (const variant of variants(document, hostile)) {
        const goodId = `900d${(n++).toString(16).padStart(28, '0')}`;
        goodIds.push(goodId);
        const store = createMemoryStore();
        const pipeline = createPipeline({ config, store, sinks, accountNames, logger: silentLogger, now: () => NOW });
        try {
          const result = await pipeline.ingest([eventBridgeFinding({ id: goodId }), variant]);
          // And the hostile finding itself renders in full: no look-up is fooled into throwing.
          for (const e of result.findingErrors) if (notRendered.length < 10) notRendered.push(`${hostile}: ${e.stage}: ${e.message}`);
          await pipeline.drain({ deadlineMs: NOW + 60_000 });
        } catch (error) {
          if (problems.length < 10) problems.push(`${hostile}: ${(error as Error).message}`);
        } finally {
          await store.close();
        }
      }
    }
    const delivered = new Set(sink.received.flatMap((m) => m.findingIds));
    const missing = goodIds.filter((id) => !delivered.has(id));
    expect(problems).toEqual([]);
    expect(missing).toHaveLength(0);
    expect(notRendered).toEqual([]);
  });
});
