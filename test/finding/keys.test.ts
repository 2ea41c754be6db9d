import { describe, expect, it } from 'vitest';
import { boolean, dig, get, numeric, text } from '../../src/finding/keys.js';

describe('case-tolerant member lookup', () => {
  it('reads a member under its camelCase or PascalCase name', () => {
    expect(get({ remoteIpDetails: 1 }, 'remoteIpDetails')).toBe(1);
    expect(get({ RemoteIpDetails: 2 }, 'remoteIpDetails')).toBe(2);
    expect(get({ remoteIpDetails: null, RemoteIpDetails: 3 }, 'remoteIpDetails')).toBe(3);
    expect(get(['x'], '0')).toBeUndefined();
    expect(get('text', 'length')).toBeUndefined();
  });

  it('follows a chain of members in either case', () => {
    expect(dig({ Service: { action: { ActionType: 'PORT_PROBE' } } }, 'service', 'action', 'actionType')).toBe('PORT_PROBE');
    expect(dig({ service: 'oops' }, 'service', 'action')).toBeUndefined();
  });
});

describe('value readers', () => {
  it.each<[value: unknown, expected: string | undefined]>([
    ['abc', 'abc'],
    ['  ', undefined],
    [16509, '16509'],
    [Number.NaN, undefined],
    [false, undefined],
  ])('text(%j) is %j', (value, expected) => {
    expect(text(value)).toBe(expected);
  });

  it.each<[value: unknown, expected: number | undefined]>([
    [5, 5],
    ['5.5', 5.5],
    [' 7 ', 7],
    ['', undefined],
    ['x', undefined],
    [Number.POSITIVE_INFINITY, undefined],
  ])('numeric(%j) is %j', (value, expected) => {
    expect(numeric(value)).toBe(expected);
  });

  it.each<[value: unknown, expected: boolean | undefined]>([
    [true, true],
    ['false', false],
    ['TRUE', true],
    ['yes', undefined],
    [1, undefined],
  ])('boolean(%j) is %j', (value, expected) => {
    expect(boolean(value)).toBe(expected);
  });
});
