/**
 * The streaming document reader behind `render` and `replay` (issue 20 item 8): JSON Lines of any size read a line at
 * a time with a cap per line, one JSON document kept whole under the cap, and the same findings, errors and paths as
 * parsedDocumentsOf whatever the chunk boundaries.
 */
import { describe, expect, it } from 'vitest';
import { parsedDocumentsOf, type ParsedDocument } from '../../src/finding/parse.js';
import { documentsOfStream, type StreamItem } from '../../src/sources/document-stream.js';
import { listFixtures, loadFixture, loadFixtureText } from '../support/finding-fixtures.js';

const BIG = 256 * 1024 * 1024;

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, Math.min(bytes.length, offset + size));
}

async function collect(text: string, chunkSize: number, maxDocumentBytes = BIG, size?: number): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  for await (const item of documentsOfStream(chunked(Buffer.from(text, 'utf8'), chunkSize), { maxDocumentBytes, ...(size !== undefined && { size }) })) items.push(item);
  return items;
}

function flatten(docs: Iterable<ParsedDocument>) {
  const ids: string[] = [];
  const errors: string[] = [];
  for (const doc of docs) {
    for (const f of doc.findings) ids.push(`${f.format}:${f.id}`);
    for (const e of doc.errors) errors.push(e.message);
  }
  return { ids, errors };
}

function parsedOf(items: readonly StreamItem[]): ParsedDocument[] {
  return items.filter((item): item is { parsed: ParsedDocument } => 'parsed' in item).map((item) => item.parsed);
}

const jsonLines = listFixtures()
  .map((name) => JSON.stringify(loadFixture(name)))
  .join('\n');

describe('documentsOfStream', () => {
  it.each([
    ['JSON Lines of every fixture', jsonLines],
    ['JSON Lines with CRLF, a BOM, blank lines and no final newline', `\uFEFF\n${jsonLines.split('\n').join('\r\n\r\n')}`],
    ['JSON Lines with broken lines in the middle', `${jsonLines}\n{"detail-type": "GuardDuty Finding", \n[1, 2\n${jsonLines}\n`],
    ['a pretty-printed document', loadFixtureText('eventbridge-backup-malware-snapshot')],
    ['one document on one line', `${JSON.stringify(loadFixture('securityhub-custom-action-guardduty-asff'))}\n`],
    ['a broken pretty-printed document', '{\n  "detail-type": "GuardDuty Finding",\n  "detail": {\n'],
    ['an empty input', ''],
    ['blank lines only', '\n \r\n\t\n'],
    ['a single scalar', '42\n'],
  ])('reads %s as parsedDocumentsOf does, at any chunk size', async (_name, text) => {
    const expected = flatten(parsedDocumentsOf(Buffer.from(text, 'utf8')));
    for (const chunkSize of [3, 61, 4096, 1 << 20]) {
      const items = await collect(text, chunkSize);
      expect(items.filter((item) => 'error' in item)).toEqual([]);
      expect(flatten(parsedOf(items)), `chunks of ${chunkSize}`).toEqual(expected);
    }
  });

  it('hands over one result per JSON Lines line', async () => {
    expect(await collect(jsonLines, 1000)).toHaveLength(listFixtures().length);
  });

  it('caps each JSON Lines line, not the stream: a line over the cap is one error and the next lines are read', async () => {
    const small = JSON.stringify(loadFixture('eventbridge-camel-instance-network'));
    const huge = JSON.stringify(loadFixture('eventbridge-attack-sequence-2026-indicators'));
    const max = small.length + 10;
    expect(huge.length).toBeGreaterThan(max);
    const text = [small, huge, small, small].join('\n');
    expect(text.length).toBeGreaterThan(3 * max); // the whole input is far over the cap
    const items = await collect(text, 64, max);
    expect(items.map((item) => ('error' in item ? item.error : `${item.parsed.findings.length} finding`))).toEqual([
      '1 finding',
      `line 2 is more than the ${max} bytes one document may be; skipped`,
      '1 finding',
      '1 finding',
    ]);
  });

  it('keeps the cap for one JSON document, and says how to split it', async () => {
    const text = loadFixtureText('eventbridge-attack-sequence-2026-indicators');
    const [item] = await collect(text, 64, 1024);
    expect(item).toEqual({ error: 'more than 1024 bytes as one JSON document; split it, or give JSON Lines (one document per line), which may be any size' });
  });

  it('refuses a single document over the cap from its size alone, reading no further than its first byte', async () => {
    let read = 0;
    async function* zeros(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 1000; i++) {
        read += 1024;
        yield Buffer.alloc(1024);
      }
    }
    const items: StreamItem[] = [];
    for await (const item of documentsOfStream(zeros(), { maxDocumentBytes: 4096, size: 1024 * 1000 })) items.push(item);
    expect(items).toEqual([{ error: 'is 1 MiB, more than the 4096 bytes one JSON document may be; split it (e.g. with jq -c \'.[]\' into JSON Lines, one document per line, which may be any size)' }]);
    expect(read).toBe(1024);
  });
});
