/**
 * PagerDuty Events API v2 events for a finding, a digest, or a lifecycle change (acknowledge, resolve): pure, no I/O.
 * The sink adds the routing key (a secret) when it sends; nothing here ever holds it.
 *
 * Field rules from PagerDuty's "Send an Alert Event" (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * `dedup_key` at most 255 characters; `payload.summary` at most 1024; `payload.source` and `payload.severity`
 * (critical | error | warning | info) required for a trigger; `component`, `group`, `class`, `custom_details`, `links`
 * optional. A payload is at most 512 KB (Events API v2 overview, "Size Limits").
 *
 * Finding text is attacker-controlled. PagerDuty shows `summary`, `source` and `custom_details` as plain text, so each
 * string is stripped of control characters and cut; `links` carry only URLs we build (the console deep link, the
 * route's runbook template), never a URL out of a finding.
 */
import { createHash } from 'node:crypto';
import type { PagerDutyEvent, PagerDutyLink, PagerDutySeverity } from '../core/message.js';
import type { Finding, SeverityBandName } from '../finding/finding.js';
import { formatSeverity, severityLabel } from './format.js';
import { sanitizeText, truncate } from './mrkdwn.js';
import { displayTitle } from './finding-facts.js';

/** Events API v2 limits ("Send an Alert Event", parameter table). */
export const PAGERDUTY_LIMITS = {
  dedupKey: 255,
  summary: 1024,
  /** Our own bound for source/component/group/class: PagerDuty lists no limit; these are one-line labels. */
  label: 255,
  /** Our own bound for each custom_details string, so a 4 MB description cannot approach the 512 KB payload limit. */
  detail: 2000,
} as const;

export type { PagerDutyAction, PagerDutyEvent, PagerDutyLink, PagerDutySeverity } from '../core/message.js';

/** PagerDuty severity per band (the config's `severities`, these are the defaults the issue fixes). */
export interface PagerDutySeverityMap {
  critical: PagerDutySeverity;
  high: PagerDutySeverity;
  medium: PagerDutySeverity;
  low: PagerDutySeverity;
}

export const DEFAULT_PAGERDUTY_SEVERITIES: PagerDutySeverityMap = { critical: 'critical', high: 'error', medium: 'warning', low: 'info' };

/** What the finding's trigger is built from besides the finding: enrich's results and the route's runbook. */
export interface PagerDutyEventContext {
  accountName?: string;
  consoleUrl?: string;
  consoleLabel?: string;
  runbookUrl?: string;
  severities?: Partial<PagerDutySeverityMap>;
  /** `escalation` adds why it pages now (not acknowledged for …). */
  escalation?: { afterMs: number; step: number };
}

export const PAGERDUTY_CLIENT = 'guardduty-notifier';

const DEDUP_PREFIX = 'gdn-';
/** The short reference ending every summary: `[gdn 1a2b3c4d]` (8 hex characters of the key). */
const REFERENCE = /\[gdn ([0-9a-f]{8})\]/;

/**
 * The one stable key per finding: `gdn-` + SHA-256 of the finding id (68 characters, within 255). GuardDuty's
 * re-published updates of a finding carry the same id, so they add to one PagerDuty alert; acknowledge and resolve use
 * the same key. Hashed so that a finding id of any length or alphabet makes a valid key.
 */
export function pagerDutyDedupKey(findingId: string): string {
  return DEDUP_PREFIX + createHash('sha256').update(`finding\u0000${findingId}`).digest('hex');
}

/** A digest's own key: derived from its outbox id, so a redelivered batch repeats it and never opens a second alert. */
export function pagerDutyDigestKey(digestId: string): string {
  return DEDUP_PREFIX + createHash('sha256').update(`digest\u0000${digestId}`).digest('hex');
}

/** `1a2b3c4d`: the reference of a key, as it ends the summary. */
export function referenceOfKey(dedupKey: string): string | undefined {
  return /^gdn-([0-9a-f]{8})[0-9a-f]{56}$/.exec(dedupKey)?.[1];
}

/** The reference at the end of an incident title, if one of ours is there (the last one: a finding title may hold a fake). */
export function referenceInTitle(title: string): string | undefined {
  const all = [...title.matchAll(new RegExp(REFERENCE.source, 'g'))];
  return all.at(-1)?.[1];
}

const BAND_KEY: Readonly<Record<SeverityBandName, keyof PagerDutySeverityMap | undefined>> = {
  Critical: 'critical',
  High: 'high',
  Medium: 'medium',
  Low: 'low',
  Unknown: undefined,
};

/** The band's PagerDuty severity; an unknown band is `warning`: never `info` for a finding we cannot rate. */
export function pagerDutySeverity(band: SeverityBandName, map: Partial<PagerDutySeverityMap> = {}): PagerDutySeverity {
  const key = BAND_KEY[band];
  if (key === undefined) return 'warning';
  return map[key] ?? DEFAULT_PAGERDUTY_SEVERITIES[key];
}

const clean = (value: string | undefined, max: number = PAGERDUTY_LIMITS.label): string | undefined => {
  if (value === undefined) return undefined;
  const text = truncate(sanitizeText(value, { singleLine: true }), max);
  return text === '' ? undefined : text;
};

/** `head … [gdn 1a2b3c4d]` within 1024 characters: the head is cut, never the reference we match incidents by. */
function summaryWithReference(head: string, dedupKey: string): string {
  const tail = ` [gdn ${referenceOfKey(dedupKey) ?? '00000000'}]`;
  return truncate(head, PAGERDUTY_LIMITS.summary - tail.length) + tail;
}

/** `prod-payments 123456789012`, or the id alone. */
function accountText(finding: Finding, accountName: string | undefined): string | undefined {
  const name = clean(accountName);
  const id = clean(finding.accountId);
  if (name !== undefined && id !== undefined && name !== id) return `${name} ${id}`;
  return name ?? id;
}

/** `[High 8.0] title — prod-payments 123456789012 (us-east-1)`: one line, finding text sanitised (not escaped). */
export function findingHeadline(finding: Finding, accountName: string | undefined): string {
  const account = accountText(finding, accountName);
  const region = clean(finding.region);
  const where = [account, region === undefined ? undefined : `(${region})`].filter(Boolean).join(' ');
  return `[${severityLabel(finding)}] ${displayTitle(finding)}${where === '' ? '' : ` — ${where}`}`;
}

/** `[Digest] 12 findings (3 Critical, 9 High) — worst: [Critical 9.5] title`. */
export function digestHeadline(items: readonly PagerDutyDigestItem[]): string {
  const sorted = [...items].sort((a, b) => b.finding.band.rank - a.finding.band.rank || (b.finding.severity ?? 0) - (a.finding.severity ?? 0));
  const worst = sorted[0]?.finding;
  const bands = new Map<string, number>();
  for (const { finding } of sorted) bands.set(finding.band.name, (bands.get(finding.band.name) ?? 0) + 1);
  const counts = [...bands].map(([band, n]) => `${n} ${band}`).join(', ');
  return `[Digest] ${items.length} finding${items.length === 1 ? '' : 's'} (${counts})${worst === undefined ? '' : ` — worst: [${severityLabel(worst)}] ${displayTitle(worst)}`}`;
}

/**
 * The trigger for one finding: "[High 8.0] title — account (region) [gdn 1a2b3c4d]".
 *
 * @example
 * const event = pagerDutyTrigger(finding, { accountName: 'prod-payments', consoleUrl });
 * // event.dedup_key === pagerDutyDedupKey(finding.id)
 */
export function pagerDutyTrigger(finding: Finding, ctx: PagerDutyEventContext = {}): PagerDutyEvent {
  const dedupKey = pagerDutyDedupKey(finding.id);
  const account = accountText(finding, ctx.accountName);
  const region = clean(finding.region);
  const escalation = ctx.escalation === undefined ? '' : `Not acknowledged for ${formatMinutes(ctx.escalation.afterMs)}: `;
  const head = `${escalation}${findingHeadline(finding, ctx.accountName)}`;
  const resource = clean(finding.resource.summary) ?? clean(finding.resource.type);
  const source = [clean(finding.accountId), region, resource].filter(Boolean).join('/') || PAGERDUTY_CLIENT;

  const details: Record<string, string | number | boolean | string[]> = { finding_id: clean(finding.id, PAGERDUTY_LIMITS.detail) ?? '(none)' };
  const put = (key: string, value: string | undefined): void => {
    const text = clean(value, PAGERDUTY_LIMITS.detail);
    if (text !== undefined) details[key] = text;
  };
  put('type', finding.type);
  put('product', finding.product);
  put('severity', formatSeverity(finding.severity) ?? finding.band.name);
  put('account', account);
  put('region', finding.region);
  put('resource_type', finding.resource.type);
  put('resource', finding.resource.summary);
  put('remote_ip', finding.action.remoteIp);
  put('domain', finding.action.domain);
  put('api', finding.action.apiName);
  details['count'] = finding.count;
  put('first_seen', finding.firstSeen);
  put('last_seen', finding.lastSeen);
  put('description', finding.description);
  if (finding.sample) details['sample'] = true;
  if (ctx.escalation !== undefined) details['escalation_step'] = ctx.escalation.step;

  const payload: NonNullable<PagerDutyEvent['payload']> = {
    summary: summaryWithReference(head, dedupKey),
    source: truncate(source, PAGERDUTY_LIMITS.label),
    severity: pagerDutySeverity(finding.band.name, ctx.severities),
    custom_details: details,
  };
  const component = clean(finding.resource.type);
  if (component !== undefined) payload.component = component;
  const group = clean(ctx.accountName) ?? clean(finding.accountId);
  if (group !== undefined) payload.group = group;
  const type = clean(finding.type);
  if (type !== undefined) payload.class = type;
  const timestamp = isoTimestamp(finding.updatedAt);
  if (timestamp !== undefined) payload.timestamp = timestamp;

  const event: PagerDutyEvent = { event_action: 'trigger', dedup_key: dedupKey, payload, client: PAGERDUTY_CLIENT };
  const links = ourLinks(ctx);
  if (links.length > 0) event.links = links;
  return event;
}

/** One digest item: the finding and its account name. */
export interface PagerDutyDigestItem {
  finding: Finding;
  accountName?: string;
}

/**
 * One event for a whole digest, with its own key: "[Digest] 12 findings (3 Critical, 9 High) — worst: title [gdn …]".
 * Its severity is the worst member's.
 */
export function pagerDutyDigestTrigger(digestId: string, items: readonly PagerDutyDigestItem[], options: { severities?: Partial<PagerDutySeverityMap>; top?: number } = {}): PagerDutyEvent {
  const dedupKey = pagerDutyDigestKey(digestId);
  const sorted = [...items].sort((a, b) => b.finding.band.rank - a.finding.band.rank || (b.finding.severity ?? 0) - (a.finding.severity ?? 0));
  const worst = sorted[0]?.finding;
  const bands = new Map<string, number>();
  for (const { finding } of sorted) bands.set(finding.band.name, (bands.get(finding.band.name) ?? 0) + 1);
  const counts = [...bands].map(([band, n]) => `${n} ${band}`).join(', ');
  const head = digestHeadline(items);
  const top = options.top ?? 10;
  const listed = sorted.slice(0, top).map(({ finding }) => truncate(`[${severityLabel(finding)}] ${displayTitle(finding)} (${sanitizeText(finding.id, { singleLine: true })})`, 300));
  const accounts = [...new Set(sorted.map((i) => clean(i.accountName) ?? clean(i.finding.accountId)).filter((a): a is string => a !== undefined))];
  const details: Record<string, string | number | boolean | string[]> = {
    findings: items.length,
    finding_ids: sorted.slice(0, 100).map((i) => clean(i.finding.id, 300) ?? '(none)'),
    worst_first: listed,
    bands: counts,
  };
  if (accounts.length > 0) details['accounts'] = accounts.slice(0, 20);
  return {
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: summaryWithReference(head, dedupKey),
      source: accounts.length === 1 ? accounts[0]! : PAGERDUTY_CLIENT,
      severity: worst === undefined ? 'warning' : pagerDutySeverity(worst.band.name, options.severities),
      class: 'GuardDuty digest',
      custom_details: details,
    },
    client: PAGERDUTY_CLIENT,
  };
}

/** `acknowledge` or `resolve` for an alert we triggered: the same key (the sink sends it with the same routing key). */
export function pagerDutyLifecycle(action: 'acknowledge' | 'resolve', dedupKey: string): PagerDutyEvent {
  return { event_action: action, dedup_key: dedupKey };
}

function ourLinks(ctx: PagerDutyEventContext): PagerDutyLink[] {
  const links: PagerDutyLink[] = [];
  if (ctx.consoleUrl !== undefined && /^https:\/\//.test(ctx.consoleUrl)) {
    links.push({ href: ctx.consoleUrl, text: ctx.consoleLabel ?? 'Open in GuardDuty' });
  }
  if (ctx.runbookUrl !== undefined && /^https?:\/\//.test(ctx.runbookUrl)) links.push({ href: ctx.runbookUrl, text: 'Runbook' });
  return links;
}

/** An ISO 8601 time PagerDuty accepts, from the finding's own `updatedAt` when it is one. */
function isoTimestamp(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** `15 min`, `2 h`, `1 h 30 min`. */
export function formatMinutes(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * The trigger for a finding that could not be rendered in full (the fallback message's facts): still one alert under
 * the finding's own key, so a later acknowledgement or resolve finds it. Without an id there is nothing to key it by.
 */
export function pagerDutyFallbackTrigger(facts: { id?: string; type?: string; accountId?: string; accountName?: string }): PagerDutyEvent | undefined {
  if (facts.id === undefined) return undefined;
  const dedupKey = pagerDutyDedupKey(facts.id);
  const account = clean(facts.accountName) ?? clean(facts.accountId);
  const head = `A finding could not be shown in full: ${clean(facts.type) ?? 'unknown type'}${account === undefined ? '' : ` — ${account}`}`;
  return {
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: summaryWithReference(head, dedupKey),
      source: clean(facts.accountId) ?? PAGERDUTY_CLIENT,
      severity: 'warning',
      custom_details: { finding_id: clean(facts.id, PAGERDUTY_LIMITS.detail) ?? '(none)' },
    },
    client: PAGERDUTY_CLIENT,
  };
}
