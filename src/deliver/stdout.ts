import { DeliveryError } from './errors.js';
import { jsonLine, LOCAL_SINK_DEFAULT_RATE } from './json-lines.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

/** Where lines go: `process.stdout` by default, anything with a Node-style `write(chunk, callback)` in tests. */
export interface LineWriter {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

export interface StdoutSinkOptions {
  name: string;
  stream?: LineWriter;
  rate?: { perSecond: number; burst: number };
}

/**
 * A sink that writes each message as one JSON line to stdout (see `jsonLine`), one `write` per line so lines from
 * concurrent destinations never interleave mid-line.
 *
 * @example
 * const sink = createStdoutSink({ name: 'pipe' }); // guardduty-notifier run | jq .text.subject
 */
export function createStdoutSink(options: StdoutSinkOptions): Sink {
  const stream: LineWriter = options.stream ?? process.stdout;
  const { name } = options;

  function send(message: OutgoingMessage): Promise<SendResult> {
    const line = jsonLine(message);
    return new Promise<SendResult>((resolve, reject) => {
      // The callback fires once the chunk is handed to the OS, so "sent" means written, not merely buffered.
      stream.write(line, (error) => {
        if (error) {
          // EPIPE: the reader went away (`| head`). Retrying cannot bring it back.
          const code = (error as NodeJS.ErrnoException).code;
          reject(new DeliveryError(`Could not write to stdout ("${name}"): ${error.message}`, {
            retryable: code !== 'EPIPE',
            ...(code === undefined ? {} : { code }),
            cause: error,
          }));
        } else {
          resolve({});
        }
      });
    });
  }

  return {
    name,
    type: 'stdout',
    rate: options.rate ?? { ...LOCAL_SINK_DEFAULT_RATE },
    send,
    describe: () => `stdout "${name}"`,
  };
}
