import { createHash } from 'node:crypto';
import type { Finding } from '../finding/finding.js';
import { parseFindingDocument } from '../finding/parse.js';
import { routeFinding, type RouteTarget } from '../policy/route.js';
import { mutesFromConfig, mutesFromStore } from '../policy/mute.js';
import { decideNotification, dedupeBatch, nextLedgerEntry } from '../policy/decide.js';
import type { Decision } from '../policy/decision.js';
import { decisionRecord, formatDecisionReason, type DecisionRecord } from '../policy/decision-record.js';
import type { LedgerEntry } from '../policy/ledger.js';
import { planMessages } from '../policy/digest-plan.js';
import { renderDigestMessage } from '../render/digest.js';
import { createOutboxDrainer } from '../deliver/outbox-drainer.js';
import type { OutboxRow } from '../state/store.js';
import type { DrainSummary, IngestOptions, IngestResult, Pipeline, PipelineDeps } from './pipeline-types.js';
import { enrichFinding, renderEnriched, type EnrichedFinding } from './render-finding.js';

/**
 * The order of the whole flow, in one place:
 *
 *   raw documents ─ parse ─▶ Finding ─ enrich ─▶ + account name, console link
 *     ─ route ─▶ (finding, destination) pairs ─ decide (ledger, mutes) ─▶ notify / suppress
 *     ─ plan ─▶ single messages or digests ─ render ─▶ Block Kit + text
 *     ─ commit ─▶ ledger + outbox + decision records, together ─ drain ─▶ sinks (rate-limited, retried)
 *
 * Nothing is sent before it is committed, so a crash at any point loses nothing decided (see README "Delivery").
 */

/** Outbox ids are derived from what they say, so a redelivered batch re-creates the same ids and is deduplicated. */
function outboxId(parts: ReadonlyArray<string | number | undefined>): string {
  return createHash('sha256').update(parts.map((p) => String(p ?? '')).join('\u0000')).digest('hex').slice(0, 32);
}

/**
 * @example
 * const pipeline = createPipeline({ config, store, sinks, accountNames, logger });
 * await pipeline.ingest([eventBridgeEvent]);
 * await pipeline.drain({ deadlineMs: Date.now() + 20_000 });
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { config, store, sinks, accountNames, logger } = deps;
  const clock = deps.now ?? Date.now;
  const configMutes = mutesFromConfig(config);
  const destinations = new Map(config.destinations.map((d) => [d.name, d]));
  const drainer = createOutboxDrainer({ store, sinks, now: clock, logger });

  async function ingest(documents: readonly unknown[], options?: IngestOptions): Promise<IngestResult> {
    // 1. Parse every document; a bad one is reported with its path and never stops the others.
    const parsed: Finding[] = [];
    const errors: IngestResult['errors'] = [];
    documents.forEach((doc, i) => {
      const result = parseFindingDocument(doc, documents.length === 1 ? '$' : `$[${i}]`);
      parsed.push(...result.findings);
      for (const error of result.errors) errors.push({ path: error.path, message: error.message });
    });
    const result = await ingestFindings(parsed, options);
    result.documents = documents.length;
    result.errors.push(...errors);
    return result;
  }

  async function ingestFindings(parsed: readonly Finding[], options?: IngestOptions): Promise<IngestResult> {
    const at = options?.now ?? clock();
    const result: IngestResult = { documents: 0, findings: parsed.length, errors: [], unrouted: 0, decisions: [], messagesQueued: 0 };
    // Attack sequences first (a stable sort), so on slack-api their messages open the threads their signals then join.
    const findings = dedupeBatch([...parsed]).sort((a, b) => Number(b.attackSequence !== undefined) - Number(a.attackSequence !== undefined));

    // 2. Enrich: account names (cached, bounded) and console links.
    const enriched = new Map<Finding, EnrichedFinding>();
    await Promise.all(findings.map(async (finding) => enriched.set(finding, await enrichFinding(finding, accountNames))));
    const enrichedOf = (finding: Finding): EnrichedFinding => enriched.get(finding) ?? { finding, accountName: undefined, console: undefined };

    // 3. Route: which destinations want each finding.
    const byDestination = new Map<string, Array<{ finding: Finding; target: RouteTarget }>>();
    for (const finding of findings) {
      const targets = routeFinding(finding, config);
      if (targets.length === 0) result.unrouted += 1;
      for (const target of targets) {
        let list = byDestination.get(target.destination);
        if (!list) byDestination.set(target.destination, (list = []));
        list.push({ finding, target });
      }
    }

    // 4. Decide, per destination, against the ledger and the mutes.
    const mutes = [...configMutes, ...mutesFromStore(await store.listMutes(at))];
    const decisions: Decision[] = [];
    const ledgerBefore = new Map<string, Map<string, LedgerEntry>>();
    for (const [destination, items] of byDestination) {
      const dest = destinations.get(destination);
      const ledger = await store.getLedger(destination, items.map((i) => i.finding.id));
      ledgerBefore.set(destination, ledger);
      const minSeverity = Math.max(config.minSeverity, dest?.minSeverity ?? 0);
      for (const { finding, target } of items) {
        decisions.push(
          decideNotification({
            finding,
            target,
            ledger: ledger.get(finding.id),
            mutes,
            now: at,
            minSeverity,
            dropSamples: config.dropSamples,
            // The sink says whether it threads (Sink.threads); the drainer asks the same sink.
            threads: sinks.get(destination)?.threads === true,
          }),
        );
      }
    }

    // 5. Plan: a burst for one destination becomes digests; the rest stay single messages.
    const plan = planMessages(decisions, { threshold: config.digest.threshold });
    const outbox: OutboxRow[] = [];
    const records: DecisionRecord[] = [];

    // 6. Render.
    for (const decision of plan.singles) {
      const f = decision.finding;
      const message = renderEnriched(enrichedOf(f), {
        now: at,
        kind: decision.kind,
        previousBand: decision.previousBand,
        runbookUrl: decision.target.runbookUrl,
        destination: decision.destination,
      });
      outbox.push({
        id: outboxId([decision.destination, decision.kind, f.id, f.updatedAt, f.count, f.severity ?? undefined]),
        destination: decision.destination,
        kind: decision.kind,
        findingId: f.id,
        findingIds: [f.id],
        message,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
      });
      records.push(decisionRecord(decision, at, 'notify'));
    }
    for (const digest of plan.digests) {
      const items = digest.decisions.map((d) => {
        const info = enrichedOf(d.finding);
        return { finding: d.finding, accountName: info.accountName, consoleUrl: info.console?.url };
      });
      const message = renderDigestMessage(items, {
        now: at,
        destination: digest.destination,
        top: config.digest.top,
        part: digest.part.of > 1 ? digest.part : undefined,
      });
      const id = outboxId([
        digest.destination,
        'digest',
        ...digest.decisions.map((d) => `${d.finding.id}@${d.finding.updatedAt ?? ''}#${d.finding.count}`),
      ]);
      outbox.push({
        id,
        destination: digest.destination,
        kind: 'digest',
        findingIds: digest.decisions.map((d) => d.finding.id),
        message,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
      });
      for (const d of digest.decisions) records.push(decisionRecord(d, at, 'digest', { code: 'digest', kind: d.kind, digestId: id }));
    }
    for (const decision of decisions) {
      if (decision.outcome === 'suppress') records.push(decisionRecord(decision, at, 'suppress'));
    }

    // 7. The ledger after these decisions; written with the outbox rows in one commit.
    const ledger: LedgerEntry[] = [];
    for (const decision of decisions) {
      const previous = ledgerBefore.get(decision.destination)?.get(decision.finding.id);
      const next = nextLedgerEntry(decision, previous, at);
      if (next) ledger.push(next);
    }

    result.decisions = records;
    result.messagesQueued = outbox.length;
    for (const r of records) {
      if (r.outcome === 'suppress') {
        logger.debug('Finding suppressed', { findingId: r.findingId, destination: r.destination, reason: formatDecisionReason(r.reason) });
      }
    }
    if (options?.dryRun) return result;
    await store.commit({ ledger, outbox, decisions: records });
    return result;
  }

  async function drain(options?: { deadlineMs?: number }): Promise<DrainSummary> {
    return drainer.drainUntilEmpty({ deadlineMs: options?.deadlineMs ?? clock() + 60_000 });
  }

  return { ingest, ingestFindings, drain };
}
