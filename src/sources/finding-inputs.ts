import { safeForTerminal } from '../core/terminal-text.js';
import type { Finding } from '../finding/finding.js';
import { parsedDocumentsOf } from '../finding/parse.js';
import { eachInput } from './file-input.js';

/** A line saying what could not be read or parsed (`FILE: reason`, already terminal-safe). */
export type ProblemReporter = (line: string) => void;

/**
 * Every finding of the inputs, input by input and document by document (one JSON Lines line at a time), so that a
 * caller that forgets each finding after using it holds one input in memory, not all its findings. Problems are
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
  for await (const input of eachInput(files)) {
    const name = safeForTerminal(input.name);
    if (input.bytes === undefined) {
      report(`${name}: ${input.error ?? 'cannot read'}`);
      problems.count += 1;
      continue;
    }
    for (const parsed of parsedDocumentsOf(input.bytes)) {
      for (const finding of parsed.findings) yield { finding, input: name };
      for (const error of parsed.errors) {
        report(`${name}: ${safeForTerminal(error.message)}`);
        problems.count += 1;
      }
    }
  }
}

/** Reads the inputs and parses every finding in them (appended one by one: no argument spreading of a big list). */
export async function readFindings(files: string[], report: ProblemReporter): Promise<{ findings: Finding[]; problems: number }> {
  const findings: Finding[] = [];
  const problems = { count: 0 };
  for await (const { finding } of eachFinding(files, problems, report)) findings.push(finding);
  return { findings, problems: problems.count };
}
