/**
 * Writes a long output (the `render` command's JSON array) as it is produced, in chunks of about `chunkChars`: one
 * write(2) per chunk instead of one per finding, and never the whole output as one string in memory. Respects the
 * stream's backpressure (waits for `drain` when a write was not taken at once). A stream error (EPIPE when the reader
 * went away, as with `| head`) rejects the pending and every later write, instead of surfacing as an unhandled
 * `error` event.
 *
 * @example
 * const out = createChunkedWriter(process.stdout);
 * for (const item of items) await out.write(JSON.stringify(item));
 * await out.end();
 */
export interface ChunkedWriter {
  /** Queues `text`; resolves at once unless a full chunk had to wait for the stream. */
  write(text: string): Promise<void>;
  /** Writes what is queued and waits until the stream took it. */
  end(): Promise<void>;
}

const DEFAULT_CHUNK_CHARS = 1 << 20;

/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units; a lone one: 3). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export function createChunkedWriter(stream: NodeJS.WritableStream, options: { chunkChars?: number } = {}): ChunkedWriter {
  const chunkChars = options.chunkChars ?? DEFAULT_CHUNK_CHARS;
  // Texts are encoded into a Buffer as they come, and the Buffer is what is written: encoding each (flat) text is
  // several times cheaper than concatenating them and letting the stream encode the joined string (Buffer.from of a
  // MB-sized rope flattens it, then allocates and encodes it). The bytes are the same UTF-8 either way.
  const chunkBytes = chunkChars * MAX_UTF8_BYTES_PER_UNIT;
  let buffer = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  let failure: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  const settled = Promise.resolve();
  stream.on('error', (error: Error) => {
    failure ??= error;
    for (const reject of waiting) reject(error);
    waiting.clear();
  });

  function send(chunk: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        waiting.delete(reject);
        resolve();
      };
      waiting.add(reject);
      if (stream.write(chunk)) done();
      else stream.once('drain', done);
    });
  }

  function flush(): Promise<void> {
    if (failure !== undefined) return Promise.reject(failure);
    if (used === 0) return settled;
    // The stream keeps the chunk until it is written: the next texts go into a new buffer.
    const chunk = buffer.subarray(0, used);
    buffer = Buffer.allocUnsafe(chunkBytes);
    used = 0;
    return send(chunk);
  }

  return {
    write(text) {
      if (failure !== undefined) return Promise.reject(failure);
      const most = text.length * MAX_UTF8_BYTES_PER_UNIT;
      if (used + most > buffer.length) {
        if (used > 0) {
          // Room for the text at the start of the next buffer (or a buffer of its own when it is bigger than that).
          const chunk = buffer.subarray(0, used);
          buffer = Buffer.allocUnsafe(Math.max(chunkBytes, most));
          used = 0;
          const sent = send(chunk);
          used = buffer.write(text, 0);
          return sent;
        }
        buffer = Buffer.allocUnsafe(most);
      }
      used += buffer.write(text, used);
      return used >= chunkBytes - MAX_UTF8_BYTES_PER_UNIT * 1024 ? flush() : settled;
    },
    end: flush,
  };
}
