import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/deliver/errors.js';
import { createFileSink } from '../../src/deliver/file.js';
import { createStdoutSink, type LineWriter } from '../../src/deliver/stdout.js';
import { outgoing, rendered } from './fixtures.js';

function memoryWriter(error?: NodeJS.ErrnoException): LineWriter & { chunks: string[] } {
  const chunks: string[] = [];
  return {
    chunks,
    write(chunk, callback) {
      chunks.push(chunk);
      queueMicrotask(() => callback(error ?? null));
      return true;
    },
  };
}

describe('createStdoutSink', () => {
  it('writes one JSON line per message with destination, kind, findingIds, text and slack', async () => {
    const stream = memoryWriter();
    const sink = createStdoutSink({ name: 'pipe', stream });
    const message = outgoing({ label: 'a', kind: 'digest', findingIds: ['f1', 'f2'] });
    message.message.text.body = 'line one\nline two';
    await sink.send(message);
    expect(stream.chunks).toHaveLength(1);
    const line = stream.chunks[0] ?? '';
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      destination: 'sec',
      kind: 'digest',
      findingIds: ['f1', 'f2'],
      text: { subject: 'GuardDuty: a', body: 'line one\nline two' },
      slack: rendered('a').slack,
    });
  });

  it('treats a closed pipe (EPIPE) as permanent', async () => {
    const sink = createStdoutSink({ name: 'pipe', stream: memoryWriter(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
    await expect(sink.send(outgoing())).rejects.toMatchObject({ retryable: false, code: 'EPIPE' });
  });
});

describe('createFileSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gdn-file-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one line per message, also from concurrent sends', async () => {
    const path = join(dir, 'out.jsonl');
    const sink = createFileSink({ name: 'archive', path });
    await Promise.all(Array.from({ length: 50 }, (_, i) => sink.send(outgoing({ label: `m${i}` }))));
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { text: { body: string } }).text.body)).size).toBe(50);
  });

  it('keeps what the file already held', async () => {
    const path = join(dir, 'out.jsonl');
    await createFileSink({ name: 'a', path }).send(outgoing({ label: 'first' }));
    await createFileSink({ name: 'a', path }).send(outgoing({ label: 'second' }));
    expect((await readFile(path, 'utf8')).trimEnd().split('\n')).toHaveLength(2);
  });

  it('fails permanently when the directory does not exist', async () => {
    const sink = createFileSink({ name: 'archive', path: join(dir, 'missing', 'out.jsonl') });
    const error = await sink.send(outgoing()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: false, code: 'ENOENT' });
  });
});
