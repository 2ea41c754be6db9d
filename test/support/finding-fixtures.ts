/**
 * Finding documents for tests: our own fixtures (test/fixtures/findings/, invented content) and the third-party
 * corpus (../shared/corpus/ beside the repository, read in place and never copied in; see its README).
 *
 * @example
 * import { corpusDir, listCorpus, listFixtures, loadFixture } from '../support/finding-fixtures.js';
 * for (const name of listFixtures()) parseFindingDocument(loadFixture(name));
 * describe.skipIf(corpusDir === undefined)('corpus', () => { for (const file of listCorpus()) ... });
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const fixturesDir = path.join(repoRoot, 'test/fixtures/findings');

const corpusCandidate = path.resolve(repoRoot, '../shared/corpus');

/** The third-party corpus folder, or undefined when this checkout has none beside it (tests then skip). */
export const corpusDir: string | undefined = existsSync(corpusCandidate) ? corpusCandidate : undefined;

/**
 * The corpus's `2026/` folder: third-party documents of the newer shapes (Security Hub OCSF, Findings Imported V2,
 * Malware Protection scan results; provenance in the corpus README), or undefined when absent (tests then skip).
 */
export const corpus2026Dir: string | undefined =
  corpusDir !== undefined && existsSync(path.join(corpusDir, '2026')) ? path.join(corpusDir, '2026') : undefined;

/**
 * The corpus's `2026b/` folder: Security Hub Custom Action events and Runtime Monitoring coverage events (provenance in
 * the corpus README), or undefined when absent (tests then skip). Its `expect.json` is not a finding document.
 */
export const corpus2026bDir: string | undefined =
  corpusDir !== undefined && existsSync(path.join(corpusDir, '2026b')) ? path.join(corpusDir, '2026b') : undefined;

/** What `2026b/expect.json` says a reader must see in one document (see the corpus README). */
export interface CorpusExpectation {
  /** How many Slack payloads the document makes. */
  readonly findings: number;
  /** Other counts allowed (e.g. one digest for a multi-finding custom action). */
  readonly acceptFindings?: readonly number[];
  /** Strings that must appear in the payloads (severity words case-insensitively). */
  readonly facts: readonly string[];
}

/** `2026b/expect.json` by file name; empty when the folder or the file is absent. */
export function loadCorpus2026bExpectations(): ReadonlyMap<string, CorpusExpectation> {
  const file = corpus2026bDir === undefined ? undefined : path.join(corpus2026bDir, 'expect.json');
  if (file === undefined || !existsSync(file)) return new Map();
  return new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, CorpusExpectation>));
}

/** Absolute paths of the documents in the corpus's `2026b/` folder (expect.json left out), sorted. */
export function listCorpus2026b(): string[] {
  if (corpus2026bDir === undefined) return [];
  const dir = corpus2026bDir;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && name !== 'expect.json')
    .sort()
    .map((name) => path.join(dir, name));
}

/** Absolute path of a fixture; `name` with or without `.json`. */
export function fixturePath(name: string): string {
  return path.join(fixturesDir, name.endsWith('.json') ? name : `${name}.json`);
}

/** A fixture's raw text (for tests of text parsing). */
export function loadFixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A fixture parsed as JSON: the document as a source would hand it to the parser. */
export function loadFixture(name: string): unknown {
  return JSON.parse(loadFixtureText(name)) as unknown;
}

/**
 * Fixture file names (`eventbridge-camel-instance-network.json`, ...), sorted. Every one parses to at least one
 * finding; `invalid-*` fixtures also hold elements that are reported as errors (and `odd-severities-*` findings with
 * impossible severities), which renderers must survive too.
 */
export function listFixtures(): string[] {
  return readdirSync(fixturesDir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

/** Absolute paths of the corpus documents (README excluded), sorted; empty when the corpus is absent. */
export function listCorpus(): string[] {
  if (corpusDir === undefined) return [];
  const dir = corpusDir;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Absolute paths of the documents in the corpus's `2026/` folder, sorted; empty when it is absent. */
export function listCorpus2026(): string[] {
  if (corpus2026Dir === undefined) return [];
  const dir = corpus2026Dir;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** A corpus document's text; `file` is a path from `listCorpus()` or a file name inside the corpus. */
export function loadCorpusText(file: string): string {
  if (corpusDir === undefined) throw new Error('The finding corpus (../shared/corpus) is not present in this checkout');
  return readFileSync(path.isAbsolute(file) ? file : path.join(corpusDir, file), 'utf8');
}
