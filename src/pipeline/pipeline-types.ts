import type { Config } from '../config/schema.js';
import type { Sink } from '../deliver/sink.js';
import type { Store } from '../state/store.js';
import type { DecisionRecord } from '../policy/decision-record.js';
import type { AccountNameResolver } from '../enrich/account-names.js';
import type { Logger } from '../core/logger.js';
import type { Finding } from '../finding/finding.js';
import type { DrainSummary } from '../deliver/outbox-drainer.js';

/** What one `ingest` call decided, for summaries, the demo page and the daemon's metrics. */
export interface IngestResult {
  /** Documents given. */
  documents: number;
  /** Findings parsed out of them. */
  findings: number;
  /** Documents (or elements) that were not findings: `path: reason`. */
  errors: Array<{ path: string; message: string }>;
  /** Findings that matched no route. */
  unrouted: number;
  /** Every decision made, one per (destination, finding). */
  decisions: DecisionRecord[];
  /** Outbox rows written (single messages + digests). */
  messagesQueued: number;
}

export interface IngestOptions {
  /** Decision time (epoch ms); defaults to the pipeline's clock. */
  now?: number;
  /** Decide and render but commit nothing (`replay --dry-run`). */
  dryRun?: boolean;
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
