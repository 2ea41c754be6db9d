import type { Config } from '../config/schema.js';
import type { Sink } from '../deliver/sink.js';
import type { Store } from '../state/store.js';
import type { DecisionRecord, FindingStage } from '../policy/decision-record.js';
import type { AccountNameResolver } from '../enrich/account-names.js';
import type { Logger } from '../core/logger.js';
import type { Finding } from '../finding/finding.js';
import type { DrainSummary } from '../deliver/outbox-drainer.js';
import type { Responder } from './responder.js';
import type { RespondSummary } from './respond-step.js';

/**
 * A finding that threw in one stage (enrich, route, decide, render): one of these per (finding, stage, destination),
 * while every other finding of the batch went on. It is logged (`logger.error` with `findingId` and `stage`), kept in
 * the decision log as a record with outcome `error` and reason `error:<stage>` (what `status` shows), and, where a
 * destination is known (decide, render), the finding is queued as a plain fallback message ("A finding could not be
 * shown in full: id, type, account — open it in the console") whose ledger row makes its re-publications duplicates.
 *
 * The contract for entry points that acknowledge their input per document (Lambda's SQS `batchItemFailures`):
 * `document` is the index, into the `documents` given to `ingest`, of the document the finding came from — for
 * `ingestFindings` it is the index of the finding in the array given — and `findingId` its id. Report exactly those
 * documents failed; every other document of the batch is done (committed). A document can appear more than once.
 */
export interface FindingError {
  /** Index into the `documents` given to `ingest` (for `ingestFindings`: into the findings given). */
  document: number;
  /** The finding's id ('' when even that could not be read). */
  findingId: string;
  stage: FindingStage;
  /** The destination being decided or rendered for (decide, render); absent before routing. */
  destination?: string;
  /** What was thrown (the error's message; never a secret: findings carry none). */
  message: string;
  /** A plain fallback message was queued for this finding in `destination`. */
  fallback: boolean;
}

/** What one `ingest` call decided, for summaries, the demo page and the daemon's metrics. */
export interface IngestResult {
  /** Documents given. */
  documents: number;
  /** Findings parsed out of them. */
  findings: number;
  /**
   * Documents (or elements) that were not findings: `path: reason`, and (from `ingest`) the index of the document in
   * the `documents` given.
   */
  errors: Array<{ path: string; message: string; document?: number }>;
  /** Findings that threw in a stage after parsing (see FindingError); none of them held back the others. */
  findingErrors: FindingError[];
  /** Findings that matched no route. */
  unrouted: number;
  /** Every decision made, one per (destination, finding); never outcome `error` (those are in `findingErrors`). */
  decisions: DecisionRecord[];
  /** Outbox rows written (single messages + digests). */
  messagesQueued: number;
  /** What respond decided (with `respond:` in the config), and the converge after the commit. */
  respond?: RespondSummary;
}

export interface IngestOptions {
  /** Decision time (epoch ms); defaults to the pipeline's clock. */
  now?: number;
  /** Decide and render but commit nothing (`replay --dry-run`). */
  dryRun?: boolean;
  /** false: plan no blocks for this batch (`backfill` without `--respond`: old findings must not block by surprise). */
  respond?: boolean;
}

/** What a drain did: the outbox drainer's own summary. */
export type { DrainSummary } from '../deliver/outbox-drainer.js';

export interface PipelineDeps {
  config: Config;
  store: Store;
  /** Sinks by destination name (built from config by `createSinks`). */
  sinks: Map<string, Sink>;
  accountNames: AccountNameResolver;
  logger: Logger;
  /** Clock, injectable for tests and the "realistic day" benchmark. */
  now?: () => number;
  /** respond/ (config `respond:`): plans blocks per batch, converges the targets after the commit. */
  responder?: Responder;
}

/**
 * The whole flow, one call per batch (Lambda: one SQS batch; daemon: one poll tick / group-wait window; CLI: the
 * files given): parse → enrich → route → decide → digest → render → commit (ledger + outbox together) → drain.
 */
export interface Pipeline {
  /** Parse, enrich, route, decide, render and commit one batch of raw documents. Nothing is sent yet. */
  ingest(documents: readonly unknown[], options?: IngestOptions): Promise<IngestResult>;
  /** The same for findings already parsed (the CLI parses per file to name each file in errors). */
  ingestFindings(findings: readonly Finding[], options?: IngestOptions): Promise<IngestResult>;
  /** Sends what the outbox holds (rate-limited, retried) until empty or the deadline. */
  drain(options?: { deadlineMs?: number }): Promise<DrainSummary>;
}
