import { readAdditionalInfo } from './additional-info.js';
import { summariseAction, summariseAsffAction } from './action-summary.js';
import { findingIdFromArn, parseArn } from './arn.js';
import { summariseAsffResources } from './asff-resource-summary.js';
import { bandOf, type Finding, type FindingTypeParts } from './finding.js';
import { countOf, sealFinding } from './finding-draft.js';
import { guardDutyTypeFromAsffType, parseFindingType } from './finding-type.js';
import { boolean, get, getArray, getBoolean, getObject, getText, isObject, text, type JsonObject } from './keys.js';
import { serviceFromProductFields } from './product-fields.js';
import { asffSeverity } from './severity.js';
import { toIsoTimestamp } from './timestamps.js';
import type { ActionSummary } from './finding.js';
import { directionOf, excludeAsffResourceAddresses, RemoteAddressList } from './remote-addresses.js';
import { readAttackSequence } from './attack-sequence.js';
import { S3_MALICIOUS_FILE_TYPE, s3ObjectFindingId, s3ObjectOfAsffResources } from './s3-object-id.js';

/**
 * AWS Security Finding Format (Security Hub) → Finding.
 * Members: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html
 *
 * GuardDuty's own ASFF findings are read as GuardDuty findings: the GuardDuty type is recovered from `Types`, the
 * GuardDuty id from the finding ARN, and `service` (count, archived, sample, action) from `ProductFields`, so that
 * the same finding gives the same Finding (id, type, severity) whether it came from GuardDuty or from Security Hub.
 * Other products (Inspector, Config, Macie...) give a Finding from the generic ASFF members.
 */

/** The ASFF schema version every ASFF finding carries. Source: the API reference above (SchemaVersion). */
const ASFF_SCHEMA_VERSION = '2018-10-08';

const NO_TYPE_PARTS: FindingTypeParts = Object.freeze({});

/** Structure that only ASFF has: a ProductArn, the ASFF schema version, or AwsAccountId with a Types list. */
export function isAsffFinding(value: JsonObject): boolean {
  return (
    typeof value.ProductArn === 'string' ||
    value.SchemaVersion === ASFF_SCHEMA_VERSION ||
    (typeof value.AwsAccountId === 'string' && Array.isArray(value.Types))
  );
}

export function isGuardDutyAsff(finding: JsonObject): boolean {
  const productArn = getText(finding, 'ProductArn');
  if (productArn !== undefined && productArn.includes('/guardduty')) return true;
  const productFields = getObject(finding, 'ProductFields');
  const productName = getText(finding, 'ProductName') ?? getText(productFields, 'aws/securityhub/ProductName');
  if (productName !== undefined && productName.toLowerCase() === 'guardduty') return true;
  const id = getText(finding, 'Id');
  if (id !== undefined && id.startsWith('arn:') && id.includes(':guardduty:')) return true;
  if (productFields !== undefined) {
    for (const key in productFields) if (key.startsWith('aws/guardduty/')) return true;
  }
  return false;
}

export function normaliseAsffFinding(finding: JsonObject): Finding {
  return isGuardDutyAsff(finding) ? normaliseGuardDutyAsff(finding) : normaliseOtherAsff(finding);
}

function normaliseGuardDutyAsff(finding: JsonObject): Finding {
  const asffId = getText(finding, 'Id');
  const productFields = getObject(finding, 'ProductFields');
  const arn = guardDutyArnOf(asffId) ?? guardDutyArnOf(getText(productFields, 'aws/securityhub/FindingId'));
  const arnParts = parseArn(arn ?? asffId);
  const types = asffTypes(finding);
  const type = firstGuardDutyType(types) ?? types[0] ?? '';
  const typeParts = type === '' ? NO_TYPE_PARTS : parseFindingType(type);
  const service = serviceFromProductFields(productFields);
  const additionalInfo = readAdditionalInfo(get(service, 'additionalInfo'));
  const severity = asffSeverity(finding, true);
  const action = summariseAction(service, additionalInfo.userAgent, ownAddressList(finding));
  const guardDutyId = findingIdFromArn(arn) ?? asffId ?? '';
  const object = type === S3_MALICIOUS_FILE_TYPE ? s3ObjectOfAsffResources(get(finding, 'Resources')) : undefined;
  return sealFinding(
    {
      format: 'asff',
      product: 'GuardDuty',
      id: object !== undefined ? s3ObjectFindingId(object) : guardDutyId,
      type,
      typeParts,
      title: getText(finding, 'Title') ?? (type === '' ? 'GuardDuty finding' : type),
      description: getText(finding, 'Description') ?? '',
      severity,
      band: bandOf(severity),
      partition: partitionOf(finding, arn ?? asffId),
      count: countOf(get(service, 'count')),
      archived: getBoolean(service, 'archived') === true || isArchivedRecord(finding),
      sample: additionalInfo.sample ?? boolean(get(finding, 'Sample')) ?? false,
      resource: summariseAsffResources(get(finding, 'Resources'), {
        isGuardDuty: true,
        ...(typeParts.resourceType !== undefined && { affectedType: typeParts.resourceType }),
        service,
      }),
      action: withNetworkAddresses(Object.keys(action).length > 0 ? action : summariseAsffAction(finding, ownAddressList(finding)), finding),
      raw: finding,
    },
    {
      arn,
      accountId: getText(finding, 'AwsAccountId') ?? arnParts?.accountId,
      region: regionOf(finding, arnParts?.region),
      createdAt: toIsoTimestamp(get(finding, 'CreatedAt')),
      updatedAt: toIsoTimestamp(get(finding, 'UpdatedAt')),
      firstSeen: toIsoTimestamp(get(finding, 'FirstObservedAt') ?? get(service, 'eventFirstSeen')),
      lastSeen: toIsoTimestamp(get(finding, 'LastObservedAt') ?? get(service, 'eventLastSeen')),
      providerId: object !== undefined ? guardDutyId : undefined,
      feature: getText(service, 'featureName'),
      accountName: getText(finding, 'AwsAccountName'),
      // Security Hub CSPM carries an attack sequence as the ASFF member `Detection.Sequence`.
      // Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Sequence.html
      attackSequence: readAttackSequence(getObject(getObject(finding, 'Detection'), 'Sequence')),
    },
  );
}

/**
 * ASFF `Network` names both ends of a connection; with its `Direction` (IN / OUT) the remote one is the source of an
 * inbound connection and the destination of an outbound one. Without a direction either end could be the resource
 * itself, so neither is listed. The resource's own addresses (EC2 `IpV4Addresses` / `IpV6Addresses`) never are.
 * Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Network.html
 */
function withNetworkAddresses(action: ActionSummary, finding: JsonObject): ActionSummary {
  const network = getObject(finding, 'Network');
  const direction = directionOf(getText(network, 'Direction'));
  if (network === undefined || direction === undefined) return action;
  const list = ownAddressList(finding);
  for (const ip of action.ownAddresses ?? []) list.exclude(ip);
  for (const address of action.remoteAddresses ?? []) list.add(address.ip, address.from, address.direction);
  const side = direction === 'inbound' ? 'Source' : 'Destination';
  list.add(getText(network, `${side}IpV4`), `Network.${side}IpV4`, direction).add(getText(network, `${side}IpV6`), `Network.${side}IpV6`, direction);
  const remoteAddresses = list.build(action.remoteIp);
  return remoteAddresses === undefined || remoteAddresses.length === (action.remoteAddresses?.length ?? 0)
    ? action
    : Object.freeze({ ...action, remoteAddresses });
}

/** The resource's own addresses (EC2 `IpV4Addresses` / `IpV6Addresses`), excluded before any remote address is read. */
function ownAddressList(finding: JsonObject): RemoteAddressList {
  return excludeAsffResourceAddresses(new RemoteAddressList(), get(finding, 'Resources'));
}

function normaliseOtherAsff(finding: JsonObject): Finding {
  const id = getText(finding, 'Id');
  const arn = id !== undefined && id.startsWith('arn:') ? id : undefined;
  const arnParts = parseArn(arn) ?? parseArn(getText(finding, 'ProductArn'));
  const types = asffTypes(finding);
  const type = types[0] ?? '';
  const product = productNameOf(finding);
  const severity = asffSeverity(finding, false);
  return sealFinding(
    {
      format: 'asff',
      product,
      id: id ?? '',
      type,
      // ASFF types (`Software and Configuration Checks/Vulnerabilities/CVE`) are not GuardDuty types.
      typeParts: NO_TYPE_PARTS,
      title: getText(finding, 'Title') ?? (type === '' ? `${product} finding` : type),
      description: getText(finding, 'Description') ?? '',
      severity,
      band: bandOf(severity),
      partition: partitionOf(finding, arn),
      count: 1,
      archived: isArchivedRecord(finding),
      sample: boolean(get(finding, 'Sample')) ?? false,
      resource: summariseAsffResources(get(finding, 'Resources'), { isGuardDuty: false }),
      action: withNetworkAddresses(summariseAsffAction(finding, ownAddressList(finding)), finding),
      raw: finding,
    },
    {
      arn,
      accountId: getText(finding, 'AwsAccountId') ?? arnParts?.accountId,
      region: regionOf(finding, arnParts?.region),
      createdAt: toIsoTimestamp(get(finding, 'CreatedAt')),
      updatedAt: toIsoTimestamp(get(finding, 'UpdatedAt')),
      firstSeen: toIsoTimestamp(get(finding, 'FirstObservedAt')),
      lastSeen: toIsoTimestamp(get(finding, 'LastObservedAt')),
      accountName: getText(finding, 'AwsAccountName'),
    },
  );
}

function asffTypes(finding: JsonObject): string[] {
  const types: string[] = [];
  for (const value of getArray(finding, 'Types') ?? []) {
    const type = text(value);
    if (type !== undefined) types.push(type);
  }
  return types;
}

function firstGuardDutyType(types: readonly string[]): string | undefined {
  for (const type of types) {
    const guardDutyType = guardDutyTypeFromAsffType(type);
    if (guardDutyType !== undefined) return guardDutyType;
  }
  return undefined;
}

/**
 * The GuardDuty finding ARN: the ASFF `Id` itself, or the tail of the Security Hub finding id
 * (`arn:aws:securityhub:...:product/aws/guardduty/arn:aws:guardduty:...:detector/<d>/finding/<id>`).
 */
function guardDutyArnOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const at = value.lastIndexOf('arn:');
  if (at < 0) return undefined;
  const arn = value.slice(at);
  return arn.includes(':guardduty:') && arn.includes('/finding/') ? arn : undefined;
}

/**
 * Archived: `RecordState: ARCHIVED` (Security Hub archives findings the product archived or that went stale).
 * `Workflow.Status` values are NEW, NOTIFIED, RESOLVED and SUPPRESSED and say what a person did, not whether the
 * record is live, so they do not count. Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html
 */
function isArchivedRecord(finding: JsonObject): boolean {
  return (
    getText(finding, 'RecordState')?.toUpperCase() === 'ARCHIVED' ||
    getText(getObject(finding, 'Workflow'), 'Status')?.toUpperCase() === 'ARCHIVED' ||
    getText(finding, 'WorkflowState')?.toUpperCase() === 'ARCHIVED'
  );
}

/** `Region` is a top-level ASFF member since 2021; older findings only have it per resource or in the ARNs. */
function regionOf(finding: JsonObject, arnRegion: string | undefined): string | undefined {
  const resource = getArray(finding, 'Resources')?.find(isObject);
  return getText(finding, 'Region') ?? arnRegion ?? getText(resource, 'Region') ?? parseArn(getText(finding, 'ProductArn'))?.region;
}

function partitionOf(finding: JsonObject, arn: string | undefined): string {
  const resource = getArray(finding, 'Resources')?.find(isObject);
  return (
    parseArn(arn)?.partition ??
    parseArn(getText(finding, 'ProductArn'))?.partition ??
    getText(resource, 'Partition') ??
    'aws'
  );
}

/** `ProductName` (since 2021), else Security Hub's ProductFields copy, else the product ARN's last segment. */
function productNameOf(finding: JsonObject): string {
  const productName = getText(finding, 'ProductName') ?? getText(getObject(finding, 'ProductFields'), 'aws/securityhub/ProductName');
  if (productName !== undefined) return productName;
  const productArn = getText(finding, 'ProductArn');
  const at = productArn?.lastIndexOf('/') ?? -1;
  if (productArn !== undefined && at >= 0 && at < productArn.length - 1) return productArn.slice(at + 1);
  return 'Security Hub';
}
