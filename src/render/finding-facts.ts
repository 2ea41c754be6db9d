/**
 * The facts of one finding that every medium shows, as raw (unescaped) parts. The Slack renderer escapes each part
 * for mrkdwn (identifiers as code spans, words as prose); the text renderer joins them as they are. Keeping the
 * selection here means an e-mail and a Slack message never disagree about what a finding says.
 */
import type { Finding } from '../finding/finding.js';
import { formatCount, formatSeverity, formatWhen, plural, severityLabel } from './format.js';
import { sanitizeText, truncate } from './mrkdwn.js';
import type { RenderContext } from './render-context.js';

/** One piece of a fact's value. `code`: an identifier (IP, id, type) that Slack shows as inline code. */
export interface FactPart {
  readonly text: string;
  readonly code?: boolean;
}

export interface Fact {
  readonly label: string;
  readonly parts: readonly FactPart[];
  /** How the parts are joined: ' ' for one phrase, ' · ' for a list of separate facts. */
  readonly separator: string;
}

export const LIST_SEPARATOR = ' · ';

const prose = (text: string): FactPart => ({ text });
const code = (text: string): FactPart => ({ text, code: true });
const UNKNOWN: readonly FactPart[] = [prose('Unknown')];

/**
 * A finding string worth showing. Cheap on purpose (it runs for every value of every finding): a value made only of
 * control characters passes here and renders as blank, which the renderers drop.
 */
function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** The account as people know it: `prod-payments` + id, or just the id. */
export function accountParts(accountName: string | undefined, accountId: string | undefined): FactPart[] {
  const parts: FactPart[] = [];
  if (present(accountName)) parts.push(prose(accountName));
  if (present(accountId) && accountId !== accountName) parts.push(code(accountId));
  return parts;
}

export function remoteParts(finding: Finding): FactPart[] {
  const action = finding.action;
  const parts: FactPart[] = [];
  if (present(action.remoteIp)) {
    parts.push(code(action.remotePort === undefined ? action.remoteIp : `${action.remoteIp}:${action.remotePort}`));
  }
  if (present(action.domain)) parts.push(code(action.domain));
  const place = [action.city, action.country].filter(present).join(', ');
  if (place !== '') parts.push(prose(place));
  if (present(action.organization)) parts.push(prose(action.organization));
  if (present(action.asn)) parts.push(code(/^\d+$/.test(action.asn) ? `AS${action.asn}` : action.asn));
  return parts;
}

export function actionParts(finding: Finding): FactPart[] {
  const action = finding.action;
  const parts: FactPart[] = [];
  if (present(action.type)) parts.push(code(action.type));
  // "outbound TCP": GuardDuty spells the direction in capitals (OUTBOUND), which reads as shouting in a sentence.
  const how = [action.direction?.toLowerCase(), action.protocol].filter(present).join(' ');
  if (how !== '') parts.push(prose(how));
  if (action.localPort !== undefined) parts.push(prose(`local port ${action.localPort}`));
  if (present(action.apiName)) parts.push(code(action.apiName));
  if (present(action.serviceName)) parts.push(prose('on'), code(action.serviceName));
  if (present(action.userAgent)) parts.push(prose('by'), code(action.userAgent));
  if (action.blocked === true) parts.push(prose('(blocked)'));
  return parts;
}

/** The labelled facts of the finding message, in the order people scan them. Severity is rendered by each medium. */
export function findingFacts(finding: Finding, ctx: RenderContext): Fact[] {
  const facts: Fact[] = [];
  const add = (label: string, parts: readonly FactPart[], separator = ' '): void => {
    facts.push({ label, parts: parts.length > 0 ? parts : UNKNOWN, separator });
  };
  add('Account', accountParts(ctx.accountName, finding.accountId));
  add('Region', present(finding.region) ? [code(finding.region)] : []);
  add('Type', present(finding.type) ? [code(finding.type)] : []);
  const resource: FactPart[] = [];
  if (present(finding.resource.type)) resource.push(prose(finding.resource.type));
  if (present(finding.resource.summary)) resource.push(code(finding.resource.summary));
  add('Resource', resource);
  const remote = remoteParts(finding);
  if (remote.length > 0) add('Remote', remote, LIST_SEPARATOR);
  const action = actionParts(finding);
  if (action.length > 0) add('Action', action);
  add('Count', [prose(formatCount(finding.count))]);
  const firstSeen = formatWhen(finding.firstSeen ?? finding.createdAt, ctx.now);
  if (firstSeen !== undefined) add('First seen', [prose(firstSeen)]);
  const lastSeen = formatWhen(finding.lastSeen ?? finding.updatedAt, ctx.now);
  if (lastSeen !== undefined) add('Last seen', [prose(lastSeen)]);
  return facts;
}

/** Why this message exists when it is not the first one about the finding; undefined for a new finding. */
export function kindLine(finding: Finding, ctx: RenderContext): { emoji: string; text: string } | undefined {
  switch (ctx.kind) {
    case 'escalated': {
      const previous = previousBandName(ctx);
      return {
        emoji: ':arrow_up:',
        text: previous === '' ? `Severity rose to ${finding.band.name}` : `Severity rose: ${previous} → ${finding.band.name}`,
      };
    }
    case 'reminder': {
      const since = formatWhen(finding.firstSeen ?? finding.createdAt, ctx.now);
      const seen = `seen ${timesLabel(finding.count)}`;
      return { emoji: ':alarm_clock:', text: `Still active: ${seen}${since === undefined ? '' : ` since ${since}`}` };
    }
    case 'repeat': {
      const last = formatWhen(finding.lastSeen ?? finding.updatedAt, ctx.now);
      return { emoji: ':repeat:', text: `Seen again: ${timesLabel(finding.count)}${last === undefined ? '' : `, last ${last}`}` };
    }
    default:
      return undefined;
  }
}

/** Short words for the top-level text and the e-mail subject. */
export function kindPrefix(ctx: RenderContext): string {
  switch (ctx.kind) {
    case 'escalated': {
      const previous = previousBandName(ctx);
      return previous === '' ? 'Escalated: ' : `Escalated from ${previous}: `;
    }
    case 'reminder':
      return 'Still active: ';
    case 'repeat':
      return 'Seen again: ';
    default:
      return '';
  }
}

/** Band names are short words; anything longer is not a band name and is cut rather than trusted. */
const BAND_NAME_MAX = 20;

function previousBandName(ctx: RenderContext): string {
  return ctx.previousBand === undefined ? '' : truncate(sanitizeText(ctx.previousBand, { singleLine: true }), BAND_NAME_MAX);
}

function timesLabel(count: number): string {
  return count === 1 ? '1 time' : `${formatCount(count)} times`;
}

/** The title people see: the finding's title, else its type, else a generic word. One line. */
export function displayTitle(finding: Finding): string {
  const title = sanitizeText(finding.title, { singleLine: true });
  if (title !== '') return title;
  const type = sanitizeText(finding.type, { singleLine: true });
  return type !== '' ? type : `${finding.product || 'GuardDuty'} finding`;
}

/** One signal of an attack sequence, for people. */
export interface SignalLine {
  readonly name: string;
  readonly count: number;
  /** `8.0`, when the signal is a finding with a severity. */
  readonly severity?: string;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/** What the message shows of an attack sequence (raw text; each medium escapes and cuts). */
export interface SequenceFacts {
  /** `4 signals · 1 actor · 2 resources · 1 endpoint` */
  readonly counts: string;
  readonly description?: string;
  readonly tactics: readonly string[];
  readonly signals: readonly SignalLine[];
  /** Signals not listed. */
  readonly moreSignals: number;
  readonly endpoints: readonly string[];
  readonly moreEndpoints: number;
}

export function sequenceFacts(finding: Finding, now: number): SequenceFacts | undefined {
  const sequence = finding.attackSequence;
  if (sequence === undefined) return undefined;
  const counts = [
    plural(sequence.signalCount, 'signal'),
    plural(sequence.actorCount, 'actor'),
    plural(sequence.resourceCount, 'resource'),
    plural(sequence.endpointCount, 'endpoint'),
  ].join(LIST_SEPARATOR);
  const signals = sequence.signals.filter((signal) => present(signal.name)).map((signal): SignalLine => {
    const severity = formatSeverity(signal.severity ?? null);
    const firstSeen = formatWhen(signal.firstSeen, now);
    const lastSeen = formatWhen(signal.lastSeen, now);
    return {
      name: signal.name,
      count: signal.count,
      ...(severity !== undefined && { severity }),
      ...(firstSeen !== undefined && { firstSeen }),
      ...(lastSeen !== undefined && { lastSeen }),
    };
  });
  const endpoints = sequence.endpoints.filter(present);
  const description = sequence.description !== undefined && present(sequence.description) && sequence.description !== finding.description ? sequence.description : undefined;
  return {
    counts,
    ...(description !== undefined && { description }),
    tactics: sequence.tactics.filter(present),
    signals,
    moreSignals: Math.max(0, sequence.signalCount - signals.length),
    endpoints,
    moreEndpoints: Math.max(0, sequence.endpointCount - endpoints.length),
  };
}

/** `GuardDuty via Security Hub`, `Inspector via Security Hub (OCSF)`, `GuardDuty Malware Protection for S3`. */
export function productLine(finding: Finding): string {
  const product = present(finding.product) ? finding.product : 'GuardDuty';
  switch (finding.format) {
    case 'asff':
      return `${product} via Security Hub`;
    case 'ocsf':
      return `${product} via Security Hub (OCSF)`;
    case 'malware-scan':
      return `${product} Malware Protection for S3`;
    default:
      return product;
  }
}

/**
 * Short facts for the message's footer, besides the id and product: the feature that made the finding, its
 * lifecycle status when it is not simply new, the custom detection rule, and the attack sequence it belongs to.
 */
export function footerFacts(finding: Finding): Array<{ label: string; value: string; code?: boolean }> {
  const facts: Array<{ label: string; value: string; code?: boolean }> = [];
  if (present(finding.feature) && finding.format !== 'malware-scan') facts.push({ label: 'Feature', value: finding.feature });
  if (present(finding.status) && finding.status.trim().toLowerCase() !== 'new') facts.push({ label: 'Status', value: finding.status });
  if (present(finding.customDetectionRuleName)) facts.push({ label: 'Custom rule', value: finding.customDetectionRuleName, code: true });
  const sequence = finding.attackSequenceId ?? finding.attackSequenceArn;
  if (present(sequence)) facts.push({ label: 'Part of attack sequence', value: sequence, code: true });
  return facts;
}

/**
 * Everything both the Slack and the text renderer derive from a finding, computed once per message
 * (renderFindingMessage renders both from one of these).
 */
export interface PreparedFinding {
  readonly finding: Finding;
  readonly ctx: RenderContext;
  /** displayTitle: sanitised, one line, never empty; not escaped, not cut. */
  readonly title: string;
  /** `High 8.0` or `Unknown`. */
  readonly severity: string;
  readonly facts: readonly Fact[];
  readonly kind: { emoji: string; text: string } | undefined;
  /** formatWhen(updatedAt). */
  readonly updated: string | undefined;
  readonly sequence: SequenceFacts | undefined;
}

export function prepareFinding(finding: Finding, ctx: RenderContext): PreparedFinding {
  return {
    finding,
    ctx,
    title: displayTitle(finding),
    severity: severityLabel(finding),
    facts: findingFacts(finding, ctx),
    kind: kindLine(finding, ctx),
    updated: formatWhen(finding.updatedAt, ctx.now),
    sequence: sequenceFacts(finding, ctx.now),
  };
}
