import type { Finding } from '../finding/finding.js';
import type { IngestResult } from './pipeline-types.js';
import type { RespondSummary } from './respond-step.js';

/**
 * `replay` of a big input: findings are decided in batches of this many as they are read, so that a JSON Lines export
 * of any size (300,000 findings, ~435 MiB) is never held whole. An input of fewer findings is one batch, decided as
 * it always was (a burst in it is one digest per destination).
 */
export const REPLAY_BATCH_FINDINGS = 10_000;

/**
 * Reads findings as they come, ingests each full batch, and returns one IngestResult for the whole input, as if it had
 * been one batch: counts added, decisions and errors concatenated (error indexes into the whole input).
 *
 * @example
 * const ingest = await ingestInBatches(findingsOf(files), (batch) => pipeline.ingestFindings(batch, { dryRun }), { onDecisions: count });
 */
export async function ingestInBatches(
  findings: AsyncIterable<Finding>,
  ingest: (batch: readonly Finding[]) => Promise<IngestResult>,
  options: {
    batchSize?: number;
    /**
     * Given: each batch's decisions are handed here and not kept (the caller counts them: a summary of 300,000
     * findings need not hold 300,000 decision records); the result's `decisions` is then empty.
     */
    onDecisions?: (decisions: IngestResult['decisions']) => void;
  } = {},
): Promise<IngestResult> {
  const batchSize = options.batchSize ?? REPLAY_BATCH_FINDINGS;
  let total: IngestResult | undefined;
  let offset = 0;
  let batch: Finding[] = [];
  const flush = async (): Promise<void> => {
    const ingested = await ingest(batch);
    let result = ingested;
    if (options.onDecisions !== undefined) {
      options.onDecisions(ingested.decisions);
      result = { ...ingested, decisions: [] };
    }
    total = total === undefined ? result : mergeIngest(total, result, offset);
    offset += batch.length;
    batch = [];
  };
  for await (const finding of findings) {
    batch.push(finding);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0 || total === undefined) await flush();
  return total!;
}

function mergeIngest(a: IngestResult, b: IngestResult, offset: number): IngestResult {
  const merged: IngestResult = {
    documents: a.documents + b.documents,
    findings: a.findings + b.findings,
    errors: [...a.errors, ...b.errors.map((e) => (e.document === undefined ? e : { ...e, document: e.document + offset }))],
    findingErrors: [...a.findingErrors, ...b.findingErrors.map((e) => ({ ...e, document: e.document + offset }))],
    unrouted: a.unrouted + b.unrouted,
    decisions: a.decisions.concat(b.decisions),
    messagesQueued: a.messagesQueued + b.messagesQueued,
  };
  const respond = mergeRespond(a.respond, b.respond);
  if (respond !== undefined) merged.respond = respond;
  return merged;
}

function mergeRespond(a: RespondSummary | undefined, b: RespondSummary | undefined): RespondSummary | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const merged: RespondSummary = {
    intents: a.intents.concat(b.intents),
    lines: a.lines.concat(b.lines),
    blocks: a.blocks.concat(b.blocks),
    counts: {
      blocked: a.counts.blocked + b.counts.blocked,
      extended: a.counts.extended + b.counts.extended,
      refused: a.counts.refused + b.counts.refused,
    },
    failed: a.failed + b.failed,
  };
  // The last converge saw every block committed before it; a failed one is kept so that replay reports it.
  const failedConverge = [a.converge, b.converge].find((c) => c?.outcomes.some((o) => !o.ok));
  const converge = failedConverge ?? b.converge ?? a.converge;
  if (converge !== undefined) merged.converge = converge;
  return merged;
}
