import { appendFile } from 'node:fs/promises';
import { DeliveryError } from './errors.js';
import { jsonLine, LOCAL_SINK_DEFAULT_RATE } from './json-lines.js';
import type { OutgoingMessage, SendResult, Sink } from './sink.js';

export interface FileSinkOptions {
  name: string;
  /** Appended to (created if missing); its directory must exist. */
  path: string;
  rate?: { perSecond: number; burst: number };
}

/**
 * Errors where trying again cannot help until a human acts. Anything else (ENOSPC, EIO, EMFILE, …) may pass.
 */
const PERMANENT_FS_ERRORS = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS']);

/**
 * A sink that appends each message as one JSON line (see `jsonLine`) to a file. Each line is one `appendFile`, i.e.
 * one write(2) on a descriptor opened with O_APPEND, so concurrent writers (two destinations, or a second process)
 * never interleave inside a line, and log rotation (rename + new file) is picked up on the next message.
 *
 * @example
 * const sink = createFileSink({ name: 'archive', path: '/var/log/guardduty-notifier.jsonl' });
 */
export function createFileSink(options: FileSinkOptions): Sink {
  const { name, path } = options;

  async function send(message: OutgoingMessage): Promise<SendResult> {
    try {
      await appendFile(path, jsonLine(message), { encoding: 'utf8', flag: 'a' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const retryable = code === undefined || !PERMANENT_FS_ERRORS.has(code);
      throw new DeliveryError(`Could not append to ${path} ("${name}"): ${(error as Error).message}`, {
        retryable,
        ...(code === undefined ? {} : { code }),
        cause: error,
      });
    }
    return {};
  }

  return {
    name,
    type: 'file',
    rate: options.rate ?? { ...LOCAL_SINK_DEFAULT_RATE },
    send,
    describe: () => `file "${name}" ${path}`,
  };
}
