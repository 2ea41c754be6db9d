import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { documentsOfStream, type StreamItem } from './document-stream.js';

/**
 * Upper bound on one document: a single JSON document input (a file or stdin), or one line of a JSON Lines input, so
 * that a runaway pipe, `/dev/zero` or a wrong file cannot exhaust memory. A GuardDuty finding is ~2–20 KB: 256 MiB is
 * 100,000 findings and more. JSON Lines as a whole may be any size: it is read a line at a time.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

const MIB = 1024 * 1024;

/** Bytes read at a time: big enough to be fast, small enough that a JSON Lines input of any size reads in flat memory. */
const READ_CHUNK_BYTES = MIB;

/** An input opened for reading: its bytes as a stream of chunks, or why it cannot be read. */
export interface OpenedInput {
  /** The file name as given, or `stdin`. Given by the user: print it through safeForTerminal. */
  name: string;
  chunks?: AsyncIterable<Buffer>;
  /** The file's size when it is a regular file. */
  size?: number;
  error?: string;
  close(): Promise<void>;
}

/** What a non-regular file is, for the error that refuses it. */
function kindOf(stats: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (stats.isDirectory()) return 'is a directory (give the files, e.g. dir/*.json)';
  if (stats.isFIFO()) return 'is a named pipe, not a regular file (pipe it to stdin instead: cat FILE | guardduty-notifier …)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'is a device, not a regular file';
  if (stats.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

const NOTHING_TO_CLOSE = async (): Promise<void> => undefined;

/**
 * One file argument, opened: a regular file of any size (the document reader caps each document, documents.ts).
 * Opened non-blocking, so that a FIFO nobody writes is refused at once instead of hanging the command (opening a FIFO
 * for reading waits for a writer); checked on the open descriptor, so a file swapped between a check and the open is
 * still the file checked.
 */
async function openFileInput(name: string): Promise<OpenedInput> {
  let handle: FileHandle;
  try {
    handle = await open(name, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      name,
      error:
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory (give the files, e.g. dir/*.json)' : code === 'EACCES' ? 'permission denied' : `cannot read (${code ?? 'error'})`,
      close: NOTHING_TO_CLOSE,
    };
  }
  const close = async (): Promise<void> => {
    await handle.close().catch(() => undefined);
  };
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await close();
      return { name, error: kindOf(stats), close: NOTHING_TO_CLOSE };
    }
    return { name, chunks: chunksOf(handle), size: stats.size, close };
  } catch (error) {
    await close();
    const code = (error as NodeJS.ErrnoException).code;
    return { name, error: code === 'EISDIR' ? 'is a directory (give the files, e.g. dir/*.json)' : `cannot read (${code ?? 'error'})`, close: NOTHING_TO_CLOSE };
  }
}

/** The file's bytes, a chunk at a time (each chunk a buffer of its own: the reader may keep it). */
async function* chunksOf(handle: FileHandle): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return;
    yield bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
  }
}

async function* streamChunks(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

/**
 * The named files (or stdin when none, or for `-`), in order, one at a time, each as the documents it holds: JSON
 * Lines of any size a line at a time, one JSON document up to MAX_INPUT_BYTES (document-stream.ts). Unreadable inputs
 * and documents that cannot be read are reported (`error`), never thrown.
 *
 * @example
 * for await (const { name, item } of eachInputDocument(files)) if ('parsed' in item) use(item.parsed); else report(name, item.error);
 */
export async function* eachInputDocument(
  files: readonly string[],
  stdin: NodeJS.ReadableStream = process.stdin,
): AsyncGenerator<{ name: string; item: StreamItem }> {
  const names = files.length === 0 ? ['-'] : files;
  for (const name of names) {
    const input: OpenedInput =
      name === '-' ? { name: 'stdin', chunks: streamChunks(stdin), close: NOTHING_TO_CLOSE } : await openFileInput(name);
    try {
      if (input.chunks === undefined) {
        yield { name: input.name, item: { error: input.error ?? 'cannot read' } };
        continue;
      }
      try {
        for await (const item of documentsOfStream(input.chunks, {
          maxDocumentBytes: MAX_INPUT_BYTES,
          ...(input.size !== undefined && { size: input.size }),
          stdin: name === '-',
        })) {
          yield { name: input.name, item };
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        yield { name: input.name, item: { error: code === 'EISDIR' ? 'is a directory (give the files, e.g. dir/*.json)' : `cannot read (${code ?? (error as Error).message})` } };
      }
    } finally {
      await input.close();
    }
  }
}
