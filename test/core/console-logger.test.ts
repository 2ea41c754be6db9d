import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createConsoleLogger } from '../../src/core/console-logger.js';

function capture(json: boolean): { lines: string[]; logger: ReturnType<typeof createConsoleLogger> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString().trimEnd());
      done();
    },
  });
  return { lines, logger: createConsoleLogger({ level: 'debug', json, stream }) };
}

const UNTIL = Date.UTC(2027, 0, 7, 3, 34, 39, 944);

describe('console logger: times and durations as people read them', () => {
  it('prints a moment as ISO-8601 and a duration as 30d in text lines, never epoch or raw milliseconds', () => {
    const { lines, logger } = capture(false);
    logger.warn('Block extended', { target: 'edge', until: UNTIL, nextAttemptAt: UNTIL, delayMs: 2_592_000_000, count: 3 });
    expect(lines).toEqual(['warn  Block extended target=edge until=2027-01-07T03:34:39.944Z nextAttemptAt=2027-01-07T03:34:39.944Z delay=30d count=3']);
  });

  it('gives JSON lines ISO moments too, and keeps durations as numbers for tools', () => {
    const { lines, logger } = capture(true);
    logger.info('Block extended', { until: UNTIL, delayMs: 1500 });
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', message: 'Block extended', until: '2027-01-07T03:34:39.944Z', delayMs: 1500 });
    expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('leaves numbers that are not moments alone (a count named like nothing, a small "since")', () => {
    const { lines, logger } = capture(false);
    logger.info('Counted', { findings: 1_765_432_100_000, since: 5 });
    expect(lines[0]).toBe('info  Counted findings=1765432100000 since=5');
  });
});
