import { pagerDutyEventOf } from '../core/message.js';
import type { Config, EscalateConfig } from '../config/schema.js';
import type { Finding } from '../finding/finding.js';
import type { PageRecord } from '../policy/acknowledgement.js';
import { digestSubject, escalationId, escalationMentions, WATCHED_BAND_RANK, type EscalationRow } from '../policy/escalation.js';
import { digestHeadline, findingHeadline, pagerDutyDigestTrigger, pagerDutyTrigger, referenceOfKey } from '../render/pagerduty-event.js';
import type { OutboxRow } from '../state/store.js';

/**
 * The on-call rows a batch commits with its messages (pipeline step 7b):
 * - an escalation row per (route, message subject) when the route has `escalate` (a deadline `after` from now), and
 *   a row without a deadline for every High/Critical message of other routes (so `status` can tell what nobody
 *   acknowledged and how long acknowledging takes);
 * - a page record for every PagerDuty trigger queued (which destinations were paged for which findings, by reference).
 */

/** One message of the batch about one finding, as the pipeline planned it. */
export interface NotifiedFinding {
  finding: Finding;
  accountName: string | undefined;
  route: string;
  destination: string;
  /** The finding id for a single message, `digest:<outbox id>` for a digest. */
  subject: string;
  consoleUrl?: string;
  consoleLabel?: string;
  runbookUrl?: string;
}

/** Route name (as routeFinding names routes: `name`, else `routes[i]`) → its `escalate`. */
export function escalateByRoute(config: Pick<Config, 'routes'>): Map<string, EscalateConfig> {
  const map = new Map<string, EscalateConfig>();
  config.routes.forEach((route, i) => {
    if (route.escalate !== undefined) map.set(route.name ?? `routes[${i}]`, route.escalate);
  });
  return map;
}

export function onCallRows(input: {
  config: Pick<Config, 'routes' | 'destinations' | 'digest'>;
  notified: readonly NotifiedFinding[];
  outbox: readonly OutboxRow[];
  at: number;
}): { escalations: EscalationRow[]; pages: PageRecord[] } {
  const { config, at } = input;
  const escalate = escalateByRoute(config);
  const types = new Map(config.destinations.map((d) => [d.name, d.type]));

  const groups = new Map<string, NotifiedFinding[]>();
  for (const n of input.notified) {
    const id = escalationId(n.route, n.subject);
    const list = groups.get(id);
    if (list === undefined) groups.set(id, [n]);
    else list.push(n);
  }

  const escalations: EscalationRow[] = [];
  for (const [id, members] of groups) {
    const first = members[0]!;
    const rule = escalate.get(first.route);
    const byFinding = new Map(members.map((m) => [m.finding.id, m]));
    const findings = [...byFinding.values()];
    const bandRank = Math.max(...findings.map((m) => m.finding.band.rank));
    if (rule === undefined && bandRank < WATCHED_BAND_RANK) continue;
    const isDigest = first.subject !== first.finding.id;
    const worst = [...findings].sort((a, b) => b.finding.band.rank - a.finding.band.rank || (b.finding.severity ?? 0) - (a.finding.severity ?? 0))[0]!;
    const row: EscalationRow = {
      id,
      route: first.route,
      subject: first.subject,
      findingIds: findings.map((m) => m.finding.id),
      destinations: [...new Set(members.map((m) => m.destination))],
      createdAt: at,
      bandRank,
      dueAt: rule === undefined ? null : at + rule.after,
      step: 0,
      state: 'waiting',
      headline: isDigest ? digestHeadline(findings) : findingHeadline(first.finding, first.accountName),
      // The owner's mention comes from the worst finding's tag (one message, one owner).
      mentions: rule === undefined ? [] : escalationMentions(rule, worst.finding),
    };
    if (rule !== undefined && rule.to.some((name) => types.get(name) === 'pagerduty')) {
      row.page = isDigest
        ? pagerDutyDigestTrigger(first.subject.slice('digest:'.length), findings, { top: config.digest.top })
        : pagerDutyTrigger(first.finding, {
            accountName: first.accountName,
            ...(first.consoleUrl === undefined ? {} : { consoleUrl: first.consoleUrl, consoleLabel: first.consoleLabel ?? 'Open in GuardDuty' }),
            ...(first.runbookUrl === undefined ? {} : { runbookUrl: first.runbookUrl }),
          });
    }
    escalations.push(row);
  }

  return { escalations, pages: pagesOf(input.outbox, at) };
}

/** A page record for every PagerDuty trigger among these outbox rows. */
export function pagesOf(outbox: readonly OutboxRow[], at: number): PageRecord[] {
  const pages: PageRecord[] = [];
  for (const row of outbox) {
    const event = pagerDutyEventOf(row.message);
    if (event?.event_action !== 'trigger') continue;
    const ref = referenceOfKey(event.dedup_key);
    if (ref === undefined) continue;
    pages.push({ ref, dedupKey: event.dedup_key, destination: row.destination, findingIds: row.findingIds, at });
  }
  return pages;
}

export { digestSubject };
