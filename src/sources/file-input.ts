import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface InputBytes {
  /** The file name as given, or `stdin`. Given by the user: print it through safeForTerminal. */
  name: string;
  bytes?: Buffer;
  /** Why the input could not be read. */
  error?: string;
}

/**
 * Upper bound on any one input (a file or stdin), so that a runaway pipe, `/dev/zero` or a wrong file cannot exhaust
 * memory. A GuardDuty finding is ~2–20 KB: 256 MiB is 100,000 findings and more.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

const MIB = 1024 * 1024;

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_INPUT_BYTES) throw new Error(`more than ${MAX_INPUT_BYTES / MIB} MiB on stdin; split the input`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** What a non-regular file is, for the error that refuses it. */
function kindOf(stats: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return 'is a directory (give the files, e.g. dir/*.json)';
  if (stats.isFIFO()) return 'is a named pipe, not a regular file (pipe it to stdin instead: cat FILE | guardduty-notifier …)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'is a device, not a regular file';
  if (stats.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/**
 * One file argument: a regular file of at most MAX_INPUT_BYTES. Opened non-blocking, so that a FIFO nobody writes is
 * refused at once instead of hanging the command (opening a FIFO for reading waits for a writer); checked on the open
 * descriptor, so a file swapped between a check and the open is still the file checked; read to at most the cap,
 * so a file that grows while it is read cannot get past it either.
 */
async function readFileInput(name: string): Promise<InputBytes> {
  let handle;
  try {
    handle = await open(name, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      name,
      error:
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory (give the files, e.g. dir/*.json)' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? 'error'})`,
    };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { name, error: kindOf(stats) };
    if (stats.size > MAX_INPUT_BYTES) {
      return { name, error: `is ${Math.ceil(stats.size / MIB)} MiB, more than the ${MAX_INPUT_BYTES / MIB} MiB an input may be; split it (e.g. split -l 50000)` };
    }
    // One byte more than its size: a file that did not grow ends with a read of 0 before the buffer is full.
    const buffer = Buffer.allocUnsafe(Math.min(MAX_INPUT_BYTES + 1, Math.max(stats.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        // It grew while being read: past the cap it is refused like a big file, below it read on.
        if (length > MAX_INPUT_BYTES) return { name, error: `grew past ${MAX_INPUT_BYTES / MIB} MiB while being read` };
        return readGrowing(name, handle, buffer);
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return { name, bytes: buffer.subarray(0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { name, error: code === 'EISDIR' ? 'is a directory (give the files, e.g. dir/*.json)' : `cannot read (${code ?? 'error'})` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The rare file that grew after its size was read: read on in chunks, to the cap. */
async function readGrowing(name: string, handle: import('node:fs/promises').FileHandle, head: Buffer): Promise<InputBytes> {
  const chunks: Buffer[] = [head];
  let size = head.length;
  for (;;) {
    const chunk = Buffer.allocUnsafe(MIB);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    size += bytesRead;
    if (size > MAX_INPUT_BYTES) return { name, error: `grew past ${MAX_INPUT_BYTES / MIB} MiB while being read` };
    chunks.push(chunk.subarray(0, bytesRead));
  }
  return { name, bytes: Buffer.concat(chunks) };
}

/**
 * The named files (or stdin when none, or for `-`), in order, one at a time, so that only one input is held in
 * memory. Unreadable inputs are reported (`error`), never thrown.
 *
 * @example
 * for await (const input of eachInput(files)) if (input.bytes) for (const doc of parsedDocumentsOf(input.bytes)) …
 */
export async function* eachInput(files: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): AsyncGenerator<InputBytes> {
  const names = files.length === 0 ? ['-'] : files;
  for (const name of names) {
    if (name === '-') {
      try {
        yield { name: 'stdin', bytes: await readStream(stdin) };
      } catch (error) {
        yield { name: 'stdin', error: (error as Error).message };
      }
      continue;
    }
    yield await readFileInput(name);
  }
}
