import { parsedDocumentsOf, parseJsonLine, type ParsedDocument } from '../finding/parse.js';

/**
 * An input read as a stream of documents, so that its size is not bounded by memory.
 *
 * - **JSON Lines** (the first non-blank line is a JSON value on its own and another non-blank line follows) is read a
 *   line at a time: each line is parsed, handed over and forgotten before the next is read. Each line (a document) is
 *   capped at `maxDocumentBytes`; the stream is not. A line over the cap is one error and is skipped; the lines
 *   after it are read.
 * - Anything else is **one JSON document** (pretty-printed over many lines, or broken): it is read whole, up to
 *   `maxDocumentBytes`, and parsed as parsedDocumentsOf parses it. Over the cap it is refused ("split it").
 *
 * Findings, errors and paths are those parsedDocumentsOf gives for the same bytes (`line N $…` in JSON Lines).
 *
 * @example
 * for await (const item of documentsOfStream(createReadStream(file), { maxDocumentBytes })) if ('parsed' in item) use(item.parsed);
 */

export type StreamItem = { readonly parsed: ParsedDocument } | { readonly error: string };

export interface DocumentStreamOptions {
  /** The largest document: a JSON Lines line, or a whole single-document input. */
  readonly maxDocumentBytes: number;
  /** The input's size when known (a regular file): a single document over the cap is refused before it is read. */
  readonly size?: number;
  /** Words for the input in errors: `stdin`, or `is` for a file (`FILE: is 300 MiB, …`). */
  readonly stdin?: boolean;
}

const NEWLINE = 0x0a;
const MIB = 1024 * 1024;

function isBlankByte(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

export async function* documentsOfStream(source: AsyncIterable<Buffer | string>, options: DocumentStreamOptions): AsyncGenerator<StreamItem> {
  const max = options.maxDocumentBytes;
  const iterator = source[Symbol.asyncIterator]();
  const next = async (): Promise<Buffer | undefined> => {
    const step = await iterator.next();
    if (step.done === true) return undefined;
    return typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
  };

  // 1. The head: enough bytes to tell JSON Lines from one document. Grown by doubling and scanned once, so that a
  //    single document of hundreds of MiB costs a copy or two, not one per chunk.
  let buffer = Buffer.allocUnsafe(64 * 1024);
  let headSize = 0;
  let ended = false;
  const scan: HeadScan = { offset: 0, index: 0, started: false, searchedTo: 0 };
  let decision: Decision | undefined;
  while (decision === undefined) {
    const chunk = await next();
    if (chunk === undefined) ended = true;
    else {
      if (headSize + chunk.length > buffer.length) {
        const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, headSize + chunk.length));
        buffer.copy(grown, 0, 0, headSize);
        buffer = grown;
      }
      chunk.copy(buffer, headSize);
      headSize += chunk.length;
    }
    decision = decide(buffer.subarray(0, headSize), ended, max, scan);
  }
  let head = buffer.subarray(0, headSize);

  if (decision.mode === 'document') {
    yield* wholeDocument(head, headSize, ended, next, options);
    return;
  }

  // 2. JSON Lines, one line at a time.
  const first = head.toString('utf8', decision.firstLineStart, trimCr(head, decision.firstLineStart, decision.firstLineEnd));
  yield { parsed: parseJsonLine(first, decision.firstIndex) };
  let index = decision.firstIndex + 1;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let skipping = false; // the current line is over the cap: its bytes are dropped up to its newline
  const flushLine = (tail: Buffer): StreamItem | undefined => {
    const lineIndex = index++;
    if (skipping) {
      skipping = false;
      return { error: `line ${lineIndex + 1} is more than the ${sizeWords(max)} one document may be; skipped` };
    }
    const bytes = pending.length === 0 ? tail : Buffer.concat([...pending, tail], pendingSize + tail.length);
    pending = [];
    pendingSize = 0;
    const text = bytes.toString('utf8', 0, bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length);
    if (text.trim() === '') return undefined;
    return { parsed: parseJsonLine(text, lineIndex) };
  };
  const consume = function* (chunk: Buffer, from: number): Generator<StreamItem> {
    let offset = from;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, offset);
      if (end === -1) break;
      const item = flushLine(chunk.subarray(offset, end));
      if (item !== undefined) yield item;
      offset = end + 1;
    }
    if (offset < chunk.length && !skipping) {
      const rest = chunk.subarray(offset);
      if (pendingSize + rest.length > max) {
        skipping = true;
        pending = [];
        pendingSize = 0;
      } else {
        // Copied: the chunk may be a view into a buffer its reader reuses.
        pending.push(Buffer.from(rest));
        pendingSize += rest.length;
      }
    }
  };
  yield* consume(head, decision.firstLineEnd + 1);
  head = Buffer.alloc(0);
  buffer = head;
  for (let chunk = ended ? undefined : await next(); chunk !== undefined; chunk = await next()) yield* consume(chunk, 0);
  if (skipping || pendingSize > 0) {
    const item = flushLine(Buffer.alloc(0));
    if (item !== undefined) yield item;
  }
}

function trimCr(buffer: Buffer, start: number, end: number): number {
  return end > start && buffer[end - 1] === 0x0d ? end - 1 : end;
}

type Decision = { mode: 'lines'; firstLineEnd: number; firstLineStart: number; firstIndex: number } | { mode: 'document' };

/** How far decide() got in the head: kept between calls, so each byte is scanned once. */
interface HeadScan {
  /** Where the first non-blank line starts (once `started`), else where the blank lines scanned so far end. */
  offset: number;
  /** Its line index (blank lines before it counted). */
  index: number;
  started: boolean;
  /** The newline search went this far without finding one. */
  searchedTo: number;
}

/**
 * JSON Lines or one document, once the head shows which: undefined while it cannot tell yet. JSON Lines needs the
 * first non-blank line to be a JSON value on its own and a non-blank byte after it.
 */
function decide(head: Buffer, ended: boolean, max: number, scan: HeadScan): Decision | undefined {
  if (!scan.started) {
    let p = scan.offset;
    if (p === 0 && head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      p = 3; // a byte order mark is not JSON
      scan.offset = 3;
    } else if (p === 0 && head.length < 3 && !ended) return undefined;
    for (; p < head.length; p++) {
      const byte = head[p]!;
      if (byte === NEWLINE) {
        scan.index++;
        scan.offset = p + 1;
      } else if (!isBlankByte(byte)) break;
    }
    if (p >= head.length) return ended ? { mode: 'document' } : undefined;
    // A finding document starts with { or [; anything else is one (broken) document, read whole.
    if (head[p] !== 0x7b && head[p] !== 0x5b) return { mode: 'document' };
    scan.offset = scan.offset > p ? p : scan.offset;
    scan.started = true;
    scan.searchedTo = p;
  }
  const end = head.indexOf(NEWLINE, scan.searchedTo);
  if (end === -1) {
    scan.searchedTo = head.length;
    return ended || head.length - scan.offset > max ? { mode: 'document' } : undefined;
  }
  scan.searchedTo = end;
  try {
    JSON.parse(head.toString('utf8', scan.offset, trimCr(head, scan.offset, end)));
  } catch {
    return { mode: 'document' };
  }
  for (let p = end + 1; p < head.length; p++) if (!isBlankByte(head[p]!)) return { mode: 'lines', firstLineStart: scan.offset, firstLineEnd: end, firstIndex: scan.index };
  return ended ? { mode: 'document' } : undefined;
}

/** One document: the rest of the input, up to the cap, parsed whole. */
async function* wholeDocument(
  head: Buffer,
  headSize: number,
  ended: boolean,
  next: () => Promise<Buffer | undefined>,
  options: DocumentStreamOptions,
): AsyncGenerator<StreamItem> {
  const max = options.maxDocumentBytes;
  if (options.size !== undefined && options.size > max) {
    yield { error: tooBig(options.size, max) };
    return;
  }
  const chunks: Buffer[] = [head];
  let size = headSize;
  // A file whose size was under the cap grew while being read; a stream's size is only known once read.
  const overCap =
    options.size !== undefined
      ? `grew past ${sizeWords(max)} while being read`
      : `more than ${sizeWords(max)}${options.stdin === true ? ' on stdin' : ''} as one JSON document; split it, or give JSON Lines (one document per line), which may be any size`;
  if (size > max) {
    yield { error: overCap };
    return;
  }
  if (!ended) {
    for (let chunk = await next(); chunk !== undefined; chunk = await next()) {
      size += chunk.length;
      if (size > max) {
        yield { error: overCap };
        return;
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  for (const parsed of parsedDocumentsOf(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))) yield { parsed };
}

function tooBig(size: number, max: number): string {
  return `is ${Math.ceil(size / MIB)} MiB, more than the ${sizeWords(max)} one JSON document may be; split it (e.g. with jq -c '.[]' into JSON Lines, one document per line, which may be any size)`;
}

/** `256 MiB`; a cap under a MiB (tests) in bytes. */
function sizeWords(bytes: number): string {
  return bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : `${bytes} bytes`;
}
