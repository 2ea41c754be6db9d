import { createHash } from 'node:crypto';
import { lastSegment, parseArn } from './arn.js';
import { DetailList } from './detail-list.js';
import { SEVERITY_BANDS, type Finding, type ResourceScanSummary, type ScanThreat } from './finding.js';
import { sealFinding } from './finding-draft.js';
import { parseFindingType } from './finding-type.js';
import { get, getArray, getNumber, getObject, getText, isObject, text, type JsonObject } from './keys.js';
import { toIsoTimestamp } from './timestamps.js';

/**
 * Malware Protection scans of resources: the findings of Malware Protection for AWS Backup
 * (`Execution:EC2/MaliciousFile!Snapshot`, `…!AMI`, `…!RecoveryPoint`, `Execution:S3/MaliciousFile!RecoveryPoint`) and
 * of Malware Protection for EC2 (`Execution:EC2/MaliciousFile`, on-demand and GuardDuty-initiated scans), and the scan
 * status events of such scans.
 *
 * Unlike other findings, GuardDuty does not update these: "a new … finding is generated for each scan that detects
 * malware" (user guide, "Malware Protection for Backup finding types" and "Malware Protection for EC2 finding types").
 * So the GuardDuty id would make every rescan news. Their ledger id is derived instead from the scanned resource (the
 * recovery point, snapshot, AMI or instance) and the threats found, the GuardDuty id kept as `providerId`: one message
 * per scanned resource and threat set within the ledger's window; a rescan that finds the same threats there is a
 * repeat; a rescan finding something else is new.
 *
 * Members (GuardDuty API reference: MalwareScanDetails, Threat, ItemPath, ItemDetails, AdditionalInfo,
 * RecoveryPointDetails, EbsSnapshotDetails, Ec2ImageDetails, EbsVolumeScanDetails, MalwareScan):
 * `service.malwareScanDetails` { `scanId`, `scanType`, `scanCategory`, `scanConfiguration` { `triggerType`,
 * `incrementalScanDetails.baselineResourceArn` }, `uniqueThreatCount`, `threats[]` { `name`, `source`, `count`, `hash`,
 * `itemPaths[]` { `nestedItemPath`, `hash` }, `itemDetails[]` { `resourceArn`, `itemPath`, `hash`, `additionalInfo` } } },
 * `resource.recoveryPointDetails` { `recoveryPointArn`, `backupVaultName` }, `resource.ebsSnapshotDetails.snapshotArn`,
 * `resource.ec2ImageDetails.imageArn`. No real Backup finding was at hand: these come from the SDK model
 * (`@aws-sdk/client-guardduty`) and the user guide only.
 */

/** Threats kept per scan: GuardDuty lists the top 32 (user guide); the message shows fewer. */
export const MAX_SCAN_THREATS = 32;

/** The Malware Protection finding types whose every scan is a new finding (EC2, Backup, container workloads). */
const SCAN_FINDING_TYPE = /^Execution:[A-Za-z0-9]+\/MaliciousFile(!(Snapshot|AMI|RecoveryPoint))?$/;

export function isResourceScanFindingType(type: string): boolean {
  return SCAN_FINDING_TYPE.test(type);
}

/** A Malware Protection for Backup / EC2 finding's scan, or undefined when the finding carries none. */
export function readResourceScan(resource: unknown, service: unknown): ResourceScanSummary | undefined {
  const details = getObject(service, 'malwareScanDetails');
  const ebs = getObject(service, 'ebsVolumeScanDetails');
  const recoveryPoint = getObject(resource, 'recoveryPointDetails');
  const snapshotArn = getText(getObject(resource, 'ebsSnapshotDetails'), 'snapshotArn');
  const imageArn = getText(getObject(resource, 'ec2ImageDetails'), 'imageArn');
  const recoveryPointArn = getText(recoveryPoint, 'recoveryPointArn');
  if (details === undefined && ebs === undefined && recoveryPointArn === undefined && snapshotArn === undefined && imageArn === undefined) return undefined;
  const threats = details !== undefined ? threatsOfScanDetails(details) : threatsOfEbsScan(getObject(ebs, 'scanDetections'));
  const configuration = getObject(details, 'scanConfiguration');
  const instance = getObject(resource, 'instanceDetails');
  const scan: Mutable<ResourceScanSummary> = { statusReasons: Object.freeze([]), threats: Object.freeze(threats.slice(0, MAX_SCAN_THREATS)), threatCount: threats.length };
  set(scan, 'scanId', getText(details, 'scanId') ?? getText(ebs, 'scanId'));
  set(scan, 'scanType', getText(details, 'scanType') ?? getText(ebs, 'scanType'));
  set(scan, 'scanCategory', getText(details, 'scanCategory'));
  set(scan, 'triggerType', getText(configuration, 'triggerType'));
  set(scan, 'baselineArn', getText(getObject(configuration, 'incrementalScanDetails'), 'baselineResourceArn'));
  set(scan, 'triggerFindingId', getText(ebs, 'triggerFindingId'));
  set(scan, 'backupVault', getText(recoveryPoint, 'backupVaultName'));
  const scanned = recoveryPointArn ?? snapshotArn ?? imageArn;
  set(scan, 'scannedArn', scanned ?? getText(instance, 'instanceId'));
  set(scan, 'scannedType', recoveryPointArn !== undefined ? 'RecoveryPoint' : snapshotArn !== undefined ? 'EBSSnapshot' : imageArn !== undefined ? 'EC2Image' : instance !== undefined ? 'Instance' : undefined);
  // The resource the backup was taken of: the first threat's item resource when it differs from the scanned one.
  const source = threats.map((t) => t.resourceArn).find((arn) => arn !== undefined && arn !== scanned);
  set(scan, 'sourceArn', source);
  const unique = getNumber(details, 'uniqueThreatCount') ?? getNumber(getObject(getObject(ebs, 'scanDetections'), 'threatDetectedByName'), 'uniqueThreatNameCount');
  if (unique !== undefined && unique > scan.threatCount) scan.threatCount = Math.floor(unique);
  return Object.freeze(scan);
}

function threatsOfScanDetails(details: JsonObject): ScanThreat[] {
  const out: ScanThreat[] = [];
  for (const threat of (getArray(details, 'threats') ?? []).slice(0, 200)) {
    const name = getText(threat, 'name');
    if (name === undefined) continue;
    const item = getArray(threat, 'itemDetails')?.find(isObject);
    const path = getArray(threat, 'itemPaths')?.find(isObject);
    const paths = (getArray(threat, 'itemPaths')?.length ?? 0) + (getArray(threat, 'itemDetails')?.length ?? 0);
    const count = getNumber(threat, 'count');
    const entry: Mutable<ScanThreat> = { name };
    set(entry, 'path', getText(item, 'itemPath') ?? getText(path, 'nestedItemPath'));
    set(entry, 'hash', getText(item, 'hash') ?? getText(path, 'hash') ?? getText(threat, 'hash'));
    set(entry, 'resourceArn', getText(item, 'resourceArn'));
    const n = count !== undefined && count > 0 ? Math.floor(count) : paths > 0 ? paths : undefined;
    if (n !== undefined) entry.count = n;
    out.push(Object.freeze(entry));
  }
  return out;
}

/** EC2 (EBS volume) scans: `scanDetections.threatDetectedByName.threatNames[]` with `filePaths[]`. */
function threatsOfEbsScan(detections: JsonObject | undefined): ScanThreat[] {
  const out: ScanThreat[] = [];
  for (const threat of (getArray(getObject(detections, 'threatDetectedByName'), 'threatNames') ?? []).slice(0, 200)) {
    const name = getText(threat, 'name');
    if (name === undefined) continue;
    const file = getArray(threat, 'filePaths')?.find(isObject);
    const entry: Mutable<ScanThreat> = { name };
    set(entry, 'path', getText(file, 'filePath'));
    set(entry, 'hash', getText(file, 'hash'));
    set(entry, 'resourceArn', getText(file, 'volumeArn'));
    const count = getNumber(threat, 'itemCount') ?? getArray(threat, 'filePaths')?.length;
    if (count !== undefined && count > 0) entry.count = Math.floor(count);
    out.push(Object.freeze(entry));
  }
  return out;
}

/**
 * The ledger id of a scan finding: the scanned resource and the set of threat names (sorted, so their order does not
 * matter), hashed; `scan-` so it cannot collide with a GuardDuty id (32 hex characters). Undefined when the scan names
 * no resource (the GuardDuty id is kept then).
 */
export function resourceScanFindingId(scan: ResourceScanSummary, accountId: string | undefined): string | undefined {
  if (scan.scannedArn === undefined) return undefined;
  const names = [...new Set(scan.threats.map((t) => t.name))].sort();
  const digest = createHash('sha256').update([accountId ?? '', scan.scannedArn, ...names].join('\u0000')).digest('hex');
  return `scan-${digest.slice(0, 32)}`;
}

/** The scan statuses that mean "we do not know whether this resource is clean". Source: MalwareScan (API reference). */
const COULD_NOT_SCAN: Readonly<Record<string, { word: string; title: string }>> = {
  COMPLETED_WITH_ISSUES: { word: 'CompletedWithIssues', title: 'scan completed with issues' },
  FAILED: { word: 'Failed', title: 'scan failed' },
  SKIPPED: { word: 'Skipped', title: 'scan skipped' },
};

/**
 * A scan status event's detail: the MalwareScan shape (`scanId`, `scanStatus`, `resourceArn`, `resourceType`,
 * `scanType`, `scanCategory`, `scanResultStatus`, `scanStatusReason`) and no S3 object (that is the S3 scan result).
 */
export function isResourceScanStatus(detail: JsonObject): boolean {
  return (
    typeof get(detail, 'scanId') === 'string' &&
    typeof get(detail, 'scanStatus') === 'string' &&
    (typeof get(detail, 'resourceArn') === 'string' || typeof get(detail, 'resourceType') === 'string') &&
    !isObject(get(detail, 's3ObjectDetails'))
  );
}

/** A Malware Protection event that is not the S3 object scan result (whose shape is its own), or no detail-type. */
export function isResourceScanStatusDetailType(detailType: string | undefined): boolean {
  return detailType === undefined || (/Malware Protection/i.test(detailType) && !/Object Scan Result/i.test(detailType));
}

export interface ResourceScanEnvelope {
  readonly accountId?: string;
  readonly region?: string;
  readonly time?: unknown;
  readonly resources?: unknown;
}

/**
 * A Malware Protection for Backup / EC2 scan status → a notice: COMPLETED_WITH_ISSUES, FAILED and SKIPPED are Low
 * "could not scan" notices (as S3 scan results are); THREATS_FOUND is left to the finding GuardDuty makes (High,
 * here too, for accounts without a detector); a clean or running scan is a Low record that policy suppresses as clean.
 * Type: `MalwareProtection:<ResourceType>/<Status>`, e.g. `MalwareProtection:EC2AMI/Skipped`.
 */
export function normaliseResourceScanStatus(detail: JsonObject, envelope: ResourceScanEnvelope): Finding {
  const status = (getText(detail, 'scanStatus') ?? '').trim().toUpperCase();
  const result = getText(detail, 'scanResultStatus')?.trim().toUpperCase();
  const resourceArn = getText(detail, 'resourceArn');
  const resourceType = getText(detail, 'resourceType') ?? 'Resource';
  const reasons = reasonsOf(detail);
  const threatsFound = result === 'THREATS_FOUND';
  const couldNot = Object.hasOwn(COULD_NOT_SCAN, status) ? COULD_NOT_SCAN[status] : undefined;
  // EC2_AMI → EC2AMI, S3_RECOVERY_POINT → S3RecoveryPoint: short words stay capitals, as AWS writes them.
  const typeResource =
    resourceType
      .replace(/[^A-Za-z0-9]/g, '_')
      .split('_')
      .filter(Boolean)
      .map((w) => (w.length <= 3 ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()))
      .join('') || 'Resource';
  const word = threatsFound ? 'ThreatsFound' : (couldNot?.word ?? (status === '' ? 'Unknown' : status.charAt(0) + status.slice(1).toLowerCase()));
  const type = `MalwareProtection:${typeResource}/${word}`;
  const arnParts = parseArn(resourceArn);
  const scan: Mutable<ResourceScanSummary> = { statusReasons: Object.freeze(reasons), threats: Object.freeze([]), threatCount: 0 };
  set(scan, 'scanId', getText(detail, 'scanId'));
  set(scan, 'scanType', getText(detail, 'scanType'));
  set(scan, 'scanCategory', getText(detail, 'scanCategory'));
  set(scan, 'scanStatus', status === '' ? undefined : status);
  set(scan, 'scanResult', result);
  set(scan, 'scannedArn', resourceArn);
  set(scan, 'scannedType', resourceType);
  set(scan, 'backupVault', getText(detail, 'backupVaultName') ?? getText(getObject(detail, 'recoveryPointDetails'), 'backupVaultName'));
  set(scan, 'baselineArn', getText(getObject(getObject(detail, 'scanConfiguration'), 'incrementalScanDetails'), 'baselineResourceArn'));
  const name = resourceArn === undefined ? resourceType : (lastSegment(resourceArn) || resourceArn);
  const details = new DetailList().add('Scanned resource', resourceArn).add('Scan status', status).add('Reason', reasons[0]);
  const time = toIsoTimestamp(get(detail, 'scanCompletedAt')) ?? toIsoTimestamp(envelope.time);
  const band = threatsFound ? SEVERITY_BANDS[1] : SEVERITY_BANDS[3];
  const title = threatsFound
    ? `Malware found in ${humanType(resourceType)} ${name}`
    : couldNot !== undefined
      ? `${humanType(resourceType)} could not be scanned: ${couldNot.title}`
      : `${humanType(resourceType)} scan ${status === '' ? 'status' : status.toLowerCase()}`;
  const description = threatsFound
    ? 'GuardDuty Malware Protection found malware in this resource; see the GuardDuty finding for the threats.'
    : couldNot !== undefined
      ? `GuardDuty could not scan all of this resource for malware, so it is not known to be clean.${reasons.length > 0 ? ` Reason: ${reasons.join('; ')}` : ''}`
      : '';
  return sealFinding(
    {
      format: 'malware-scan',
      product: 'GuardDuty',
      // One notice per scan: a status that changes (RUNNING → FAILED) is the same scan.
      id: `scan-status-${getText(detail, 'scanId') ?? createHash('sha256').update(resourceArn ?? '').digest('hex').slice(0, 32)}`,
      type,
      typeParts: parseFindingType(type),
      title,
      description,
      severity: null,
      band,
      partition: arnParts?.partition ?? 'aws',
      count: 1,
      archived: false,
      sample: false,
      resource: details.build(resourceType, name),
      action: Object.freeze({}),
      raw: detail,
    },
    {
      accountId: envelope.accountId ?? arnParts?.accountId,
      region: envelope.region ?? arnParts?.region,
      createdAt: toIsoTimestamp(get(detail, 'scanStartedAt')) ?? time,
      updatedAt: time,
      feature: 'MalwareProtection',
      resourceScan: Object.freeze(scan),
    },
  );
}

/** `EC2_AMI` → `EC2 AMI`, `S3_RECOVERY_POINT` → `S3 recovery point`. */
function humanType(resourceType: string): string {
  const words = resourceType.split('_').filter(Boolean);
  if (words.length === 0) return 'Resource';
  return words.map((w, i) => (i === 0 || w.length <= 3 ? w : w.toLowerCase())).join(' ');
}

/** `scanStatusReason` / `statusReasons[]` (text, or `{ code, message }`). */
function reasonsOf(detail: JsonObject): string[] {
  const values: unknown[] = [get(detail, 'scanStatusReason'), ...(getArray(detail, 'statusReasons') ?? []), ...(getArray(detail, 'scanStatusReasons') ?? [])];
  const out: string[] = [];
  for (const value of values.slice(0, 20)) {
    const reason = isObject(value) ? (getText(value, 'code') ?? getText(value, 'reason') ?? getText(value, 'message')) : text(value);
    if (reason !== undefined && reason.trim() !== '' && !out.includes(reason)) out.push(reason.length > 300 ? `${reason.slice(0, 300)}…` : reason);
  }
  return out;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function set<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
