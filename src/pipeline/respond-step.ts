import type { Finding } from '../finding/finding.js';
import type { Logger } from '../core/logger.js';
import { errorRecord, type DecisionRecord } from '../policy/decision-record.js';
import type { BlockIntent } from '../respond/block-intent.js';
import type { BlockRecord } from '../respond/block-record.js';
import { withRespondLines } from '../render/respond-lines.js';
import type { OutboxRow } from '../state/store.js';
import { announcedLines, isNews, type Announcement, type ConvergeReport, type Responder } from './responder.js';

/**
 * The pipeline's respond step, between render and commit: plan the batch's blocks, put each finding's lines into its
 * message (every destination it has a single message in), give the news of the others a message of their own in the
 * destinations they were routed to, and return the rows to commit with the batch. What a batch blocked is announced
 * in the same commit that records it.
 */

/** What respond did with one batch, for the CLI, the Lambda's metrics and tests. */
export interface RespondSummary {
  /** Every intent, in finding order. */
  intents: BlockIntent[];
  /** The announced lines, per finding id. */
  lines: Array<{ findingId: string; line: string }>;
  /** Rows committed (or, in a dry run of the pipeline, that would be). */
  blocks: BlockRecord[];
  counts: { blocked: number; extended: number; refused: number };
  /** Findings the planner threw on. */
  failed: number;
  /** The converge after the commit (enforce mode, when the batch changed a block). */
  converge?: ConvergeReport;
}

export interface RespondStepInput {
  responder: Responder;
  findings: readonly Finding[];
  at: number;
  /** The batch's outbox rows: lines are added into single messages, messages of their own appended. */
  outbox: OutboxRow[];
  /** The destinations a finding was routed to (a message or not); none: `fallbackDestination`. */
  routedTo: (finding: Finding) => readonly string[];
  fallbackDestination: string | undefined;
  logger: Logger;
}

/**
 * @example
 * const step = await respondToBatch({ responder, findings, at, outbox, routedTo, fallbackDestination, logger });
 * await store.commit({ ledger, outbox, decisions, blocks: step.summary.blocks });
 */
export async function respondToBatch(input: RespondStepInput): Promise<{ summary: RespondSummary; errorRecords: DecisionRecord[] }> {
  const { responder, at, outbox } = input;
  const plan = await input.responder.plan(input.findings, at);
  const errorRecords = plan.failed.map(({ finding }) => errorRecord(finding, 'respond', at));
  const summary: RespondSummary = { intents: [...plan.intents], lines: [], blocks: [], counts: { blocked: 0, extended: 0, refused: 0 }, failed: plan.failed.length };
  const announcements: Announcement[] = [];

  // Single messages by finding: where a finding's lines go when it has a message in this batch.
  const singles = new Map<string, OutboxRow[]>();
  for (const row of outbox) {
    if (row.kind === 'digest' || row.findingId === undefined || row.findingIds.length !== 1) continue;
    const list = singles.get(row.findingId);
    if (list) list.push(row);
    else singles.set(row.findingId, [row]);
  }

  for (const { finding, intents } of plan.perFinding) {
    if (intents.length === 0) continue;
    const lines = announcedLines(intents);
    for (const line of lines) summary.lines.push({ findingId: finding.id, line });
    const announcedIn = new Set<string>();
    for (const row of singles.get(finding.id) ?? []) {
      if (lines.length === 0) break;
      row.message = withRespondLines(row.message, lines);
      announcedIn.add(row.destination);
    }
    const news = intents.filter(isNews);
    if (news.length > 0) {
      const routed = input.routedTo(finding);
      const destinations = routed.length > 0 ? routed : input.fallbackDestination === undefined ? [] : [input.fallbackDestination];
      const newsLines = announcedLines(news);
      for (const destination of destinations) {
        if (announcedIn.has(destination)) continue;
        announcedIn.add(destination);
        announcements.push({
          destination,
          lines: newsLines,
          finding: { id: finding.id, type: finding.type, title: finding.title },
          idParts: news.flatMap((i) => (i.kind === 'refuse' ? [i.reason, i.ip, i.target ?? ''] : [i.kind, i.record.target, i.record.cidr, String(i.record.until)])),
        });
      }
    }
    for (const intent of intents) {
      if (intent.kind === 'refuse') {
        summary.counts.refused += 1;
        continue;
      }
      summary.counts[intent.kind === 'block' ? 'blocked' : 'extended'] += 1;
      // Where the block was announced is where its unblock will be.
      const announceTo = [...new Set([...(intent.record.announceTo ?? []), ...announcedIn])];
      summary.blocks.push(announceTo.length > 0 ? { ...intent.record, announceTo } : intent.record);
    }
  }
  outbox.push(...responder.announcementRows(announcements, at));
  if (summary.blocks.length > 0 || summary.counts.refused > 0) {
    input.logger.info(responder.dryRun ? 'Blocks decided (dry-run: recorded, not written)' : 'Blocks decided', { ...summary.counts });
  }
  return { summary, errorRecords };
}
