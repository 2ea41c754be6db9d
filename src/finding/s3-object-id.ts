import { createHash } from 'node:crypto';
import { getArray, getObject, getText, isObject } from './keys.js';

/**
 * One S3 object version, one alert. A Malware Protection for S3 scan result has no finding id, and when the account
 * also runs GuardDuty, GuardDuty makes an `Object:S3/MaliciousFile` finding about the same object. Both get the id
 * derived here from bucket, key and version, so the ledger sees one finding: a redelivered scan result is a duplicate,
 * the finding that follows it is a duplicate (or an escalation), and a re-scan that now finds malware escalates the
 * earlier "could not scan" notice.
 *
 * The protection plan is not part of the id although the scan result names it: GuardDuty's finding does not, and a
 * bucket has a single plan, so bucket + key + version already name one scanned object. Unversioned objects (no
 * version id, or S3's literal `null`) are told apart by their ETag, i.e. by content.
 */
export interface S3ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
}

export const S3_OBJECT_ID_PREFIX = 's3-object-';

export function s3ObjectFindingId(object: S3ObjectRef): string {
  const version = usableVersion(object.versionId) ?? `etag:${unquote(object.eTag) ?? ''}`;
  const digest = createHash('sha256').update(`${object.bucket}\u0000${object.key}\u0000${version}`).digest('hex');
  return `${S3_OBJECT_ID_PREFIX}${digest.slice(0, 32)}`;
}

function usableVersion(versionId: string | undefined): string | undefined {
  return versionId === undefined || versionId === 'null' ? undefined : versionId;
}

/** S3 prints ETags quoted (`"d41d8…"`) in some places and bare in others. */
function unquote(eTag: string | undefined): string | undefined {
  if (eTag === undefined) return undefined;
  return eTag.length >= 2 && eTag.startsWith('"') && eTag.endsWith('"') ? eTag.slice(1, -1) : eTag;
}

/** The finding type GuardDuty makes for a malicious S3 object. Source: the Malware Protection for S3 finding type page. */
export const S3_MALICIOUS_FILE_TYPE = 'Object:S3/MaliciousFile';

/**
 * The object a GuardDuty finding's `resource.s3BucketDetails[].s3ObjectDetails[]` names (`key`, `versionId`, `eTag`).
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_S3ObjectDetail.html
 */
export function s3ObjectOfGuardDutyResource(resource: unknown): S3ObjectRef | undefined {
  for (const bucket of getArray(resource, 's3BucketDetails') ?? []) {
    const name = getText(bucket, 'name') ?? bucketFromArn(getText(bucket, 'arn'));
    const object = (getArray(bucket, 's3ObjectDetails') ?? []).find(isObject);
    const key = getText(object, 'key') ?? keyFromObjectArn(getText(object, 'objectArn'));
    if (name === undefined || key === undefined) continue;
    return ref(name, key, getText(object, 'versionId'), getText(object, 'eTag'));
  }
  return undefined;
}

/** ASFF `Resources[]` of Type `AwsS3Object`: `Id` is the object ARN, `Details.AwsS3Object` has `ETag` and maybe `VersionId`. */
export function s3ObjectOfAsffResources(resources: unknown): S3ObjectRef | undefined {
  for (const resource of Array.isArray(resources) ? resources : []) {
    if (getText(resource, 'Type') !== 'AwsS3Object') continue;
    const arn = getText(resource, 'Id');
    const parts = splitObjectArn(arn);
    if (parts === undefined) continue;
    const details = getObject(getObject(resource, 'Details'), 'AwsS3Object');
    return ref(parts.bucket, parts.key, getText(details, 'VersionId'), getText(details, 'ETag'));
  }
  return undefined;
}

/** OCSF `resources[]` whose type names an S3 object: `uid` (or `name`) is the object ARN; version / ETag in `data`. */
export function s3ObjectOfOcsfResources(resources: unknown): S3ObjectRef | undefined {
  for (const resource of Array.isArray(resources) ? resources : []) {
    const type = getText(resource, 'type')?.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (type !== 'awss3object' && type !== 's3object') continue;
    const parts = splitObjectArn(getText(resource, 'uid')) ?? splitObjectArn(getText(resource, 'name'));
    if (parts === undefined) continue;
    const data = getObject(resource, 'data');
    return ref(parts.bucket, parts.key, getText(data, 'version_id') ?? getText(data, 'versionId'), getText(data, 'etag') ?? getText(data, 'eTag'));
  }
  return undefined;
}

function ref(bucket: string, key: string, versionId: string | undefined, eTag: string | undefined): S3ObjectRef {
  const out: { -readonly [K in keyof S3ObjectRef]: S3ObjectRef[K] } = { bucket, key };
  if (versionId !== undefined) out.versionId = versionId;
  if (eTag !== undefined) out.eTag = eTag;
  return out;
}

/** `arn:aws:s3:::bucket/key/with/slashes` → bucket and key. */
function splitObjectArn(arn: string | undefined): { bucket: string; key: string } | undefined {
  if (arn === undefined) return undefined;
  const at = arn.indexOf(':::');
  if (!arn.startsWith('arn:') || at < 0) return undefined;
  const path = arn.slice(at + 3);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

function keyFromObjectArn(arn: string | undefined): string | undefined {
  return splitObjectArn(arn)?.key;
}

function bucketFromArn(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const at = arn.indexOf(':::');
  if (at < 0) return undefined;
  const name = arn.slice(at + 3).split('/')[0];
  return name === '' ? undefined : name;
}
