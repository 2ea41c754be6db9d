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
      if (finding.health?.healthy === true) {
        const previous = finding.health.previousStatus;
        return { emoji: ':white_check_mark:', text: `Recovered: ${previous === undefined ? '' : `${previous} → `}${finding.health.status}` };
      }
      const action = finding.customAction;
      if (action !== undefined) {
        return { emoji: ':outbox_tray:', text: `Sent again with the custom action ${action.name ?? action.arn ?? '(unnamed)'}` };
      }
      const last = formatWhen(finding.lastSeen ?? finding.updatedAt, ctx.now);
      return { emoji: ':repeat:', text: `Seen again: ${timesLabel(finding.count)}${last === undefined ? '' : `, last ${last}`}` };
    }
    default:
      return undefined;
  }
}

/** Short words for the top-level text and the e-mail subject. */
export function kindPrefix(ctx: RenderContext, finding?: Finding): string {
  if (ctx.kind === 'repeat' && finding?.health?.healthy === true) return 'Recovered: ';
  if (ctx.kind === 'repeat' && finding?.customAction !== undefined) return 'Sent again: ';
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
  /** The sequence's other indicators, in plain words (INDICATOR_WORDS): `Vulnerabilities: CVE-2026-1234, …`. */
  readonly indicators: readonly IndicatorLine[];
  /** `additionalSequenceTypes`: other attack-sequence types it also matches. */
  readonly additionalTypes: readonly string[];
}

/** One indicator of an attack sequence, for people. */
export interface IndicatorLine {
  /** Plain words for the key (`Malicious packages`), or GuardDuty's own title of an indicator we do not know. */
  readonly label: string;
  readonly values: readonly string[];
  readonly moreValues: number;
}

/**
 * GuardDuty's indicator keys (API_Indicator, the IndicatorType enum of `@aws-sdk/client-guardduty`) in plain words.
 * MALICIOUS_PACKAGE, MISCONFIGURATION, REACHABILITY, SENSITIVE_DATA and VULNERABILITY came with Extended Threat
 * Detection's May 2026 release (GuardDuty user guide, document history).
 */
export const INDICATOR_WORDS: Readonly<Record<string, string>> = {
  ATTACK_TECHNIQUE: 'MITRE ATT&CK techniques',
  CRYPTOMINING_DOMAIN: 'Cryptomining domains',
  CRYPTOMINING_IP: 'Cryptomining IP addresses',
  CRYPTOMINING_PROCESS: 'Cryptomining processes',
  HIGH_RISK_API: 'High-risk API calls',
  MALICIOUS_DOMAIN: 'Known malicious domains',
  MALICIOUS_FILE: 'Malicious files',
  MALICIOUS_IP: 'Known malicious IP addresses',
  MALICIOUS_PACKAGE: 'Malicious software packages',
  MALICIOUS_PROCESS: 'Malicious processes',
  MISCONFIGURATION: 'Misconfigurations that helped the attack',
  REACHABILITY: 'Reachable from the internet',
  SENSITIVE_DATA: 'Sensitive data at risk',
  SUSPICIOUS_NETWORK: 'Suspicious network activity',
  SUSPICIOUS_PROCESS: 'Suspicious processes',
  SUSPICIOUS_USER_AGENT: 'Suspicious user agents',
  TOR_IP: 'Tor exit nodes',
  UNUSUAL_API_FOR_ACCOUNT: 'APIs unusual for the account',
  UNUSUAL_ASN_FOR_ACCOUNT: 'Networks (ASNs) unusual for the account',
  UNUSUAL_ASN_FOR_USER: 'Networks (ASNs) unusual for the user',
  VULNERABILITY: 'Exploitable vulnerabilities',
};

/** `SOME_NEW_KEY` → `Some new key`: an indicator we have no words for yet still reads as words. */
function indicatorLabel(key: string, title: string | undefined): string {
  if (Object.hasOwn(INDICATOR_WORDS, key)) return INDICATOR_WORDS[key]!;
  if (title !== undefined && present(title)) return title;
  const words = key.toLowerCase().replace(/_+/g, ' ').trim();
  return words === '' ? 'Indicator' : words.charAt(0).toUpperCase() + words.slice(1);
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
    indicators: (sequence.indicators ?? [])
      .map((indicator): IndicatorLine => ({ label: indicatorLabel(indicator.key, indicator.title), values: indicator.values.filter(present), moreValues: indicator.moreValues }))
      .filter((line) => line.values.length > 0),
    additionalTypes: (sequence.additionalTypes ?? []).filter((type) => present(type) && type !== finding.type),
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
      return finding.resourceScan !== undefined ? `${product} Malware Protection` : `${product} Malware Protection for S3`;
    case 'health':
      return `${product} detector health`;
    case 'insight':
      return `${product} insight`;
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
  const action = finding.customAction;
  const actionName = action?.name ?? action?.arn;
  if (present(actionName)) facts.push({ label: 'Sent with custom action', value: actionName, code: true });
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
  /** detailSections: scans and threats, health coverage, insight results. */
  readonly sections: readonly DetailSection[];
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
    sections: detailSections(finding),
  };
}

/**
 * A titled group of lines a medium shows as a block of its own (Slack: a section; text: an indented paragraph; Teams:
 * a container): the scan of a Malware Protection for Backup / EC2 finding and its threats, a detector health notice's
 * coverage, a Security Hub insight's results, why an S3 scan was skipped. Each line is fact parts (identifiers as code),
 * so every renderer escapes them its own way.
 */
export interface DetailSection {
  readonly title: string;
  readonly lines: ReadonlyArray<readonly FactPart[]>;
  /** Lines not listed (threats, insight rows), said as "…and N more". */
  readonly more: number;
  /** What `more` counts: `threats`, `results`. */
  readonly moreWhat?: string;
}

/** Threats listed in a message; GuardDuty gives up to 32. */
export const SECTION_THREATS_SHOWN = 8;
/** Insight rows listed in a message. */
export const SECTION_INSIGHT_ROWS_SHOWN = 15;

/** The sections of a finding, in the order people read them; empty for most findings. */
export function detailSections(finding: Finding): DetailSection[] {
  const sections: DetailSection[] = [];
  const scan = finding.resourceScan;
  if (scan !== undefined) {
    const lines: FactPart[][] = [];
    if (present(scan.scannedArn)) lines.push([prose(`Scanned ${scannedWords(scan.scannedType)}`), code(scan.scannedArn)]);
    if (present(scan.backupVault)) lines.push([prose('Backup vault'), code(scan.backupVault)]);
    if (present(scan.sourceArn)) lines.push([prose('Source resource'), code(scan.sourceArn)]);
    if (present(scan.baselineArn)) lines.push([prose('Incremental from'), code(scan.baselineArn)]);
    const how = [scan.scanType, scan.scanCategory, scan.triggerType === undefined ? undefined : `triggered by ${scan.triggerType}`].filter(present);
    if (present(scan.scanId)) lines.push([prose('Scan'), code(scan.scanId), ...how.map((word) => prose(`· ${word}`))]);
    else if (how.length > 0) lines.push([prose(`Scan · ${how.join(' · ')}`)]);
    if (present(scan.scanStatus)) lines.push([prose('Status'), code(scan.scanStatus), ...(scan.statusReasons.length > 0 ? [prose('·'), ...scan.statusReasons.map(code)] : [])]);
    if (present(scan.triggerFindingId)) lines.push([prose('Started by finding'), code(scan.triggerFindingId)]);
    sections.push({ title: 'Malware scan', lines, more: 0 });
    if (scan.threats.length > 0) {
      const threats = scan.threats.slice(0, SECTION_THREATS_SHOWN).map((threat): FactPart[] => {
        const parts: FactPart[] = [prose('•'), code(threat.name)];
        if (threat.count !== undefined && threat.count > 1) parts.push(prose(`×${formatCount(threat.count)}`));
        if (present(threat.path)) parts.push(prose('in'), code(threat.path));
        if (present(threat.hash)) parts.push(prose('SHA-256'), code(threat.hash));
        return parts;
      });
      sections.push({
        title: 'Threats found',
        lines: [[prose(`${plural(scan.threatCount, 'threat')}, worst first`)], ...threats],
        more: Math.max(0, scan.threatCount - threats.length),
        moreWhat: 'threats',
      });
    }
  }
  const health = finding.health;
  if (health !== undefined) {
    const lines: FactPart[][] = [[prose('Status'), code(health.previousStatus === undefined ? health.status : `${health.previousStatus} → ${health.status}`)]];
    for (const reason of health.reasons) lines.push([prose('Reason:'), prose(reason)]);
    sections.push({ title: health.subject === 'RuntimeProtection' ? 'Runtime coverage' : 'Malware protection status', lines, more: 0 });
  }
  const insight = finding.insight;
  if (insight !== undefined) {
    const rows = insight.rows.slice(0, SECTION_INSIGHT_ROWS_SHOWN).map((row): FactPart[] => [prose('•'), code(row.value), prose(`— ${plural(row.count, 'finding')}`)]);
    const head: FactPart[] = insight.groupBy === undefined ? [prose('Most findings first')] : [prose('Grouped by'), code(insight.groupBy), prose('· most findings first')];
    sections.push({
      title: 'Insight results',
      lines: [head, ...rows],
      more: Math.max(0, insight.rowCount - rows.length),
      moreWhat: 'results',
    });
  }
  const s3Scan = finding.scan;
  if (s3Scan !== undefined && s3Scan.statusReasons !== undefined && s3Scan.statusReasons.length > 0) {
    sections.push({ title: 'Why it was not scanned', lines: s3Scan.statusReasons.map((reason) => [prose('•'), code(reason.code), ...(reason.words === undefined ? [] : [prose(reason.words)])]), more: 0 });
  }
  return sections.filter((section) => section.lines.length > 0);
}

function scannedWords(type: string | undefined): string {
  switch (type) {
    case 'RecoveryPoint':
      return 'recovery point';
    case 'EBSSnapshot':
      return 'EBS snapshot';
    case 'EC2Image':
      return 'AMI';
    case 'Instance':
    case 'EC2_INSTANCE':
      return 'instance';
    case 'EC2_AMI':
      return 'AMI';
    case 'EBS_SNAPSHOT':
      return 'EBS snapshot';
    case 'EBS_VOLUME':
      return 'EBS volume';
    case 'EBS_RECOVERY_POINT':
    case 'EC2_RECOVERY_POINT':
    case 'S3_RECOVERY_POINT':
      return 'recovery point';
    case 'S3_BUCKET':
      return 'S3 bucket';
    default:
      return type === undefined ? 'resource' : type.toLowerCase().replace(/_/g, ' ');
  }
}
