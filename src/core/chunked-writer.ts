/**
 * Writes a long output (the `render` command's JSON array) as it is produced, in chunks of about `chunkBytes`: one
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

/**
 * 256 KiB: as fast as bigger chunks, and the peak memory of a 100,000-finding `render` stays lower (1 MiB chunks,
 * freed only when V8 next collects, kept ~50 MB more resident).
 */
const DEFAULT_CHUNK_BYTES = 1 << 18;

/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units; a lone one: 3). */
const MAX_UTF8_BYTES_PER_UNIT = 3;

export function createChunkedWriter(
  stream: NodeJS.WritableStream,
  options: {
    chunkBytes?: number;
    /** Applied to every chunk before it is written (e.g. jsonBytesForTerminal): texts are never split across chunks. */
    beforeWrite?: (chunk: Buffer) => Buffer;
  } = {},
): ChunkedWriter {
  // Each text is encoded into the current chunk as it comes, and the chunk (a Buffer) is what is written: encoding
  // flat texts one by one is several times cheaper than joining them and letting the stream encode the joined string
  // (Buffer.from of a MB-sized rope flattens it, then allocates and encodes it). Same UTF-8 bytes either way.
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  let failure: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  const settled = Promise.resolve();
  stream.on('error', (error: Error) => {
    failure ??= error;
    for (const reject of waiting) reject(error);
    waiting.clear();
  });

  /** Hands the filled part of the chunk to the stream (which keeps it until written) and starts a new chunk. */
  function flush(): Promise<void> {
    if (failure !== undefined) return Promise.reject(failure);
    if (used === 0) return settled;
    const filled = chunk.subarray(0, used);
    const full = options.beforeWrite === undefined ? filled : options.beforeWrite(filled);
    chunk = Buffer.allocUnsafe(chunkBytes);
    used = 0;
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        waiting.delete(reject);
        resolve();
      };
      waiting.add(reject);
      if (stream.write(full)) done();
      else stream.once('drain', done);
    });
  }

  return {
    write(text) {
      if (failure !== undefined) return Promise.reject(failure);
      const most = text.length * MAX_UTF8_BYTES_PER_UNIT;
      if (used + most <= chunk.length) {
        used += chunk.write(text, used);
        return settled;
      }
      // No room left for the text at its longest: write the chunk, and encode the text into the next one (a chunk
      // of its own when it is bigger than a chunk).
      const written = flush();
      if (most > chunk.length) chunk = Buffer.allocUnsafe(most);
      used = chunk.write(text, 0);
      return written;
    },
    end: flush,
  };
}
