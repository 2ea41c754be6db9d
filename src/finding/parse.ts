import { FindingParseError } from './errors.js';
import type { Finding, FindingFormat } from './finding.js';
import { findJsonSyntaxError, type JsonSyntaxError } from './json-syntax.js';
import { isObject, text as textOf, type JsonObject } from './keys.js';
import { isAsffFinding, normaliseAsffFinding } from './parse-asff.js';
import { isGuardDutyFinding, normaliseGuardDutyFinding, type EnvelopeFacts } from './parse-guardduty.js';
import { isMalwareScanResult, MALWARE_SCAN_DETAIL_TYPE, normaliseMalwareScanResult } from './parse-malware-scan.js';
import { isOcsfFinding, normaliseOcsfFinding } from './parse-ocsf.js';
import { envelopeContents } from './sns-envelope.js';
import { HEALTH_DETAIL_TYPES, isHealthDetailType, normaliseHealthEvent } from './parse-health.js';
import { INSIGHT_RESULTS_DETAIL_TYPE, isInsightResults, normaliseInsightResults } from './parse-insight.js';
import { isResourceScanStatus, isResourceScanStatusDetailType, normaliseResourceScanStatus } from './parse-resource-scan.js';
import type { CustomActionSummary } from './finding.js';

/**
 * The entry point of the finding stage: any document a source hands over → normalised Findings.
 *
 * Shapes are recognised by structure, never by file name or by trusting a declared type:
 * - an EventBridge event (`source`, `detail-type`, `detail`): GuardDuty (`aws.guardduty`, `GuardDuty Finding`, the
 *   finding in `detail`, camelCase or PascalCase; `GuardDuty Malware Protection Object Scan Result`, an S3 object scan
 *   result; the detector health events, read as notices of our own types, see parse-health.ts; a Malware Protection
 *   for Backup / EC2 scan status, see parse-resource-scan.ts) or Security Hub (`aws.securityhub`: `Security Hub
 *   Findings - Imported`, ASFF findings in `detail.findings`; `Security Hub Findings - Custom Action`, the ASFF
 *   findings a person sent with a custom action, read as the Imported ones are and marked with the action;
 *   `Security Hub Insight Results`, an insight's grouped counts, see parse-insight.ts; `Findings Imported V2`, OCSF
 *   findings in `detail.findings`). Any other detail-type of those two sources is reported in one line naming it;
 *   Source: https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html,
 *   https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html and
 *   https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-v2-cwe-event-formats.html
 * - a GetFindings response: GuardDuty's `{ "findings": [...] }` (REST, camelCase) or `{ "Findings": [...] }` (SDK,
 *   CLI, boto3: PascalCase), Security Hub's `{ "Findings": [ASFF...] }`, or GetFindingsV2's `{ "Findings": [OCSF...] }`;
 * - one finding on its own (GuardDuty, either case, ASFF or OCSF);
 * - any of these inside an SNS envelope (a Lambda SNS event, an SNS notification as an SQS body) or a captured SQS
 *   event, as JSON text (sns-envelope.ts);
 * - a JSON array of any of these.
 */

export interface ParsedDocument {
  findings: Finding[];
  errors: FindingParseError[];
}

const EXPECTED =
  'expected a GuardDuty finding (Id, Type, Severity), an EventBridge event, a GetFindings response, a Security Hub event (ASFF or OCSF) or an SNS message holding one';

/** What each element of a `findings` list must be. */
const LIST_ELEMENT_EXPECTED = 'expected a GuardDuty finding (Id, Type, Severity), a Security Hub ASFF finding or an OCSF finding';

/** Arrays of arrays of findings are plausible (batches of pages); deeper nesting is not a finding document. */
const MAX_ARRAY_DEPTH = 4;

/** An SQS body holding an SNS notification holding an event is two envelopes deep; more is not a real delivery. */
const MAX_ENVELOPE_DEPTH = 3;

/**
 * The detail-types of the two sources we read. Sources: the EventBridge event reference for GuardDuty (above), the
 * Malware Protection for S3 EventBridge page, and Security Hub's two event-format pages.
 */
const GUARDDUTY_FINDING_DETAIL_TYPE = 'GuardDuty Finding';
/**
 * `Security Hub Findings - Custom Action` carries the same ASFF findings as the Imported event, chosen by a person
 * (Security Hub CSPM's "send to …" custom actions). Source: the Security Hub event-format page above.
 */
export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';
const SECURITY_HUB_DETAIL_TYPES = new Set(['Security Hub Findings - Imported', CUSTOM_ACTION_DETAIL_TYPE, INSIGHT_RESULTS_DETAIL_TYPE, 'Findings Imported V2']);
const KNOWN_SOURCES = new Set(['aws.guardduty', 'aws.securityhub']);

/**
 * Any JSON value → findings. Never throws for bad shapes; each bad element gives one error with its JSON path.
 *
 * @example
 * const { findings, errors } = parseFindingDocument(JSON.parse(eventBody));
 * for (const error of errors) logger.warn('Not a finding', { path: error.path, reason: error.message });
 */
export function parseFindingDocument(doc: unknown, path = '$'): ParsedDocument {
  const parsed: ParsedDocument = { findings: [], errors: [] };
  readDocument(doc, path, parsed, 0);
  return parsed;
}

/**
 * Text (a file's contents) → findings. Invalid JSON gives one error saying line, column and what was expected.
 * Text that is not one JSON value but one JSON document per line (JSON Lines, as log exports write them) is read
 * line by line; paths then start with the line number (`line 3 $.detail`).
 *
 * @example
 * const { findings, errors } = parseFindingText(await readFile(file, 'utf8'));
 */
export function parseFindingText(text: string): ParsedDocument {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte order mark is not JSON
  if (source.trim() === '') {
    return { findings: [], errors: [new FindingParseError(`the text is empty; ${EXPECTED} as JSON`, '$')] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(source);
  } catch (parseError) {
    const syntax = findJsonSyntaxError(source);
    if (syntax?.trailingData) {
      const lines = parseJsonLines(source);
      if (lines !== undefined) return lines;
    }
    return { findings: [], errors: [invalidJson(syntax, parseError, '$', 0)] };
  }
  return parseFindingDocument(doc);
}

/**
 * parseFindingText over the bytes of an input, one JSON document at a time: for JSON Lines one result per line, handed
 * over as soon as that line is parsed, so that a 200 MB export becomes neither one giant string nor one giant list
 * (the CLI renders and forgets each line's findings before the next). Findings, errors and paths are those
 * parseFindingText gives for the same text: one JSON document (also one on a single line) is read whole as `$`;
 * when the first non-blank line is not a JSON value on its own, the input is one (multi-line or broken) document.
 *
 * @example
 * for (const { findings, errors } of parsedDocumentsOf(await readFile(file))) render(findings);
 */
export function* parsedDocumentsOf(bytes: Uint8Array): Generator<ParsedDocument> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = buffer.length >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0; // BOM
  let first: { doc: unknown; index: number } | undefined;
  let sawSecond = false;
  for (let index = 0; offset <= buffer.length; index++) {
    // A '\n' byte never occurs inside a multi-byte UTF-8 sequence, so lines can be cut as bytes.
    let end = buffer.indexOf(0x0a, offset);
    if (end === -1) end = buffer.length;
    const lineEnd = end > offset && buffer[end - 1] === 0x0d ? end - 1 : end; // CRLF files
    const line = buffer.toString('utf8', offset, lineEnd);
    offset = end + 1;
    if (line.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (parseError) {
      if (first === undefined) {
        // Not a JSON value on its own line: one document over several lines (or a broken one). Read it whole.
        yield parseFindingText(buffer.toString('utf8'));
        return;
      }
      yield* flushFirst();
      yield { findings: [], errors: [invalidJson(findJsonSyntaxError(line), parseError, `line ${index + 1}`, index)] };
      continue;
    }
    if (first === undefined) {
      first = { doc, index };
      continue;
    }
    yield* flushFirst();
    const parsed: ParsedDocument = { findings: [], errors: [] };
    readDocument(doc, `line ${index + 1} $`, parsed, 0);
    yield parsed;
  }
  if (first === undefined) {
    yield parseFindingText('');
  } else if (!sawSecond) {
    // The only document of the input: the paths parseFindingText gives one JSON document.
    yield parseFindingDocument(first.doc);
  }

  function* flushFirst(): Generator<ParsedDocument> {
    if (sawSecond || first === undefined) return;
    sawSecond = true;
    const parsed: ParsedDocument = { findings: [], errors: [] };
    readDocument(first.doc, `line ${first.index + 1} $`, parsed, 0);
    yield parsed;
  }
}

/**
 * One line of a JSON Lines input (`index` counts from 0, blank lines included): its findings, paths starting with
 * `line N $`, or one error saying where its JSON broke. What parsedDocumentsOf gives for a line after the first; the
 * streaming reader of big inputs (sources/document-stream.ts) calls it line by line.
 */
export function parseJsonLine(line: string, index: number): ParsedDocument {
  const parsed: ParsedDocument = { findings: [], errors: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (parseError) {
    parsed.errors.push(invalidJson(findJsonSyntaxError(line), parseError, `line ${index + 1}`, index));
    return parsed;
  }
  readDocument(doc, `line ${index + 1} $`, parsed, 0);
  return parsed;
}

/**
 * JSON Lines, when the first non-blank line is a JSON value on its own; otherwise undefined (the text is one broken
 * JSON document, and its own syntax error is the useful report).
 */
function parseJsonLines(source: string): ParsedDocument | undefined {
  const parsed: ParsedDocument = { findings: [], errors: [] };
  const lines = source.split('\n');
  let sawFirst = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1); // CRLF files
    if (line.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (parseError) {
      if (!sawFirst) return undefined;
      parsed.errors.push(invalidJson(findJsonSyntaxError(line), parseError, `line ${i + 1}`, i));
      continue;
    }
    sawFirst = true;
    readDocument(doc, `line ${i + 1} $`, parsed, 0);
  }
  return parsed;
}

function invalidJson(syntax: JsonSyntaxError | undefined, parseError: unknown, path: string, lineOffset: number): FindingParseError {
  const message =
    syntax === undefined
      ? `invalid JSON: ${parseError instanceof Error ? parseError.message : String(parseError)}`
      : `invalid JSON at line ${syntax.line + lineOffset}, column ${syntax.column}: expected ${syntax.expected}, found ${syntax.found}`;
  return new FindingParseError(message, path, { cause: parseError });
}

function readDocument(doc: unknown, path: string, parsed: ParsedDocument, arrayDepth: number, envelopeDepth = 0): void {
  if (Array.isArray(doc)) {
    if (arrayDepth >= MAX_ARRAY_DEPTH) {
      parsed.errors.push(new FindingParseError(`${EXPECTED}; got arrays nested ${arrayDepth + 1} deep`, path));
      return;
    }
    for (let i = 0; i < doc.length; i++) readDocument(doc[i], `${path}[${i}]`, parsed, arrayDepth + 1, envelopeDepth);
    return;
  }
  if (!isObject(doc)) {
    parsed.errors.push(new FindingParseError(`${EXPECTED}; got ${describe(doc)}`, path));
    return;
  }
  const envelope = envelopeContents(doc, path);
  if (envelope !== undefined) {
    readEnvelope(envelope, parsed, arrayDepth, envelopeDepth);
    return;
  }
  if (isEventBridgeEvent(doc)) {
    readEvent(doc, path, parsed);
    return;
  }
  const list = findingsList(doc);
  if (list !== undefined) {
    readFindingsList(list.items, `${path}.${list.key}`, parsed, 'getfindings');
    return;
  }
  readFinding(doc, path, parsed, 'bare');
}

/** The documents an SNS or SQS envelope carries, each read as a document of its own (JSON text is parsed first). */
function readEnvelope(
  envelope: NonNullable<ReturnType<typeof envelopeContents>>,
  parsed: ParsedDocument,
  arrayDepth: number,
  envelopeDepth: number,
): void {
  const what = envelope.kind === 'sqs-event' ? 'SQS message body' : 'SNS message';
  for (const at of envelope.unreadable) {
    parsed.errors.push(new FindingParseError(`expected an SNS record (Sns.Message) or an SQS record (body) in this Records list`, at));
  }
  for (const item of envelope.items) {
    if (envelopeDepth >= MAX_ENVELOPE_DEPTH) {
      parsed.errors.push(new FindingParseError(`${what} nested in ${envelopeDepth + 1} envelopes; ${EXPECTED}`, item.path));
      continue;
    }
    let inner: unknown = item.content;
    if (typeof inner === 'string') {
      try {
        inner = JSON.parse(inner) as unknown;
      } catch (cause) {
        parsed.errors.push(new FindingParseError(`this ${what} is not JSON (${describe(item.content)}); ${EXPECTED}`, item.path, { cause }));
        continue;
      }
    }
    readDocument(inner, item.path, parsed, arrayDepth, envelopeDepth + 1);
  }
}

/** EventBridge events have `detail-type`; some hand-made ones only `source` and an object `detail`. */
function isEventBridgeEvent(doc: JsonObject): boolean {
  return 'detail-type' in doc || (typeof doc.source === 'string' && doc.detail !== undefined);
}

function readEvent(event: JsonObject, path: string, parsed: ParsedDocument): void {
  const detailPath = `${path}.detail`;
  let detail = event.detail;
  // Events built for PutEvents carry `detail` as JSON text.
  if (typeof detail === 'string') {
    try {
      detail = JSON.parse(detail) as unknown;
    } catch {
      // left as a string; reported below
    }
  }
  const accountId = textOf(event.account);
  const region = textOf(event.region);
  const envelope: EnvelopeFacts = {
    ...(accountId !== undefined && { accountId }),
    ...(region !== undefined && { region }),
  };
  const source = typeof event.source === 'string' ? event.source : undefined;
  const detailType = typeof event['detail-type'] === 'string' ? event['detail-type'] : undefined;
  // Malware Protection for Backup / EC2 scan status events are recognised by their members (scanId, scanStatus and
  // the scanned resource), whatever their detail-type says: no real one was at hand (see parse-resource-scan.ts).
  if (isObject(detail) && (source === 'aws.guardduty' || source === undefined) && isResourceScanStatus(detail) && isResourceScanStatusDetailType(detailType)) {
    try {
      parsed.findings.push(normaliseResourceScanStatus(detail, { ...envelope, time: event.time, resources: event.resources }));
    } catch (cause) {
      parsed.errors.push(unexpected(cause, detailPath));
    }
    return;
  }
  if (source !== undefined && KNOWN_SOURCES.has(source) && detailType !== undefined && !isKnownDetailType(source, detailType)) {
    parsed.errors.push(new FindingParseError(unknownDetailType(source, detailType), path));
    return;
  }
  if (source === 'aws.guardduty' && detailType !== undefined && isHealthDetailType(detailType)) {
    if (!isObject(detail)) {
      parsed.errors.push(new FindingParseError(`this ${quote(detailType)} event has no detail object; got ${describe(detail)}`, detailPath));
      return;
    }
    try {
      parsed.findings.push(normaliseHealthEvent(detailType, detail, { ...envelope, time: event.time, resources: event.resources }));
    } catch (cause) {
      parsed.errors.push(unexpected(cause, detailPath));
    }
    return;
  }
  if (isObject(detail) && detailType === INSIGHT_RESULTS_DETAIL_TYPE) {
    if (!isInsightResults(detail)) {
      parsed.errors.push(new FindingParseError(`this ${quote(detailType)} event has no insightResults list in its detail; got ${describe(detail)}`, detailPath));
      return;
    }
    try {
      parsed.findings.push(normaliseInsightResults(detail, { ...envelope, time: event.time }));
    } catch (cause) {
      parsed.errors.push(unexpected(cause, detailPath));
    }
    return;
  }
  if (isObject(detail) && isMalwareScanResult(detail) && (detailType === undefined || detailType === MALWARE_SCAN_DETAIL_TYPE)) {
    try {
      parsed.findings.push(normaliseMalwareScanResult(detail, { ...envelope, time: event.time, resources: event.resources }));
    } catch (cause) {
      parsed.errors.push(unexpected(cause, detailPath));
    }
    return;
  }
  if (isObject(detail)) {
    const list = findingsList(detail);
    if (list !== undefined) {
      const action = detailType === CUSTOM_ACTION_DETAIL_TYPE ? customActionOf(event, detail) : undefined;
      const before = parsed.findings.length;
      readFindingsList(list.items, `${detailPath}.${list.key}`, parsed, 'eventbridge', envelope);
      if (action !== undefined) {
        // The same finding as Security Hub imported it (same id, so the ledger knows it), marked with the action.
        for (let i = before; i < parsed.findings.length; i++) parsed.findings[i] = Object.freeze({ ...parsed.findings[i]!, customAction: action });
      }
      return;
    }
    if (isOcsfFinding(detail) || isAsffFinding(detail) || isGuardDutyFinding(detail)) {
      readFinding(detail, detailPath, parsed, 'eventbridge', envelope);
      return;
    }
  }
  parsed.errors.push(
    new FindingParseError(
      `this EventBridge event (source ${quote(event.source)}, detail-type ${quote(event['detail-type'])}) is not a finding: ` +
        `expected ${detailType === MALWARE_SCAN_DETAIL_TYPE ? 'an S3 object and its scan result (s3ObjectDetails, scanResultDetails)' : 'a GuardDuty finding (Id, Type, Severity) or Security Hub findings'} in its detail; got ${describe(detail)}`,
      detailPath,
    ),
  );
}

function isKnownDetailType(source: string, detailType: string): boolean {
  if (source === 'aws.guardduty') {
    return (
      detailType === GUARDDUTY_FINDING_DETAIL_TYPE ||
      detailType === MALWARE_SCAN_DETAIL_TYPE ||
      isHealthDetailType(detailType)
    );
  }
  return SECURITY_HUB_DETAIL_TYPES.has(detailType);
}

/** One line: which event it is, and which ones we read. */
function unknownDetailType(source: string, detailType: string): string {
  const names = source === 'aws.guardduty' ? [GUARDDUTY_FINDING_DETAIL_TYPE, MALWARE_SCAN_DETAIL_TYPE, ...HEALTH_DETAIL_TYPES] : [...SECURITY_HUB_DETAIL_TYPES];
  const known = names.map((t) => `"${t}"`);
  return `${source} event with detail-type ${quote(detailType)} is not a finding we read (we read ${known.slice(0, -1).join(', ')} and ${known[known.length - 1]})`;
}

/**
 * The custom action of a `Security Hub Findings - Custom Action` event: `detail.actionName`, `actionDescription`, and
 * the action's ARN in `resources` (`…:action/custom/<id>`). Undefined members stay absent.
 */
function customActionOf(event: JsonObject, detail: JsonObject): CustomActionSummary {
  const arn = (Array.isArray(event.resources) ? event.resources : []).find((r): r is string => typeof r === 'string' && r.includes(':action/custom/'));
  const name = textOf(detail.actionName);
  const description = textOf(detail.actionDescription);
  return Object.freeze({
    ...(name !== undefined && { name }),
    ...(description !== undefined && { description }),
    ...(arn !== undefined && { arn }),
  });
}

/** `findings` (GuardDuty REST, Security Hub events) or `Findings` (SDK / CLI / boto3 responses). */
function findingsList(doc: JsonObject): { key: string; items: readonly unknown[] } | undefined {
  if (Array.isArray(doc.findings)) return { key: 'findings', items: doc.findings };
  if (Array.isArray(doc.Findings)) return { key: 'Findings', items: doc.Findings };
  return undefined;
}

function readFindingsList(
  items: readonly unknown[],
  listPath: string,
  parsed: ParsedDocument,
  format: FindingFormat,
  envelope?: EnvelopeFacts,
): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const path = `${listPath}[${i}]`;
    if (isObject(item)) readFinding(item, path, parsed, format, envelope, LIST_ELEMENT_EXPECTED);
    else parsed.errors.push(new FindingParseError(`${LIST_ELEMENT_EXPECTED}; got ${describe(item)}`, path));
  }
}

/** One finding object; `format` is what the GuardDuty reading is called (ASFF is always `asff`). */
function readFinding(
  doc: JsonObject,
  path: string,
  parsed: ParsedDocument,
  format: FindingFormat,
  envelope?: EnvelopeFacts,
  expected = EXPECTED,
): void {
  try {
    if (isOcsfFinding(doc)) parsed.findings.push(normaliseOcsfFinding(doc, envelope));
    else if (isAsffFinding(doc)) parsed.findings.push(normaliseAsffFinding(doc));
    else if (isGuardDutyFinding(doc)) parsed.findings.push(normaliseGuardDutyFinding(doc, format, envelope));
    else parsed.errors.push(new FindingParseError(`${expected}; got ${describe(doc)}`, path));
  } catch (cause) {
    parsed.errors.push(unexpected(cause, path));
  }
}

/** The readers are written not to throw on any JSON; this guards the pipeline against the case we missed. */
function unexpected(cause: unknown, path: string): FindingParseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FindingParseError(`could not read this finding (${reason}); please report it with the document`, path, { cause });
}

const MAX_DESCRIBED_KEYS = 6;
const MAX_QUOTED = 60;

/** A short, safe description of what was found instead (keys are quoted and truncated: they are untrusted). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, MAX_DESCRIBED_KEYS).map(quote).join(', ');
    return `an object with keys ${shown}${keys.length > MAX_DESCRIBED_KEYS ? ', ...' : ''}`;
  }
  if (typeof value === 'string') return `a string (${quote(value)})`;
  return `${typeof value === 'number' ? 'the number' : `a ${typeof value}`} ${String(value)}`;
}

function quote(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'object' && value !== null) return describe(value);
  if (typeof value !== 'string') return String(value);
  const shown = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
  return JSON.stringify(shown);
}
