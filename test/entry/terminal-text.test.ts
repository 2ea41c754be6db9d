import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { safeForTerminal } from '../../src/core/terminal-text.js';
import { formatStatus } from '../../src/state/status-report.js';
import { createConsoleLogger } from '../../src/core/console-logger.js';

const CLEAR_SCREEN = '\u001b[2J';
const HOSTILE_TYPE = `Recon:EC2/Port${CLEAR_SCREEN}Probe\u202Eevil`;

describe('finding content on a terminal', () => {
  it.each([
    ['an escape sequence', `a${CLEAR_SCREEN}b`, 'a\\x1b[2Jb'],
    ['a bell and a carriage return', 'x\u0007y\rz', 'x\\x07y\\x0dz'],
    ['a right-to-left override', 'abc\u202Edef', 'abc\\u{202e}def'],
    ['plain text and unicode', 'Zürich · 東京', 'Zürich · 東京'],
  ])('shows %s as visible text', (_name, input, expected) => {
    expect(safeForTerminal(input)).toBe(expected);
  });

  it('never lets `status` print a control character from a finding', () => {
    const text = formatStatus(
      {
        stats: { pending: 0, failed: 0, sent: 1 },
        failed: [],
        pending: [],
        decisions: [{ at: 0, destination: 'sec', findingId: `id${CLEAR_SCREEN}`, findingType: HOSTILE_TYPE, title: 't', severity: 5, outcome: 'notify', reason: 'new' }],
      },
      0,
    );
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u202E]/);
    expect(text).toContain('Recon:EC2/Port\\x1b[2JProbe');
  });

  it('never lets a log line carry a raw escape sequence', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (c: Buffer) => (out += c.toString()));
    createConsoleLogger({ stream }).warn(`Finding ${CLEAR_SCREEN} odd`, { findingId: `f${CLEAR_SCREEN}`, title: `a b${CLEAR_SCREEN}` });
    expect(out).not.toContain('\u001b');
  });
});
