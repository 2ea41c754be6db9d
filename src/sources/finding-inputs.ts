import { safeForTerminal } from '../core/terminal-text.js';
import type { Finding } from '../finding/finding.js';
import { eachInputDocument } from './file-input.js';

/** A line saying what could not be read or parsed (`FILE: reason`, already terminal-safe). */
export type ProblemReporter = (line: string) => void;

/**
 * Every finding of the inputs, input by input and document by document (one JSON Lines line at a time, read as a
 * stream), so that a caller that forgets each finding after using it holds one document in memory, whatever the size
 * of the input. Problems are
 * reported as `FILE: reason` (the name escaped: it is the user's, but may hold anything) and counted in `problems`.
 *
 * @example
 * for await (const { finding } of eachFinding(['a.json'], problems, (line) => process.stderr.write(`${line}\n`))) use(finding);
 */
export async function* eachFinding(
  files: string[],
  problems: { count: number },
  report: ProblemReporter,
): AsyncGenerator<{ finding: Finding; input: string }> {
  for await (const { name: given, item } of eachInputDocument(files)) {
    const name = safeForTerminal(given);
    if ('error' in item) {
      report(`${name}: ${safeForTerminal(item.error)}`);
      problems.count += 1;
      continue;
    }
    for (const finding of item.parsed.findings) yield { finding, input: name };
    for (const error of item.parsed.errors) {
      report(`${name}: ${safeForTerminal(error.message)}`);
      problems.count += 1;
    }
  }
}
