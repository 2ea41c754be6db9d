import { createHash } from 'node:crypto';
import type { Finding } from '../finding/finding.js';
import { parseFindingDocument } from '../finding/parse.js';
import { routeFinding, type RouteTarget } from '../policy/route.js';
import { mutesFromConfig, mutesFromStore } from '../policy/mute.js';
import { decideNotification, dedupeBatch, nextLedgerEntry } from '../policy/decide.js';
import type { Decision, NotifyDecision } from '../policy/decision.js';
import { decisionRecord, errorRecord, formatDecisionReason, type DecisionRecord, type FindingStage } from '../policy/decision-record.js';
import type { LedgerEntry } from '../policy/ledger.js';
import { planMessages } from '../policy/digest-plan.js';
import { renderDigestAs, renderFallbackAs } from '../render/renderers.js';
import { fallbackFactsOf } from '../render/fallback-message.js';
import { payloadFormatOf } from '../deliver/payload-format.js';
import type { PayloadFormat, RenderedMessage } from '../core/message.js';
import type { PagerDutySeverityMap } from '../render/pagerduty-event.js';
import { createOutboxDrainer } from '../deliver/outbox-drainer.js';
import { acknowledgeFindings } from '../actions/acknowledge.js';
import type { OutboxRow } from '../state/store.js';
import type { DrainSummary, FindingError, IngestOptions, IngestResult, Pipeline, PipelineDeps } from './pipeline-types.js';
import { enrichFinding, renderEnriched, type EnrichedFinding } from './render-finding.js';
import { respondToBatch } from './respond-step.js';
import { interactContexts, snapshotOf } from './interact-ports.js';
import { digestSubject, onCallRows, type NotifiedFinding } from './on-call-step.js';
import type { FindingSnapshot } from '../state/store.js';

/**
 * The order of the whole flow, in one place:
 *
 *   raw documents ─ parse ─▶ Finding ─ enrich ─▶ + account name, console link
 *     ─ route ─▶ (finding, destination) pairs ─ decide (ledger, mutes) ─▶ notify / suppress
 *     ─ plan ─▶ single messages or digests ─ render ─▶ Block Kit + text
 *     ─ commit ─▶ ledger + outbox + decision records, together ─ drain ─▶ sinks (rate-limited, retried)
 *
 * Nothing is sent before it is committed, so a crash at any point loses nothing decided (see docs/configuration.md, "Delivery").
 * A finding that throws in enrich, route, decide or render is one recorded error (IngestResult.findingErrors, the
 * decision log, the error log) and, where a destination is known, a plain fallback message: never the batch's.
 */

/** Outbox ids are derived from what they say, so a redelivered batch re-creates the same ids and is deduplicated. */
function outboxId(parts: ReadonlyArray<string | number | undefined>): string {
  return createHash('sha256').update(parts.map((p) => String(p ?? '')).join('\u0000')).digest('hex').slice(0, 32);
}

/** A digest's outbox id: its destination and each member's finding id, update time and count. */
function digestOutboxId(destination: string, members: readonly NotifyDecision[]): string {
  const idParts: string[] = [destination, 'digest'];
  for (const d of members) idParts.push(`${d.finding.id}@${d.finding.updatedAt ?? ''}#${d.finding.count}`);
  return outboxId(idParts);
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
  /** Each outbox row holds only its destination's payload format (render/renderers.ts). */
  const formatOf = (destination: string): PayloadFormat => {
    const dest = destinations.get(destination);
    if (dest === undefined) throw new Error(`No destination named "${destination}" in the config`);
    return payloadFormatOf(dest);
  };
  /** The buttons of each destination's messages (`interact:`); undefined: none. */
  const interactFor = interactContexts(config);
  /** Paging or escalation is configured: archived findings are then resolved where they were paged. */
  const onCallConfigured = config.destinations.some((d) => d.type === 'pagerduty') || config.routes.some((r) => r.escalate !== undefined);
  const drainer = createOutboxDrainer({ store, sinks, now: clock, logger });
  /** What a destination's renderer needs of its config besides the finding (a pagerduty destination's severities). */
  const destinationRenderOptions = (name: string): { pagerDutySeverities?: Partial<PagerDutySeverityMap> } => {
    const dest = destinations.get(name);
    return dest?.type === 'pagerduty' && dest.severities !== undefined ? { pagerDutySeverities: dest.severities } : {};
  };

  async function ingest(documents: readonly unknown[], options?: IngestOptions): Promise<IngestResult> {
    // 1. Parse every document; a bad one is reported with its path and never stops the others.
    // Appended one by one: spreading a big array into push() overflows the stack (~130,000 items on Node 20).
    const parsed: Finding[] = [];
    const documentOf = new Map<Finding, number>();
    const errors: IngestResult['errors'] = [];
    for (let i = 0; i < documents.length; i++) {
      const result = parseFindingDocument(documents[i], documents.length === 1 ? '$' : `$[${i}]`);
      for (const finding of result.findings) {
        parsed.push(finding);
        documentOf.set(finding, i);
      }
      for (const error of result.errors) errors.push({ path: error.path, message: error.message, document: i });
    }
    const result = await ingestParsed(parsed, documentOf, options);
    result.documents = documents.length;
    for (const error of errors) result.errors.push(error);
    return result;
  }

  async function ingestFindings(findings: readonly Finding[], options?: IngestOptions): Promise<IngestResult> {
    const documentOf = new Map<Finding, number>();
    findings.forEach((finding, i) => documentOf.set(finding, i));
    return ingestParsed(findings, documentOf, options);
  }

  async function ingestParsed(parsed: readonly Finding[], documentOf: ReadonlyMap<Finding, number>, options?: IngestOptions): Promise<IngestResult> {
    const at = options?.now ?? clock();
    const result: IngestResult = { documents: 0, findings: parsed.length, errors: [], findingErrors: [], unrouted: 0, decisions: [], messagesQueued: 0 };
    // Attack sequences first (a stable sort), so on slack-api their messages open the threads their signals then join.
    const findings = dedupeBatch(parsed).sort((a, b) => Number(b.attackSequence !== undefined) - Number(a.attackSequence !== undefined));

    // One finding that throws is one error: logged, recorded for `status`, returned; the others go on.
    const errorRecords: DecisionRecord[] = [];
    const failed = (finding: Finding, stage: FindingStage, error: unknown, destination?: string): FindingError => {
      const record = errorRecord(finding, stage, at, destination);
      const message = error instanceof Error ? error.message : String(error);
      const findingError: FindingError = { document: documentOf.get(finding) ?? -1, findingId: record.findingId, stage, message, fallback: false };
      if (destination !== undefined) findingError.destination = destination;
      result.findingErrors.push(findingError);
      errorRecords.push(record);
      logger.error('A finding could not be processed in full; the rest of the batch goes on', {
        findingId: record.findingId,
        stage,
        destination,
        error: message,
      });
      return findingError;
    };

    // 2. Enrich: account names (cached, bounded) and console links. A finding enrich fails on goes on without them.
    const enriched = new Map<Finding, EnrichedFinding>();
    await Promise.all(
      findings.map(async (finding) => {
        try {
          enriched.set(finding, await enrichFinding(finding, accountNames));
        } catch (error) {
          failed(finding, 'enrich', error);
        }
      }),
    );
    const enrichedOf = (finding: Finding): EnrichedFinding => enriched.get(finding) ?? { finding, accountName: undefined, console: undefined };
    const fallbackFor = (finding: Finding, destination: string): RenderedMessage => {
      const info = enriched.get(finding);
      return renderFallbackAs(formatOf(destination), fallbackFactsOf(finding, { accountName: info?.accountName, consoleUrl: info?.console?.url }));
    };

    // 3. Route: which destinations want each finding. A finding routing fails on has no destination to be sent to.
    const byDestination = new Map<string, Array<{ finding: Finding; target: RouteTarget }>>();
    for (const finding of findings) {
      let targets: RouteTarget[];
      try {
        targets = routeFinding(finding, config);
      } catch (error) {
        failed(finding, 'route', error);
        continue;
      }
      if (targets.length === 0) result.unrouted += 1;
      for (const target of targets) {
        let list = byDestination.get(target.destination);
        if (!list) byDestination.set(target.destination, (list = []));
        list.push({ finding, target });
      }
    }

    // 4. Decide, per destination, against the ledger and the mutes (read only when there is something to decide).
    const mutes = byDestination.size === 0 ? [] : [...configMutes, ...mutesFromStore(await store.listMutes(at))];
    const decisions: Decision[] = [];
    /** Findings the policy threw on, never notified here before: each gets a fallback message. */
    const undecided: Array<{ finding: Finding; target: RouteTarget; error: FindingError }> = [];
    const ledgerBefore = new Map<string, Map<string, LedgerEntry>>();
    for (const [destination, items] of byDestination) {
      const dest = destinations.get(destination);
      const ledger = await store.getLedger(destination, items.map((i) => i.finding.id));
      ledgerBefore.set(destination, ledger);
      const minSeverity = Math.max(config.minSeverity, dest?.minSeverity ?? 0);
      for (const { finding, target } of items) {
        try {
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
        } catch (error) {
          const findingError = failed(finding, 'decide', error, destination);
          // Once notified here (a message or an earlier fallback), a finding the policy cannot decide stays quiet.
          if (!ledger.has(finding.id)) undecided.push({ finding, target, error: findingError });
        }
      }
    }

    // 5. Plan: a burst for one destination becomes digests; the rest stay single messages.
    const plan = planMessages(decisions, { threshold: config.digest.threshold });
    const outbox: OutboxRow[] = [];
    const records: DecisionRecord[] = [];
    /** What a button on a message needs of its finding (`interact:`), committed with the message. */
    const snapshots: FindingSnapshot[] = [];
    /** Every finding a message of this batch tells about, by route: escalation deadlines are armed from these. */
    const notified: NotifiedFinding[] = [];
    const notifiedOf = (finding: Finding, route: string, destination: string, subject: string, runbookUrl?: string): NotifiedFinding => {
      const info = enrichedOf(finding);
      return {
        finding,
        accountName: info.accountName,
        route,
        destination,
        subject,
        ...(info.console === undefined ? {} : { consoleUrl: info.console.url, consoleLabel: info.console.label }),
        ...(runbookUrl === undefined ? {} : { runbookUrl }),
      };
    };

    // 6. Render. A finding that does not render goes out as the plain fallback.
    for (const decision of plan.singles) {
      const f = decision.finding;
      const interact = interactFor(decision.destination);
      const id = outboxId([decision.destination, decision.kind, f.id, f.updatedAt, f.count, f.severity ?? undefined]);
      let message: RenderedMessage;
      try {
        message = renderEnriched(enrichedOf(f), formatOf(decision.destination), {
          now: at,
          kind: decision.kind,
          previousBand: decision.previousBand,
          runbookUrl: decision.target.runbookUrl,
          destination: decision.destination,
          ...(interact === undefined ? {} : { interact }),
          ...destinationRenderOptions(decision.destination),
        });
        if (interact !== undefined) snapshots.push(snapshotOf(f, decision.destination, id, at));
      } catch (error) {
        failed(f, 'render', error, decision.destination).fallback = true;
        message = fallbackFor(f, decision.destination);
      }
      outbox.push({
        id,
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
      notified.push(notifiedOf(f, decision.target.route, decision.destination, f.id, decision.target.runbookUrl));
    }
    const renderDigest = (members: readonly NotifyDecision[], digest: (typeof plan.digests)[number]): RenderedMessage => {
      const items = members.map((d) => {
        const info = enrichedOf(d.finding);
        return { finding: d.finding, accountName: info.accountName, consoleUrl: info.console?.url };
      });
      return renderDigestAs(formatOf(digest.destination), items, {
        now: at,
        destination: digest.destination,
        top: config.digest.top,
        part: digest.part.of > 1 ? digest.part : undefined,
        ...(interactFor(digest.destination) === undefined ? {} : { interact: { destination: digest.destination } }),
        id: digestOutboxId(digest.destination, members),
        ...destinationRenderOptions(digest.destination),
      });
    };
    const fallbackRow = (decision: NotifyDecision): OutboxRow => {
      const f = decision.finding;
      return {
        id: outboxId([decision.destination, 'fallback', decision.kind, f.id, f.updatedAt, f.count]),
        destination: decision.destination,
        kind: decision.kind,
        findingId: f.id,
        findingIds: [f.id],
        message: fallbackFor(f, decision.destination),
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
      };
    };
    /** A digest member that cannot be rendered: its fallback, as a message of its own. */
    const leaveDigest = (d: NotifyDecision, destination: string, error: unknown): void => {
      failed(d.finding, 'render', error, destination).fallback = true;
      outbox.push(fallbackRow(d));
      records.push(decisionRecord(d, at, 'notify'));
    };
    for (const digest of plan.digests) {
      let members: NotifyDecision[] = digest.decisions;
      let message: RenderedMessage | undefined;
      try {
        message = renderDigest(members, digest);
      } catch {
        // Which findings break it: each alone. They leave the digest for a fallback message of their own.
        const kept: NotifyDecision[] = [];
        for (const d of members) {
          try {
            renderDigest([d], digest);
            kept.push(d);
          } catch (error) {
            leaveDigest(d, digest.destination, error);
          }
        }
        members = kept;
        try {
          message = members.length > 0 ? renderDigest(members, digest) : undefined;
        } catch (error) {
          // Together they still fail, though no single one does: each gets its fallback.
          for (const d of members) leaveDigest(d, digest.destination, error);
          message = undefined;
        }
      }
      if (message === undefined) continue;
      const id = digestOutboxId(digest.destination, members);
      outbox.push({
        id,
        destination: digest.destination,
        kind: 'digest',
        findingIds: members.map((d) => d.finding.id),
        message,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        nextAttemptAt: at,
      });
      for (const d of members) records.push(decisionRecord(d, at, 'digest', { code: 'digest', kind: d.kind, digestId: id }));
      for (const d of members) notified.push(notifiedOf(d.finding, d.target.route, digest.destination, digestSubject(id)));
    }
    // A finding the policy could not decide, never sent here before: the fallback, and a ledger row (below) so that its
    // re-publications stay quiet.
    const undecidedNotices: NotifyDecision[] = [];
    for (const { finding, target, error } of undecided) {
      const notice: NotifyDecision = { outcome: 'notify', kind: 'new', destination: target.destination, finding, target };
      try {
        outbox.push(fallbackRow(notice));
        undecidedNotices.push(notice);
        error.fallback = true;
      } catch {
        // Not even its id could be read: its error record is all there is.
      }
    }
    for (const decision of decisions) {
      if (decision.outcome === 'suppress') records.push(decisionRecord(decision, at, 'suppress'));
    }

    // 7. The ledger after these decisions; written with the outbox rows in one commit.
    const ledger: LedgerEntry[] = [];
    for (const decision of decisions.concat(undecidedNotices)) {
      try {
        const previous = ledgerBefore.get(decision.destination)?.get(decision.finding.id);
        const next = nextLedgerEntry(decision, previous, at);
        if (next) ledger.push(next);
      } catch (error) {
        failed(decision.finding, 'decide', error, decision.destination);
      }
    }

    // 8. Respond: which remote addresses to block (respond/, pure, over the blocks the store holds now), announced in
    // the finding's message, or in a message of its own where it has none here; committed with the messages below.
    const responder = deps.responder;
    if (responder && options?.respond !== false) {
      const routed = new Map<Finding, string[]>();
      for (const [destination, items] of byDestination) {
        for (const { finding } of items) routed.set(finding, [...(routed.get(finding) ?? []), destination]);
      }
      const step = await respondToBatch({
        responder,
        findings,
        at,
        outbox,
        routedTo: (finding) => routed.get(finding) ?? [],
        fallbackDestination: config.destinations[0]?.name,
        logger,
      });
      result.respond = step.summary;
      for (const record of step.errorRecords) errorRecords.push(record); // never spread: a batch may be big
    }

    result.findingErrors.sort((a, b) => a.document - b.document);
    result.decisions = records;
    result.messagesQueued = outbox.length;
    for (const r of records) {
      if (r.outcome === 'suppress') {
        logger.debug('Finding suppressed', { findingId: r.findingId, destination: r.destination, reason: formatDecisionReason(r.reason) });
      }
    }
    if (options?.dryRun) return result;
    // 7b. On call: escalation deadlines for the messages of routes that escalate (and High/Critical ones, watched for
    // `status`), and which PagerDuty alerts the triggers open; committed with the messages.
    const onCall = onCallRows({ config, notified, outbox, at });
    const blocks = result.respond?.blocks ?? [];
    const decided = records.concat(errorRecords);
    // Nothing decided (an empty tick, a batch of nothing routed): no commit, so no write lock and no request.
    if (ledger.length + outbox.length + decided.length + blocks.length + snapshots.length === 0) return result;
    await store.commit({
      ledger,
      outbox,
      decisions: decided,
      ...(blocks.length > 0 ? { blocks } : {}),
      ...(snapshots.length > 0 ? { snapshots } : {}),
      ...(onCall.escalations.length > 0 ? { escalations: onCall.escalations } : {}),
      ...(onCall.pages.length > 0 ? { pages: onCall.pages } : {}),
    });
    // Archived (or resolved) at the source: the finding is answered. Where we paged or escalate it, the gate resolves
    // the PagerDuty alerts and ends the escalation (a finding the store never notified is passed over quietly).
    const archived = onCallConfigured ? findings.filter(isAnsweredAtSource) : [];
    if (archived.length > 0) {
      await acknowledgeFindings(
        { config, store, logger },
        { findingIds: archived.map((f) => f.id), by: 'guardduty', byName: 'GuardDuty', via: 'archive', archived: true, at, requestId: `archived-${at}`, quietWhenUnknown: true },
      ).catch((error: unknown) => logger.error('Resolving archived findings where they were paged failed; the next sighting tries again', { error: String(error) }));
    }
    // Carried out after the commit: the targets are made to match the rows (enforce mode; the schedule heals the rest).
    if (responder && result.respond && !responder.dryRun && blocks.length > 0) {
      result.respond.converge = await responder.converge({ only: [...new Set(blocks.map((b) => b.target))] });
    }
    return result;
  }

  async function drain(options?: { deadlineMs?: number }): Promise<DrainSummary> {
    return drainer.drainUntilEmpty({ deadlineMs: options?.deadlineMs ?? clock() + 60_000 });
  }

  return { ingest, ingestFindings, drain };
}

/**
 * Whether GuardDuty or Security Hub says the finding is answered (archived, or resolved). A finding that cannot even be
 * read here was already recorded as its own error by the stage that failed on it: it is passed over, never its batch's.
 */
function isAnsweredAtSource(finding: Finding): boolean {
  try {
    return finding.archived || /^(resolved|archived)$/i.test(finding.status ?? '');
  } catch {
    return false;
  }
}
