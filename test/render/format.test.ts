import { describe, expect, it } from 'vitest';
import { formatAgo, formatCount, formatSeverity, formatWhen, parseTime, plural, severityLabel } from '../../src/render/format.js';
import { makeFinding, NOW } from '../support/make-finding.js';

const MINUTE = 60_000;

describe('formatAgo', () => {
  it.each([
    [0, 'just now'],
    [59_000, 'just now'],
    [3 * MINUTE, '3 min ago'],
    [89 * MINUTE, '89 min ago'],
    [2 * 60 * MINUTE, '2 h ago'],
    [35 * 60 * MINUTE, '35 h ago'],
    [3 * 24 * 60 * MINUTE, '3 d ago'],
    [-5 * MINUTE, 'in 5 min'],
  ])('reads %d ms before now as %j', (delta, expected) => {
    expect(formatAgo(NOW - delta, NOW)).toBe(expected);
  });
});

describe('formatWhen', () => {
  it('shows UTC time and how long ago', () => {
    expect(formatWhen('2024-05-01T12:30:00.000Z', NOW)).toBe('2024-05-01 12:30 UTC (3 min ago)');
  });

  it.each([
    ['an unrendered template placeholder', '${time}', '${time}'],
    ['a non-ISO string', 'yesterday', 'yesterday'],
    ['a zone-less time, rather than guessing the host zone', '2024-05-01 12:30:00', '2024-05-01 12:30:00'],
  ])('shows %s as it came, never Invalid Date', (_name, input, expected) => {
    expect(formatWhen(input, NOW)).toBe(expected);
  });

  it('leaves an absent time undefined', () => {
    expect(formatWhen(undefined, NOW)).toBeUndefined();
  });

  it('cuts a huge non-time value', () => {
    expect(formatWhen('x'.repeat(10_000), NOW)!.length).toBeLessThanOrEqual(64);
  });

  it('parses only zoned ISO times', () => {
    expect(parseTime('2024-05-01T12:30:00+02:00')).toBe(Date.parse('2024-05-01T10:30:00Z'));
    expect(parseTime('2024-05-01T12:30:00')).toBeUndefined();
  });
});

describe('severity', () => {
  it.each([
    [8, 'High 8.0'],
    [8.7, 'High 8.7'],
    [9.5, 'Critical 9.5'],
    [5, 'Medium 5.0'],
    [2, 'Low 2.0'],
    [null, 'Unknown'],
  ])('labels severity %j as %j', (severity, expected) => {
    expect(severityLabel(makeFinding({ severity }))).toBe(expected);
  });

  it('formats with one decimal', () => {
    expect(formatSeverity(7)).toBe('7.0');
    expect(formatSeverity(null)).toBeUndefined();
  });
});

describe('counts', () => {
  it.each([
    [1, '1 finding'],
    [2, '2 findings'],
    [12345, '12,345 findings'],
  ])('says %d as %j', (count, expected) => {
    expect(plural(count, 'finding')).toBe(expected);
  });

  it('never prints NaN', () => {
    expect(formatCount(Number.NaN)).toBe('?');
  });

  it('groups whole numbers as en-US Intl does (grouped by hand, without Intl)', () => {
    const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
    const wrong: number[] = [];
    const check = (n: number) => {
      if (formatCount(n) !== intl.format(n)) wrong.push(n);
    };
    for (let n = -12_000; n <= 12_000; n++) check(n === 0 ? 0 : n);
    for (let e = 3; e < 54; e++) for (const n of [2 ** e, 2 ** e - 1, -(2 ** e), 10 ** Math.min(e, 15), -(10 ** Math.min(e, 15)) + 1]) check(n);
    for (const n of [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e21, 1234.5, -1234.5, 999.9]) check(n);
    expect(wrong).toEqual([]);
  });
});
