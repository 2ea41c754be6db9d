import { describe, expect, it } from 'vitest';
import { parsedDocumentsOf, parseFindingText, type ParsedDocument } from '../../src/finding/parse.js';
import { listFixtures, loadFixture, loadFixtureText } from '../support/finding-fixtures.js';

/**
 * parsedDocumentsOf (the CLI reads inputs with it, one JSON Lines line at a time) gives what parseFindingText gives
 * the same text: the same findings in the same order, the same errors with the same paths.
 */

function flatten(docs: Iterable<ParsedDocument>) {
  const ids: string[] = [];
  const errors: string[] = [];
  for (const doc of docs) {
    for (const f of doc.findings) ids.push(`${f.format}:${f.id}`);
    for (const e of doc.errors) errors.push(e.message);
  }
  return { ids, errors };
}

function expectSame(text: string): void {
  const whole = parseFindingText(text);
  expect(flatten(parsedDocumentsOf(Buffer.from(text, 'utf8')))).toEqual(flatten([whole]));
}

const jsonLines = listFixtures()
  .map((name) => JSON.stringify(loadFixture(name)))
  .join('\n');

describe('parsedDocumentsOf', () => {
  it.each(listFixtures())('reads %s (one pretty-printed document) like parseFindingText', (name) => {
    expectSame(loadFixtureText(name));
  });

  it.each(listFixtures())('reads %s on one line like parseFindingText', (name) => {
    expectSame(`${JSON.stringify(loadFixture(name))}\n`);
  });

  it.each([
    ['JSON Lines of every fixture', jsonLines],
    ['JSON Lines with CRLF, a BOM, blank lines and no final newline', `\uFEFF${jsonLines.split('\n').join('\r\n\r\n')}`],
    ['JSON Lines with broken lines in the middle', `${jsonLines}\n{"detail-type": "GuardDuty Finding", \n[1, 2\n${jsonLines}\n`],
    ['a broken pretty-printed document', '{\n  "detail-type": "GuardDuty Finding",\n  "detail": {\n'],
    ['an empty input', ''],
    ['blank lines only', '\n \r\n\t\n'],
    ['a single scalar', '42\n'],
  ])('reads %s like parseFindingText', (_name, text) => {
    expectSame(text);
  });

  it('hands over one result per JSON Lines line', () => {
    expect([...parsedDocumentsOf(Buffer.from(jsonLines))]).toHaveLength(listFixtures().length);
  });
});
