import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/finding/finding.js';
import type { IngestResult } from '../../src/pipeline/pipeline-types.js';
import { ingestInBatches } from '../../src/pipeline/replay-batches.js';
import { makeFinding } from '../support/make-finding.js';

/** A stand-in ingest: one decision per finding, an error on every finding whose id ends in 7. */
function fakeIngest(batches: number[]) {
  return async (batch: readonly Finding[]): Promise<IngestResult> => {
    batches.push(batch.length);
    return {
      documents: batch.length,
      findings: batch.length,
      errors: [],
      findingErrors: batch.flatMap((f, i) => (f.id.endsWith('7') ? [{ document: i, findingId: f.id, stage: 'render' as const, message: 'x', fallback: false }] : [])),
      unrouted: 1,
      decisions: batch.map((f) => ({ findingId: f.id }) as unknown as IngestResult['decisions'][number]),
      messagesQueued: batch.length,
    };
  };
}

async function* findings(n: number): AsyncGenerator<Finding> {
  for (let i = 0; i < n; i++) yield makeFinding({ id: `f-${i}` });
}

describe('replay in batches', () => {
  it('decides an input of any size in batches and sums them as one result', async () => {
    const batches: number[] = [];
    const result = await ingestInBatches(findings(25), fakeIngest(batches), { batchSize: 10 });
    expect(batches).toEqual([10, 10, 5]);
    expect(result).toMatchObject({ documents: 25, findings: 25, unrouted: 3, messagesQueued: 25 });
    expect(result.decisions.map((d) => (d as unknown as { findingId: string }).findingId)).toEqual(Array.from({ length: 25 }, (_, i) => `f-${i}`));
    // Error indexes point into the whole input, not into their batch.
    expect(result.findingErrors.map((e) => [e.document, e.findingId])).toEqual([[7, 'f-7'], [17, 'f-17']]);
  });

  it('hands each batch its decisions and keeps none when asked (a summary of a big replay holds counts only)', async () => {
    const seen: number[] = [];
    const result = await ingestInBatches(findings(25), fakeIngest([]), { batchSize: 10, onDecisions: (d) => seen.push(d.length) });
    expect(seen).toEqual([10, 10, 5]);
    expect(result.decisions).toEqual([]);
  });

  it('keeps a small input one batch, as replay always decided it', async () => {
    const batches: number[] = [];
    await ingestInBatches(findings(300), fakeIngest(batches));
    expect(batches).toEqual([300]);
  });

  it('still reports an empty input', async () => {
    const batches: number[] = [];
    expect(await ingestInBatches(findings(0), fakeIngest(batches))).toMatchObject({ findings: 0 });
    expect(batches).toEqual([0]);
  });
});
