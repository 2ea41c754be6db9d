import { createHash } from 'node:crypto';
import { readAdditionalInfo } from './additional-info.js';
import { summariseAction } from './action-summary.js';
import { excludeResourceAddresses, RemoteAddressList } from './remote-addresses.js';
import { findingIdFromArn, parseArn } from './arn.js';
import { bandOf, type Finding, type FindingFormat, type FindingTypeParts } from './finding.js';
import { countOf, sealFinding } from './finding-draft.js';
import { parseFindingType } from './finding-type.js';
import { get, getBoolean, getObject, getText, type JsonObject } from './keys.js';
import { summariseGuardDutyResource } from './resource-summary.js';
import { guardDutySeverity } from './severity.js';
import { toIsoTimestamp } from './timestamps.js';
import { readAttackSequence, sequenceOf } from './attack-sequence.js';
import { S3_MALICIOUS_FILE_TYPE, s3ObjectFindingId, s3ObjectOfGuardDutyResource } from './s3-object-id.js';
import { isResourceScanFindingType, readResourceScan, resourceScanFindingId } from './parse-resource-scan.js';

/** Facts from around the finding (the EventBridge envelope) used when the finding itself lacks them. */
export interface EnvelopeFacts {
  readonly accountId?: string;
  readonly region?: string;
}

const NO_TYPE_PARTS: FindingTypeParts = Object.freeze({});

/**
 * A GuardDuty finding (the `Finding` of the GuardDuty API: EventBridge `detail`, a GetFindings element, or on its
 * own), camelCase or PascalCase, → Finding. Missing sections give defaults, never an exception.
 * Members: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html
 */
export function normaliseGuardDutyFinding(finding: JsonObject, format: FindingFormat, envelope?: EnvelopeFacts): Finding {
  const arn = getText(finding, 'arn');
  const arnParts = parseArn(arn);
  const type = getText(finding, 'type') ?? '';
  const typeParts = type === '' ? NO_TYPE_PARTS : parseFindingType(type);
  const service = getObject(finding, 'service');
  const additionalInfo = readAdditionalInfo(get(service, 'additionalInfo'));
  const severity = guardDutySeverity(get(finding, 'severity'));
  const guardDutyId = getText(finding, 'id') ?? findingIdFromArn(arn);
  const object = type === S3_MALICIOUS_FILE_TYPE ? s3ObjectOfGuardDutyResource(get(finding, 'resource')) : undefined;
  const sequenceArn = getText(finding, 'associatedAttackSequenceArn');
  const accountId = getText(finding, 'accountId') ?? arnParts?.accountId ?? envelope?.accountId;
  const resourceScan = readResourceScan(get(finding, 'resource'), service);
  // Every Malware Protection for Backup / EC2 scan that finds malware is a new GuardDuty finding: the ledger keys
  // them by scanned resource and threats instead (parse-resource-scan.ts).
  const scanId = resourceScan !== undefined && isResourceScanFindingType(type) ? resourceScanFindingId(resourceScan, accountId) : undefined;
  return sealFinding(
    {
      format,
      product: 'GuardDuty',
      id: object !== undefined ? s3ObjectFindingId(object) : (scanId ?? guardDutyId ?? fingerprint(finding)),
      type,
      typeParts,
      title: getText(finding, 'title') ?? (type === '' ? 'GuardDuty finding' : type),
      description: getText(finding, 'description') ?? '',
      severity,
      band: bandOf(severity),
      partition: arnParts?.partition ?? getText(finding, 'partition') ?? 'aws',
      count: countOf(get(service, 'count')),
      archived: getBoolean(service, 'archived') ?? false,
      sample: additionalInfo.sample ?? false,
      resource: summariseGuardDutyResource(get(finding, 'resource'), service, typeParts),
      action: summariseAction(service, additionalInfo.userAgent, excludeResourceAddresses(new RemoteAddressList(), get(finding, 'resource'))),
      raw: finding,
    },
    {
      arn,
      accountId,
      region: getText(finding, 'region') ?? arnParts?.region ?? envelope?.region,
      createdAt: toIsoTimestamp(get(finding, 'createdAt')),
      updatedAt: toIsoTimestamp(get(finding, 'updatedAt')),
      firstSeen: toIsoTimestamp(get(service, 'eventFirstSeen')),
      lastSeen: toIsoTimestamp(get(service, 'eventLastSeen')),
      providerId: object !== undefined || scanId !== undefined ? guardDutyId : undefined,
      resourceScan,
      feature: getText(service, 'featureName'),
      // Source: the GuardDuty model's Finding.CustomDetectionRuleName (jsonName `customDetectionRuleName`).
      customDetectionRuleName: getText(finding, 'customDetectionRuleName'),
      attackSequence: readAttackSequence(sequenceOf(service)),
      attackSequenceArn: sequenceArn,
      attackSequenceId: findingIdFromArn(sequenceArn),
    },
  );
}

/**
 * A finding with neither id nor ARN still needs a stable identity, or every repeat would look new downstream:
 * the same document always gets the same id.
 */
export function fingerprint(finding: JsonObject): string {
  let serialised: string;
  try {
    serialised = JSON.stringify(finding);
  } catch {
    return 'unidentified';
  }
  return `unidentified-${createHash('sha256').update(serialised).digest('hex').slice(0, 32)}`;
}

/**
 * Whether an object is shaped like a GuardDuty finding: a string `type`, `id` or `arn`, plus either another of
 * them or one of the sections every finding has (severity, service, resource, schemaVersion). Loose on purpose:
 * findings from test tools and older exports lack members the API marks as required, and must still be read.
 */
export function isGuardDutyFinding(value: JsonObject): boolean {
  const hasType = typeof get(value, 'type') === 'string';
  const hasId = typeof get(value, 'id') === 'string';
  const hasArn = typeof get(value, 'arn') === 'string';
  if (!hasType && !hasId && !hasArn) return false;
  if (hasType && (hasId || hasArn)) return true;
  return (
    get(value, 'severity') !== undefined ||
    get(value, 'service') !== undefined ||
    get(value, 'resource') !== undefined ||
    get(value, 'schemaVersion') !== undefined
  );
}
