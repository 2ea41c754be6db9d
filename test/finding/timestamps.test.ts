import { describe, expect, it } from 'vitest';
import { toIsoTimestamp } from '../../src/finding/timestamps.js';

describe('toIsoTimestamp', () => {
  it.each<[value: unknown, iso: string | undefined]>([
    ['2024-01-15T12:30:45.456Z', '2024-01-15T12:30:45.456Z'],
    ['2020-05-26T22:02:24Z', '2020-05-26T22:02:24.000Z'],
    ['2025-02-25 20:40:06.721', '2025-02-25T20:40:06.721Z'],
    ['2025-02-25 20:40:06.000000000', '2025-02-25T20:40:06.000Z'],
    ['2017-12-18 21:28:11.551000+05:30', '2017-12-18T15:58:11.551Z'],
    ['2017-12-18T21:28:11+0530', '2017-12-18T15:58:11.000Z'],
    ['2026-03-01T10:00', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    [1513612691.551, '2017-12-18T15:58:11.551Z'],
    ['1513612691', '2017-12-18T15:58:11.000Z'],
    [1513612691551, '2017-12-18T15:58:11.551Z'],
    [new Date('2026-03-01T10:00:00Z'), '2026-03-01T10:00:00.000Z'],
    ['${time}', undefined],
    ['yesterday', undefined],
    ['2026-13-45T99:99:99.999Z', undefined],
    ['', undefined],
    [-5, undefined],
    [null, undefined],
    [{}, undefined],
  ])('reads %j as %j', (value, iso) => {
    expect(toIsoTimestamp(value)).toBe(iso);
  });

  it('reads zone-less times as UTC whatever the host time zone', () => {
    const previous = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(toIsoTimestamp('2025-02-25 20:40:06')).toBe('2025-02-25T20:40:06.000Z');
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
  });
});
