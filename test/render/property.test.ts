/**
 * Property-style tests: many findings made of hostile strings (mention and link syntax, formatting characters, emoji,
 * lone surrogates, bidi controls, huge lengths) from a fixed-seed generator, so any failure reproduces. Every message
 * must stay within Slack's limits and keep every finding string inert.
 */
import { describe, expect, it } from 'vitest';
import { renderFindingMessage } from '../../src/render/render-message.js';
import { renderDigestMessage } from '../../src/render/digest.js';
import { checkSlackLimits, SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX } from '../../src/render/limits.js';
import { escapeMrkdwn, truncate } from '../../src/render/mrkdwn.js';
import type { DigestItem, RenderContext } from '../../src/render/render-context.js';
import type { MessageKind } from '../../src/core/message.js';
import { NOW } from '../support/make-finding.js';
import { validateSlackMessage } from '../support/slack-standin.js';
import { messageProblems, mrkdwnProblems } from './inert.js';
import { seededRandom } from '../support/seeded-random.js';
import { hostileString, randomFinding, randomString } from '../support/hostile-findings.js';
import { parseFindingDocument } from '../../src/finding/parse.js';
import { loadFixture } from '../support/finding-fixtures.js';


const CONSOLE_URL = 'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=x&macros=current';
const RUNBOOK_URL = 'https://wiki.example.com/runbook';
const KINDS: Array<MessageKind | undefined> = [undefined, 'new', 'escalated', 'reminder', 'repeat', 'digest'];

describe('rendering hostile findings (fixed seed)', () => {
  it('keeps 300 random finding messages within Slack and SNS limits and inert', () => {
    const next = seededRandom(20240501);
    for (let i = 0; i < 300; i += 1) {
      const finding = randomFinding(next);
      const ctx: RenderContext = {
        now: NOW,
        accountName: next() < 0.5 ? hostileString(next) : undefined,
        consoleUrl: next() < 0.8 ? CONSOLE_URL : hostileString(next),
        consoleLabel: next() < 0.2 ? hostileString(next) : undefined,
        kind: KINDS[Math.floor(next() * KINDS.length)],
        previousBand: next() < 0.5 ? hostileString(next) : 'Medium',
        runbookUrl: next() < 0.3 ? RUNBOOK_URL : undefined,
        destination: next() < 0.3 ? hostileString(next) : undefined,
      };
      const message = renderFindingMessage(finding, ctx);
      const context = `case ${i}: ${JSON.stringify(finding.title).slice(0, 200)}`;
      expect(checkSlackLimits(message.slack), context).toEqual([]);
      // The Slack stand-in's own rules agree (an independent reading of the same limits).
      expect(validateSlackMessage(message.slack as unknown as Record<string, unknown>), context).toBeUndefined();
      expect(messageProblems(message.slack, [CONSOLE_URL, RUNBOOK_URL]), context).toEqual([]);
      expect(message.text.subject, context).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
      expect(message.text.subject.length, context).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
      expect(Buffer.byteLength(message.text.body, 'utf8'), context).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
      expect(message.text.body, context).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
      for (const value of Object.values(message.attributes)) expect(value, context).not.toBe('');
    }
  });

  it('keeps 40 random digests of up to 400 hostile findings within limits and inert', () => {
    const next = seededRandom(42);
    for (let i = 0; i < 40; i += 1) {
      const items: DigestItem[] = Array.from({ length: Math.floor(next() * 400) }, () => ({
        finding: randomFinding(next, false),
        accountName: next() < 0.5 ? hostileString(next, false) : undefined,
        consoleUrl: next() < 0.8 ? CONSOLE_URL : hostileString(next, false),
      }));
      const top = next() < 0.2 ? Math.floor(next() * 1000) : undefined;
      const part = next() < 0.3 ? { index: 2, of: 3 } : undefined;
      const message = renderDigestMessage(items, { now: NOW, top, part });
      expect(checkSlackLimits(message.slack), `digest ${i}`).toEqual([]);
      expect(validateSlackMessage(message.slack as unknown as Record<string, unknown>), `digest ${i}`).toBeUndefined();
      expect(messageProblems(message.slack, [CONSOLE_URL]), `digest ${i}`).toEqual([]);
      expect(message.text.subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
      expect(Buffer.byteLength(message.text.body, 'utf8')).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
    }
  });

  it('escapeMrkdwn then truncate to any length stays inert', () => {
    const next = seededRandom(7);
    for (let i = 0; i < 2000; i += 1) {
      const text = randomString(next, 40);
      const max = Math.floor(next() * 200);
      const out = truncate(escapeMrkdwn(text), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(mrkdwnProblems(out), JSON.stringify(text)).toEqual([]);
    }
  });
});

/**
 * The 2026 shapes, generated from the shapes themselves: each template document (an OCSF V2 event, a bare OCSF
 * finding, a GetFindingsV2 page, scan results, an attack sequence and its signal) with every string leaf replaced by a
 * hostile string, some lists grown to hundreds of elements, sometimes wrapped in an SNS envelope. Only the members
 * that say which shape it is (`source`, `detail-type`) keep their value, half the time also the ones that choose a
 * path inside it (product name, scan result), so both the GuardDuty and the generic readings are exercised.
 */
const SHAPE_TEMPLATES = [
  () => loadFixture('securityhub-v2-event-guardduty-ocsf'),
  () => loadFixture('ocsf-bare-guardduty-api-ipv6-resolved'),
  () => loadFixture('getfindingsv2-inspector-and-control-ocsf'),
  () => loadFixture('eventbridge-malware-scan-threats-found'),
  () => loadFixture('eventbridge-malware-scan-access-denied'),
  () => loadFixture('eventbridge-malware-s3-maliciousfile-finding'),
  () => (loadFixture('array-attack-sequence-and-member') as unknown[])[0],
  () => (loadFixture('array-attack-sequence-and-member') as unknown[])[1],
];

const STRUCTURAL_KEYS = new Set(['source', 'detail-type']);
const PATH_KEYS = new Set(['name', 'type', 'scanResultStatus', 'resourceType', 'actionType']);

/** Per document: at most two lists grown and a few huge strings, or generation (not rendering) would be the test. */
interface Budget {
  grow: number;
  huge: number;
}

function hostileDocument(value: unknown, next: () => number, key = '', budget: Budget = { grow: 2, huge: 3 }): unknown {
  if (typeof value === 'string') {
    if (STRUCTURAL_KEYS.has(key)) return value;
    if (PATH_KEYS.has(key) && next() < 0.5) return value;
    const huge = budget.huge > 0 && next() < 0.05;
    if (huge) budget.huge -= 1;
    return hostileString(next, huge);
  }
  if (Array.isArray(value)) {
    let items = value;
    if (value.length > 0 && budget.grow > 0 && next() < 0.15) {
      budget.grow -= 1;
      items = Array.from({ length: 50 + Math.floor(next() * 350) }, (_, i) => value[i % value.length]);
      // The copies of a grown list stay plain (no nested growth, no huge strings).
      const plain = { grow: 0, huge: 0 };
      return items.map((item) => hostileDocument(item, next, key, plain));
    }
    return items.map((item) => hostileDocument(item, next, key, budget));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = hostileDocument(v, next, k, budget);
    return out;
  }
  return value;
}

describe('rendering hostile documents of the 2026 shapes (fixed seed)', () => {
  it('keeps 200 generated OCSF, scan-result and attack-sequence messages within limits and inert', () => {
    const next = seededRandom(20260301);
    let rendered = 0;
    for (let i = 0; i < 200; i += 1) {
      const template = SHAPE_TEMPLATES[i % SHAPE_TEMPLATES.length]!();
      let doc = hostileDocument(template, next);
      if (next() < 0.2) doc = { Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: JSON.stringify(doc) };
      const { findings } = parseFindingDocument(doc);
      for (const finding of findings) {
        const ctx: RenderContext = {
          now: NOW,
          accountName: next() < 0.5 ? hostileString(next) : undefined,
          consoleUrl: CONSOLE_URL,
          kind: KINDS[Math.floor(next() * KINDS.length)],
          destination: next() < 0.3 ? hostileString(next) : undefined,
        };
        const message = renderFindingMessage(finding, ctx);
        const context = `shape case ${i} (${finding.format}): ${JSON.stringify(finding.title).slice(0, 120)}`;
        expect(checkSlackLimits(message.slack), context).toEqual([]);
        expect(validateSlackMessage(message.slack as unknown as Record<string, unknown>), context).toBeUndefined();
        expect(messageProblems(message.slack, [CONSOLE_URL]), context).toEqual([]);
        expect(message.text.subject, context).toMatch(/^[\x21-\x7E][\x20-\x7E]*$/);
        expect(message.text.subject.length, context).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
        expect(Buffer.byteLength(message.text.body, 'utf8'), context).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
        expect(message.text.body, context).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
        rendered += 1;
      }
    }
    // Most documents still parse (a hostile detail-type would not, but those keys are kept).
    expect(rendered).toBeGreaterThan(150);
  });

  it('keeps digests of hostile 2026-shape findings within limits', () => {
    const next = seededRandom(77);
    const items: DigestItem[] = [];
    for (let i = 0; i < 120; i += 1) {
      for (const finding of parseFindingDocument(hostileDocument(SHAPE_TEMPLATES[i % SHAPE_TEMPLATES.length]!(), next)).findings) items.push({ finding });
    }
    const message = renderDigestMessage(items, { now: NOW });
    expect(checkSlackLimits(message.slack)).toEqual([]);
    expect(messageProblems(message.slack)).toEqual([]);
  });
});
