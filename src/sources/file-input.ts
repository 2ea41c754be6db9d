import { readFile } from 'node:fs/promises';

export interface InputText {
  /** The file name as given, or `stdin`. */
  name: string;
  text?: string;
  /** Why the file could not be read. */
  error?: string;
}

/** Upper bound on stdin we accept, so a runaway pipe cannot exhaust memory (a GuardDuty finding is ~5–20 KB). */
const MAX_STDIN_BYTES = 256 * 1024 * 1024;

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_STDIN_BYTES) throw new Error(`more than ${MAX_STDIN_BYTES} bytes on stdin`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the named files (or stdin when none, or for `-`), in order. Unreadable files are reported, never thrown. */
export async function readInputs(files: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<InputText[]> {
  const names = files.length === 0 ? ['-'] : files;
  const out: InputText[] = [];
  for (const name of names) {
    if (name === '-') {
      try {
        out.push({ name: 'stdin', text: await readStream(stdin) });
      } catch (error) {
        out.push({ name: 'stdin', error: (error as Error).message });
      }
      continue;
    }
    try {
      out.push({ name, text: await readFile(name, 'utf8') });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      out.push({
        name,
        error: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory (give the files, e.g. dir/*.json)' : `cannot read (${code ?? String(error)})`,
      });
    }
  }
  return out;
}
