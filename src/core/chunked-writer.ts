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

export function createChunkedWriter(stream: NodeJS.WritableStream, options: { chunkChars?: number } = {}): ChunkedWriter {
  const chunkChars = options.chunkChars ?? DEFAULT_CHUNK_CHARS;
  let pending = '';
  let failure: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  const settled = Promise.resolve();
  stream.on('error', (error: Error) => {
    failure ??= error;
    for (const reject of waiting) reject(error);
    waiting.clear();
  });

  function flush(): Promise<void> {
    if (failure !== undefined) return Promise.reject(failure);
    if (pending === '') return settled;
    const chunk = pending;
    pending = '';
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

  return {
    write(text) {
      if (failure !== undefined) return Promise.reject(failure);
      pending += text;
      return pending.length >= chunkChars ? flush() : settled;
    },
    end: flush,
  };
}
