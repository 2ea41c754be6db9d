import { describe, expect, it } from 'vitest';
import { copyPlain } from '../../src/state/copy-plain.js';

describe('copyPlain (the in-memory store hands out and takes in copies)', () => {
  it('gives what structuredClone gives for plain rows, sharing nothing with the original', () => {
    const row = {
      id: 'demo:f1:1',
      message: { slack: { blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: '*Severity*\nHigh' }] }] }, attributes: { band: 'High' } },
      findingIds: ['f1', 'f2'],
      sentAt: undefined,
      attempts: 0,
      nothing: null,
      sparse: [1, , 3],
    };
    const copy = copyPlain(row);
    expect(copy).toStrictEqual(structuredClone(row));
    expect('sentAt' in copy).toBe(true);
    copy.message.slack.blocks[0]!.fields[0]!.text = 'changed';
    copy.findingIds.push('f3');
    expect(row.message.slack.blocks[0]!.fields[0]!.text).toBe('*Severity*\nHigh');
    expect(row.findingIds).toEqual(['f1', 'f2']);
  });

  it('keeps a "__proto__" key from finding text as data, never as the prototype', () => {
    const attributes = JSON.parse('{"__proto__": {"polluted": true}, "type": "constructor"}') as Record<string, unknown>;
    const copy = copyPlain({ attributes });
    expect(Object.getPrototypeOf(copy.attributes)).toBe(Object.prototype);
    expect(Object.hasOwn(copy.attributes, '__proto__')).toBe(true);
    expect((copy.attributes as { polluted?: unknown }).polluted).toBeUndefined();
    expect(copy).toStrictEqual(structuredClone({ attributes }));
  });

  it('copies what is not plain data as structuredClone does: dates, maps, cycles; refuses functions', () => {
    const at = new Date('2026-12-08T00:00:00Z');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const copy = copyPlain({ at, seen: new Map([['a', 1]]), cyclic });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.seen).toEqual(new Map([['a', 1]]));
    const inner = copy.cyclic as Record<string, unknown>;
    expect(inner.name).toBe('loop');
    expect(inner).not.toBe(cyclic);
    expect(() => copyPlain({ run: () => 1 })).toThrow();
  });
});
