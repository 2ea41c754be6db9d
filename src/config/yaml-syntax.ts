import { LineCounter, isCollection, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import { ConfigError } from './errors.js';

/**
 * YAML syntax errors with the line a person has to fix. The yaml parser reports an unclosed `[`, `{` or quote where it
 * noticed (the start of the next line, or the end of the file), which is one line or more after the mistake; we point
 * at the bracket or quote that was opened instead, and say what is missing.
 */

type Problem = { path: string; message: string };

/** Parses YAML (JSON is YAML too) text; a syntax error is a ConfigError naming line and column of each mistake. */
export function parseYamlDocument(text: string, source: string): Document.Parsed {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) throw new ConfigError(source, syntaxProblems(doc, lineCounter));
  return doc;
}

/** What closes what: the parser's message names the closing character it wanted. */
const UNCLOSED: ReadonlyArray<{ test: RegExp; kind: 'seq' | 'map' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE'; say: string }> = [
  { test: /end with a \]/, kind: 'seq', say: 'this "[" is not closed: a "]" is missing' },
  { test: /end with a \}/, kind: 'map', say: 'this "{" is not closed: a "}" is missing' },
  { test: /Missing closing "quote/, kind: 'QUOTE_DOUBLE', say: 'this " quote is not closed' },
  { test: /Missing closing 'quote/, kind: 'QUOTE_SINGLE', say: "this ' quote is not closed" },
];

function syntaxProblems(doc: Document.Parsed, lineCounter: LineCounter): Problem[] {
  // Flow collections and quoted scalars with their ranges: where an unclosed one starts.
  const opened: Array<{ kind: string; start: number; end: number }> = [];
  visit(doc, {
    Node(_key, node) {
      if (isCollection(node) && node.flow && node.range) opened.push({ kind: isSeq(node) ? 'seq' : 'map', start: node.range[0], end: node.range[1] });
      else if (isScalar(node) && node.range && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) opened.push({ kind: node.type, start: node.range[0], end: node.range[1] });
    },
  });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return `line ${pos.line}, column ${pos.col}`;
  };
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of doc.errors) {
    const message = error.message.split('\n')[0] ?? error.message;
    const unclosed = UNCLOSED.find((u) => u.test.test(message));
    // The innermost construct of that kind whose value ends where the parser gave up.
    const start = unclosed
      ? opened.filter((o) => o.kind === unclosed.kind && o.end === error.pos[0]).sort((a, b) => b.start - a.start)[0]?.start
      : undefined;
    const problem = start !== undefined && unclosed ? { path: at(start), message: unclosed.say } : { path: at(error.pos[0]), message };
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) problems.push(problem);
    seen.add(key);
  }
  return problems;
}
