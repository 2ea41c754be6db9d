import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { jsonForTerminal, safeForTerminal } from '../../src/core/terminal-text.js';
import { createConsoleLogger } from '../../src/core/console-logger.js';
import { jsonLine } from '../../src/deliver/json-lines.js';
import { formatStatusJson } from '../../src/state/status-report.js';

/**
 * Issue 11 item 4: every path to a terminal escapes the same characters. JSON.stringify escapes only C0 (U+0000–U+001F):
 * C1 controls (U+0080–U+009F: U+009B is a one-byte CSI, U+0085 a line break), the line and paragraph separators, and
 * the bidi controls (which reorder what a reader sees) went through raw in log lines, `stdout`/`file` destinations and
 * `status --json`.
 */

const UNSAFE = [
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['NEL (C1)', '\u0085'],
  ['CSI (C1)', '\u009b'],
  ['OSC (C1)', '\u009d'],
  ['LINE SEPARATOR', '\u2028'],
  ['PARAGRAPH SEPARATOR', '\u2029'],
  ['LRE', '\u202a'],
  ['RLO', '\u202e'],
  ['LRI', '\u2066'],
  ['PDI', '\u2069'],
  ['ALM', '\u061c'],
  ['LRM', '\u200e'],
  ['RLM', '\u200f'],
] as const;
const RAW = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/;

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  return { stream, text: () => out };
}

describe.each(UNSAFE)('%s from a finding', (_name, ch) => {
  const hostile = `Recon:EC2/Port ${ch}[2J probe${ch}`;

  it('is shown escaped by safeForTerminal', () => {
    expect(safeForTerminal(hostile)).not.toMatch(RAW);
  });

  it('never reaches a text log line raw, quoted or not (LOG_LEVEL=debug "Finding suppressed", "could not read")', () => {
    const out = capture();
    const logger = createConsoleLogger({ stream: out.stream, level: 'debug' });
    logger.debug('Finding suppressed', { findingId: `id${ch}x`, reason: hostile, count: [hostile] });
    logger.warn('A GuardDuty finding could not be read', { path: `$.Findings[0]${ch}`, error: `could not read ${hostile}` });
    expect(out.text()).not.toMatch(RAW);
  });

  it('never reaches a JSON log line raw, and the line still parses to the same values', () => {
    const out = capture();
    createConsoleLogger({ stream: out.stream, json: true }).warn(`message ${ch}`, { findingId: hostile });
    const line = out.text().trimEnd();
    expect(line).not.toMatch(RAW);
    expect(JSON.parse(line)).toMatchObject({ message: `message ${ch}`, findingId: hostile });
  });

  it('never reaches a stdout/file destination line raw (findingIds), and the line parses to the same message', () => {
    const message = {
      id: 'o1',
      destination: 'pipe',
      kind: 'new' as const,
      findingId: hostile,
      findingIds: [hostile],
      message: { slack: { text: hostile }, text: { subject: 's', body: hostile }, attributes: {} },
    };
    const line = jsonLine(message);
    expect(line.slice(0, -1)).not.toMatch(RAW);
    expect(JSON.parse(line)).toMatchObject({ findingIds: [hostile], text: { body: hostile } });
  });

  it('never reaches `status --json` raw', () => {
    const text = formatStatusJson({
      stats: { pending: 1, failed: 0, sent: 0 },
      failed: [],
      pending: [{ id: 'o1', destination: 'sec', kind: 'new', findingId: hostile, findingIds: [hostile], message: { slack: { text: '' }, text: { subject: '', body: '' }, attributes: {} }, status: 'pending', attempts: 0, createdAt: 0, nextAttemptAt: 0 }],
      decisions: [{ at: 0, destination: 'sec', findingId: hostile, findingType: hostile, title: hostile, severity: 5, outcome: 'notify', reason: 'new' }],
    });
    expect(text.replace(/\n/g, '')).not.toMatch(RAW);
    expect(JSON.parse(text)).toMatchObject({ pending: [{ findingIds: [hostile] }], decisions: [{ findingType: hostile }] });
  });

  it('is escaped by jsonForTerminal without changing the JSON value', () => {
    const json = jsonForTerminal(JSON.stringify({ v: hostile }));
    expect(json).not.toMatch(RAW);
    expect(JSON.parse(json)).toEqual({ v: hostile });
  });
});
