/**
 * Writes a long output (the `render` command's JSON array) as it is produced, in chunks of about `chunkChars`: one
 * write(2) per chunk instead of one per finding, and never the whole output as one string in memory. Respects the
 * stream's backpressure (waits for `drain` when a write was not taken at once).
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
  const settled = Promise.resolve();

  function flush(): Promise<void> {
    if (pending === '') return settled;
    const chunk = pending;
    pending = '';
    return new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      stream.once('error', onError);
      const done = (): void => {
        stream.removeListener('error', onError);
        resolve();
      };
      if (stream.write(chunk)) done();
      else stream.once('drain', done);
    });
  }

  return {
    write(text) {
      pending += text;
      return pending.length >= chunkChars ? flush() : settled;
    },
    end: flush,
  };
}
