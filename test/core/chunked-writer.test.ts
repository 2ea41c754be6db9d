import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { createChunkedWriter } from '../../src/core/chunked-writer.js';
import { jsonBytesForTerminal, jsonForTerminal } from '../../src/core/terminal-text.js';

/**
 * The `render` command's writer encodes each text into a Buffer chunk as it comes (issue 11 item 2: encoding a
 * MB-sized joined string was a large part of `render`'s time), and the terminal-safe escaping of its JSON is done on
 * those bytes. Both must give exactly the bytes the strings would have given.
 */

function collect(): { stream: PassThrough; bytes: () => Buffer; writes: () => number } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, bytes: () => Buffer.concat(chunks), writes: () => chunks.length };
}

describe('createChunkedWriter', () => {
  it('writes the UTF-8 of the texts in order, in few writes', async () => {
    const texts = ['[\n', 'plain', ' — two-byte', ' 😀 astral', 'é'.repeat(5000), '\n]\n'];
    const out = collect();
    const writer = createChunkedWriter(out.stream, { chunkBytes: 4096 });
    for (const text of texts) await writer.write(text);
    await writer.end();
    expect(out.bytes().equals(Buffer.from(texts.join('')))).toBe(true);
    expect(out.writes()).toBeLessThan(texts.length + 4);
  });

  it('takes a text bigger than a chunk whole', async () => {
    const big = 'x—'.repeat(10_000);
    const out = collect();
    const writer = createChunkedWriter(out.stream, { chunkBytes: 1024 });
    await writer.write('a');
    await writer.write(big);
    await writer.write('b');
    await writer.end();
    expect(out.bytes().toString('utf8')).toBe(`a${big}b`);
  });

  it('applies beforeWrite to every chunk, never to half a text', async () => {
    const seen: string[] = [];
    const out = collect();
    const writer = createChunkedWriter(out.stream, {
      chunkBytes: 64,
      beforeWrite: (chunk) => {
        seen.push(chunk.toString('utf8'));
        return chunk;
      },
    });
    const texts = Array.from({ length: 50 }, (_, i) => `{"n":${i},"s":"ab—c"}`);
    for (const text of texts) await writer.write(text);
    await writer.end();
    expect(seen.join('')).toBe(texts.join(''));
    for (const chunk of seen) expect(chunk.endsWith('}')).toBe(true);
  });

  it('waits for drain when the stream is full', async () => {
    let release: (() => void) | undefined;
    const received: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk);
        release = callback;
      },
    });
    const writer = createChunkedWriter(slow, { chunkBytes: 32 });
    await writer.write('a'.repeat(30));
    let settled = false;
    const pending = writer.write('b'.repeat(30)).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release?.();
    await pending;
    expect(settled).toBe(true);
    expect(Buffer.concat(received).toString()).toBe('a'.repeat(30));
  });

  it('rejects later writes once the stream failed (EPIPE)', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const writer = createChunkedWriter(failing, { chunkBytes: 8 });
    await writer.write('12345678');
    await expect(writer.write('more text').then(() => writer.end())).rejects.toThrow('EPIPE');
    await expect(writer.write('x')).rejects.toThrow('EPIPE');
  });
});

describe('jsonBytesForTerminal', () => {
  it('gives the bytes of jsonForTerminal for every character, inside and around other text', () => {
    const mismatches: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x3000 ? 1 : 97) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const json = JSON.stringify({ v: `a${ch}—${ch}` });
      const want = Buffer.from(jsonForTerminal(json));
      if (!jsonBytesForTerminal(Buffer.from(json)).equals(want)) mismatches.push(cp.toString(16));
      // At the very end of a chunk too (a lead byte with nothing after it).
      if (!jsonBytesForTerminal(Buffer.from(ch)).equals(Buffer.from(jsonForTerminal(ch)))) mismatches.push(`end ${cp.toString(16)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('escapes C1, bidi and separator characters as JSON escapes, leaving the value the same', () => {
    const hostile = 'x\u009b31m \u202egnp.exe \u2066y\u2069 \u0085 \u2028 \u061c \u200e \u007f —·…•';
    const json = JSON.stringify([{ text: hostile }], null, 2);
    const out = jsonBytesForTerminal(Buffer.from(json)).toString('utf8');
    expect(out).not.toMatch(/[\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069]/);
    expect(JSON.parse(out)).toEqual([{ text: hostile }]);
    expect(out).toContain('—·…•');
  });

  it('returns clean chunks as they are (no copy)', () => {
    const clean = Buffer.from(JSON.stringify({ text: '[Low 2.0] title — 123456789012 (us-east-1) · ×' }));
    expect(jsonBytesForTerminal(clean)).toBe(clean);
  });
});
