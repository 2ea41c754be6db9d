import { findingIdFromArn, lastSegment, parseArn } from './arn.js';
import { readOcsfAttackSequence } from './attack-sequence.js';
import { DetailList } from './detail-list.js';
import {
  bandByName,
  SEVERITY_BANDS,
  UNKNOWN_BAND,
  type ActionSummary,
  type Finding,
  type FindingTypeParts,
  type ResourceSummary,
  type SeverityBand,
} from './finding.js';
import { countOf, sealFinding } from './finding-draft.js';
import { guardDutyTypeFromAsffType, parseFindingType } from './finding-type.js';
import { get, getArray, getNumber, getObject, getText, isObject, numeric, text, type JsonObject } from './keys.js';
import { fingerprint, type EnvelopeFacts } from './parse-guardduty.js';
import { directionOf, RemoteAddressList } from './remote-addresses.js';
import { S3_MALICIOUS_FILE_TYPE, s3ObjectFindingId, s3ObjectOfOcsfResources } from './s3-object-id.js';
import { joinCapped } from './service-details.js';
import { toIsoTimestamp } from './timestamps.js';

/**
 * An OCSF finding, as the new AWS Security Hub (GA December 2025) stores, returns (GetFindingsV2) and publishes it
 * (`Findings Imported V2` events) → Finding.
 *
 * Field names are OCSF's (snake_case): `finding_info` (`uid`, `uid_alt`, `types`, `title`, `desc`, `*_time`),
 * `severity_id` / `severity`, `status_id` / `status`, `cloud` (`account.uid`, `account.name`, `region`),
 * `metadata.product` (`name`, `feature.name`), `resources[]`, `evidences[]` (`actor.process`, `api`, `src_endpoint`,
 * `dst_endpoint`, `connection_info`), `count`.
 * Sources: the OCSF schema (https://schema.ocsf.io, classes detection_finding 2004, vulnerability_finding 2002,
 * compliance_finding 2003; the severity_id and status_id enums) and AWS's list of the OCSF fields Security Hub holds
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_OcsfStringFilter.html, API_OcsfIpFilter.html,
 * API_OcsfFindingIdentifier.html). How GuardDuty fills them (`uid` the finding ARN, `uid_alt` the finding id, the type
 * among `types`) is known from third-party examples only (the corpus's cruxstack documents).
 *
 * A GuardDuty finding read here is the same Finding (id, type, band) as when it arrives natively or as ASFF, so the
 * ledger sees one finding. Other products (Inspector, Macie, Security Hub's own controls) render from the generic
 * fields.
 */

/** OCSF marks: a `finding_info` object with a class id, the metadata, or a normalised severity. */
export function isOcsfFinding(value: JsonObject): boolean {
  return (
    isObject(value.finding_info) &&
    (typeof value.class_uid === 'number' || isObject(value.metadata) || value.severity_id !== undefined || typeof value.type_uid === 'number')
  );
}

/**
 * OCSF `severity_id` → our band. OCSF has no 0–10 number, so none is invented: `severity` stays null and policy
 * compares the band's lower bound. Informational sorts with Low and Fatal with Critical, keeping their own word.
 * Source: the OCSF dictionary's severity_id enum (0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical,
 * 6 Fatal, 99 Other).
 */
const SEVERITY_BY_ID: ReadonlyMap<number, { band: SeverityBand; label?: string }> = new Map([
  [1, { band: SEVERITY_BANDS[3], label: 'Informational' }],
  [2, { band: SEVERITY_BANDS[3] }],
  [3, { band: SEVERITY_BANDS[2] }],
  [4, { band: SEVERITY_BANDS[1] }],
  [5, { band: SEVERITY_BANDS[0] }],
  [6, { band: SEVERITY_BANDS[0], label: 'Fatal' }],
]);

/** OCSF finding `status_id` 3 Suppressed, 4 Resolved, 5 Archived, 6 Deleted: closed, as GuardDuty's `archived` is. */
const CLOSED_STATUS_IDS = new Set([3, 4, 5, 6]);
const CLOSED_STATUS_WORDS = new Set(['suppressed', 'resolved', 'archived', 'deleted']);
const STATUS_WORDS: ReadonlyMap<number, string> = new Map([
  [1, 'New'],
  [2, 'In Progress'],
  [3, 'Suppressed'],
  [4, 'Resolved'],
  [5, 'Archived'],
  [6, 'Deleted'],
]);

/** OCSF / CloudFormation / ASFF resource type (letters and digits only, lower case) → GuardDuty's resourceType. */
const GUARDDUTY_RESOURCE_TYPE: ReadonlyMap<string, string> = new Map([
  ['awsec2instance', 'Instance'],
  ['awsiamaccesskey', 'AccessKey'],
  ['awss3bucket', 'S3Bucket'],
  ['awss3object', 'S3Object'],
  ['awsekscluster', 'EKSCluster'],
  ['awsecscluster', 'ECSCluster'],
  ['awsecstask', 'ECSCluster'],
  ['container', 'Container'],
  ['awslambdafunction', 'Lambda'],
  ['awsrdsdbinstance', 'RDSDBInstance'],
]);

/** The GuardDuty type's ResourceTypeAffected → the normalised resource type to prefer as the primary resource. */
const PREFERRED_BY_AFFECTED: ReadonlyMap<string, string> = new Map([
  ['EC2', 'awsec2instance'],
  ['S3', 'awss3bucket'],
  ['Object', 'awss3object'],
  ['IAMUser', 'awsiamaccesskey'],
  ['Kubernetes', 'awsekscluster'],
  ['EKS', 'awsekscluster'],
  ['ECS', 'awsecscluster'],
  ['Lambda', 'awslambdafunction'],
  ['RDS', 'awsrdsdbinstance'],
]);

const NO_TYPE_PARTS: FindingTypeParts = Object.freeze({});
const MAX_EXTRA_RESOURCES = 3;
const MAX_EVIDENCES = 50;
const MAX_ANCESTRY = 6;

function typeKey(type: string | undefined): string | undefined {
  return type?.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function normaliseOcsfFinding(finding: JsonObject, envelope?: EnvelopeFacts): Finding {
  const info = getObject(finding, 'finding_info');
  const product = getObject(getObject(finding, 'metadata'), 'product');
  const productName = getText(product, 'name') ?? 'Security Hub';
  const uid = getText(info, 'uid');
  const isGuardDuty = isGuardDutyOcsf(productName, getText(product, 'uid'), uid);
  const arn = uid !== undefined && uid.startsWith('arn:') ? uid : undefined;
  const arnParts = parseArn(arn);
  const types = (getArray(info, 'types') ?? []).map(text).filter((t): t is string => t !== undefined);
  const type = (isGuardDuty ? guardDutyTypeOf(types) : undefined) ?? types[0] ?? getText(finding, 'class_name') ?? '';
  const typeParts = isGuardDuty && type !== '' ? parseFindingType(type) : NO_TYPE_PARTS;
  const severity = ocsfSeverity(finding);
  const resources = (getArray(finding, 'resources') ?? []).filter(isObject);
  const cloud = getObject(finding, 'cloud');
  const primaryResource = resources[0];
  const evidences = (getArray(finding, 'evidences') ?? []).filter(isObject).slice(0, MAX_EVIDENCES);

  const details = new DetailList();
  const ownIps = new RemoteAddressList();
  const resource = summariseOcsfResources(resources, details, ownIps, { isGuardDuty, affected: typeParts.resourceType, accountId: getText(getObject(cloud, 'account'), 'uid') });
  const action = summariseEvidences(evidences, details, ownIps);
  addClassDetails(finding, details);

  const guardDutyId = isGuardDuty ? (getText(info, 'uid_alt') ?? findingIdFromArn(uid)) : undefined;
  const object = isGuardDuty && type === S3_MALICIOUS_FILE_TYPE ? s3ObjectOfOcsfResources(resources) : undefined;
  const id = object !== undefined ? s3ObjectFindingId(object) : (guardDutyId ?? uid ?? getText(getObject(finding, 'metadata'), 'uid') ?? fingerprint(finding));
  const status = statusOf(finding);
  const description = getText(info, 'desc');
  const title = getText(info, 'title') ?? (type === '' ? `${productName} finding` : type);
  const endpointIps = (action.remoteAddresses ?? []).map((a) => a.ip);
  const attackSequence =
    isGuardDuty && typeParts.threatPurpose === 'AttackSequence'
      ? readOcsfAttackSequence(info, { resources: resources.length, endpoints: endpointIps, actors: evidences.filter((e) => isObject(e.actor)).length }, description)
      : undefined;

  return sealFinding(
    {
      format: 'ocsf',
      product: isGuardDuty ? 'GuardDuty' : productName,
      id,
      type,
      typeParts,
      title,
      description: description ?? '',
      severity: null,
      band: severity.band,
      partition:
        getText(cloud, 'cloud_partition') ?? getText(primaryResource, 'cloud_partition') ?? arnParts?.partition ?? 'aws',
      count: countOf(get(finding, 'count')),
      archived: status.closed,
      sample: false,
      resource: details.build(resource.type, resource.summary),
      action,
      raw: finding,
    },
    {
      arn,
      accountId: getText(getObject(cloud, 'account'), 'uid') ?? getText(getObject(getObject(primaryResource, 'owner'), 'account'), 'uid') ?? arnParts?.accountId ?? envelope?.accountId,
      accountName: getText(getObject(cloud, 'account'), 'name'),
      region: getText(cloud, 'region') ?? getText(primaryResource, 'region') ?? arnParts?.region ?? envelope?.region,
      createdAt: timeOf(info, 'created_time') ?? toIsoTimestamp(get(finding, 'time')) ?? toIsoTimestamp(get(finding, 'time_dt')),
      updatedAt: timeOf(info, 'modified_time') ?? toIsoTimestamp(get(finding, 'time')) ?? toIsoTimestamp(get(finding, 'time_dt')),
      firstSeen: timeOf(info, 'first_seen_time') ?? toIsoTimestamp(get(finding, 'start_time')),
      lastSeen: timeOf(info, 'last_seen_time') ?? toIsoTimestamp(get(finding, 'end_time')),
      providerId: object !== undefined ? guardDutyId : undefined,
      feature: getText(getObject(product, 'feature'), 'name'),
      status: status.word,
      sourceSeverity: severity.label,
      securityHubId: getText(getObject(finding, 'metadata'), 'uid'),
      ocsfClass: numeric(get(finding, 'class_uid')),
      attackSequence,
    },
  );
}

function isGuardDutyOcsf(productName: string, productUid: string | undefined, findingUid: string | undefined): boolean {
  if (productName.toLowerCase().replace(/\s+/g, '') === 'guardduty' || productName.toLowerCase() === 'amazon guardduty') return true;
  if (productUid !== undefined && productUid.endsWith('/guardduty')) return true;
  return findingUid !== undefined && findingUid.startsWith('arn:') && findingUid.includes(':guardduty:') && findingUid.includes('/finding/');
}

/**
 * The GuardDuty type among `finding_info.types` (its position varies: `["Threats", "Trojan:EC2/DNSDataExfiltration"]`):
 * one of the shape `Purpose:Resource/Family…`, else one recovered from an ASFF-style classifier.
 */
function guardDutyTypeOf(types: readonly string[]): string | undefined {
  const direct = types.find((t) => /^[A-Za-z0-9]+:[A-Za-z0-9]+\/\S/.test(t));
  if (direct !== undefined) return direct;
  for (const t of types) {
    const recovered = guardDutyTypeFromAsffType(t);
    if (recovered !== undefined && recovered.includes('/')) return recovered;
  }
  return undefined;
}

function ocsfSeverity(finding: JsonObject): { band: SeverityBand; label?: string } {
  const id = numeric(get(finding, 'severity_id'));
  const known = id === undefined ? undefined : SEVERITY_BY_ID.get(id);
  if (known !== undefined) return known;
  // 0 Unknown, 99 Other, or no id: the label may still say which band (`severity` holds the source's word for Other).
  const label = getText(finding, 'severity');
  if (label === undefined) return { band: UNKNOWN_BAND };
  const lower = label.trim().toLowerCase();
  if (lower === 'informational') return SEVERITY_BY_ID.get(1)!;
  if (lower === 'fatal') return SEVERITY_BY_ID.get(6)!;
  const band = bandByName(label.trim());
  if (band !== undefined) return { band };
  return lower === 'unknown' ? { band: UNKNOWN_BAND } : { band: UNKNOWN_BAND, label };
}

function statusOf(finding: JsonObject): { closed: boolean; word?: string } {
  const id = numeric(get(finding, 'status_id'));
  const word = getText(finding, 'status') ?? (id === undefined ? undefined : STATUS_WORDS.get(id));
  const closed = (id !== undefined && CLOSED_STATUS_IDS.has(id)) || (word !== undefined && CLOSED_STATUS_WORDS.has(word.trim().toLowerCase()));
  return word === undefined ? { closed } : { closed, word };
}

/** `created_time` (epoch ms), else its `_dt` twin (ISO text). */
function timeOf(info: JsonObject | undefined, member: string): string | undefined {
  return toIsoTimestamp(get(info, member)) ?? toIsoTimestamp(get(info, `${member}_dt`));
}

// ---- resources -----------------------------------------------------------------------------------------------------

interface ResourceOptions {
  readonly isGuardDuty: boolean;
  readonly affected: string | undefined;
  readonly accountId: string | undefined;
}

/**
 * `resources[]`: the primary one (the one the GuardDuty type is about, else the first) gives the type and summary;
 * its tags (`tags[]` of `{ name, value }`, or `data.tags[]` of `{ key, value }`) and EC2 facts become details; the
 * others are "Also affected". The resource's own IPs are noted so they are never taken for remote ones.
 */
function summariseOcsfResources(
  resources: readonly JsonObject[],
  details: DetailList,
  ownIps: RemoteAddressList,
  options: ResourceOptions,
): Pick<ResourceSummary, 'type' | 'summary'> {
  for (const resource of resources) noteOwnIps(resource, ownIps);
  if (resources.length === 0) return { type: 'Unknown', summary: 'Unknown resource' };
  const preferred = options.affected === undefined ? undefined : PREFERRED_BY_AFFECTED.get(options.affected);
  const found = preferred === undefined ? -1 : resources.findIndex((r) => typeKey(getText(r, 'type')) === preferred);
  const primaryIndex = found < 0 ? 0 : found;
  const primary = resources[primaryIndex] as JsonObject;
  const rawType = getText(primary, 'type') ?? 'Other';
  const type = options.isGuardDuty ? (GUARDDUTY_RESOURCE_TYPE.get(typeKey(rawType) ?? '') ?? rawType) : rawType;
  const summary = describeResource(primary, details, options.accountId);
  let extra = 0;
  for (let i = 0; i < resources.length && extra < MAX_EXTRA_RESOURCES; i++) {
    if (i === primaryIndex) continue;
    const other = resources[i] as JsonObject;
    details.add('Also affected', `${getText(other, 'type') ?? 'Other'} ${describeResource(other, new DetailList(), options.accountId)}`);
    extra++;
  }
  return { type, summary };
}

function describeResource(resource: JsonObject, details: DetailList, accountId: string | undefined): string {
  const data = getObject(resource, 'data');
  for (const tag of getArray(resource, 'tags') ?? []) details.addTags([{ key: getText(tag, 'name'), value: getText(tag, 'value') }]);
  details.addTagsOf(data);
  const uid = getText(resource, 'uid');
  const instanceId = getText(data, 'instance_id') ?? (uid !== undefined && /(^|\/)i-[0-9a-f]+$/.test(uid) ? lastSegment(uid) : undefined);
  const name = details.tag('Name');
  const nic = getArray(data, 'network_interfaces')?.find(isObject);
  details
    .add('Instance', instanceId)
    .add('Name', instanceId === undefined ? undefined : name)
    .add('Instance type', getText(data, 'instance_type'))
    .add('Private IP', getText(nic, 'private_ip_address'))
    .add('Public IP', getText(nic, 'public_ip'))
    .add('Image', getText(data, 'image_id'))
    .add('VPC', getText(nic, 'vpc_id'));
  const owner = getText(getObject(getObject(resource, 'owner'), 'account'), 'uid');
  if (owner !== undefined && owner !== accountId) details.add('Owner account', owner);
  const label = getText(resource, 'name') ?? instanceId ?? uid;
  if (instanceId !== undefined) return name !== undefined ? `${instanceId} (${name})` : instanceId;
  if (label === undefined) return getText(resource, 'type') ?? 'Unknown resource';
  if (uid !== undefined && uid !== label) details.add('Resource', uid);
  return label;
}

function noteOwnIps(resource: JsonObject, ownIps: RemoteAddressList): void {
  ownIps.exclude(getText(resource, 'ip'));
  for (const nic of getArray(getObject(resource, 'data'), 'network_interfaces') ?? []) {
    ownIps.exclude(getText(nic, 'private_ip_address')).exclude(getText(nic, 'public_ip'));
    for (const address of getArray(nic, 'private_ip_addresses') ?? []) ownIps.exclude(getText(address, 'private_ip_address'));
    for (const address of getArray(nic, 'ipv6_addresses') ?? []) ownIps.exclude(text(address));
  }
}

// ---- evidences -----------------------------------------------------------------------------------------------------

type MutableAction = { -readonly [K in keyof ActionSummary]: ActionSummary[K] };

/**
 * `evidences[]`: processes (`actor.process` or `process`: name, file path, command line, user, ancestry), the actor's
 * user, the API call (`api.operation`, `api.service.name`), and the network ends. The remote end of a connection is
 * `src_endpoint` when it came in and `dst_endpoint` when we went out (`connection_info.direction`); without a
 * direction `src_endpoint` is read as inbound and `dst_endpoint` as outbound. The resource's own IPs are skipped.
 */
function summariseEvidences(evidences: readonly JsonObject[], details: DetailList, addresses: RemoteAddressList): ActionSummary {
  const action: MutableAction = {};
  for (let i = 0; i < evidences.length; i++) {
    const evidence = evidences[i] as JsonObject;
    const actor = getObject(evidence, 'actor');
    addProcess(details, getObject(actor, 'process') ?? getObject(evidence, 'process'));
    const user = getObject(actor, 'user') ?? getObject(evidence, 'user');
    details.add('User', getText(user, 'name') ?? getText(user, 'uid'));
    const api = getObject(evidence, 'api');
    set(action, 'apiName', getText(api, 'operation'));
    set(action, 'serviceName', getText(getObject(api, 'service'), 'name'));
    const connection = getObject(evidence, 'connection_info');
    const direction = directionOf(getText(connection, 'direction')) ?? directionFromId(numeric(get(connection, 'direction_id')));
    set(action, 'direction', direction === undefined ? getText(connection, 'direction') : direction.toUpperCase());
    set(action, 'protocol', getText(connection, 'protocol_name'));
    const src = getObject(evidence, 'src_endpoint');
    const dst = getObject(evidence, 'dst_endpoint');
    const remote: Array<[JsonObject | undefined, 'inbound' | 'outbound']> =
      direction === 'inbound' ? [[src, 'inbound']] : direction === 'outbound' ? [[dst, 'outbound']] : [[src, 'inbound'], [dst, 'outbound']];
    for (const [endpoint, way] of remote) {
      if (endpoint === undefined) continue;
      const ip = getText(endpoint, 'ip');
      const before = addresses.size;
      addresses.add(ip, `evidences[${i}].${way === 'inbound' ? 'src_endpoint' : 'dst_endpoint'}`, way);
      const isRemote = addresses.size > before;
      if (isRemote) readEndpoint(action, endpoint);
      if (ip === undefined) set(action, 'domain', getText(endpoint, 'domain') ?? getText(endpoint, 'hostname'));
    }
    set(action, 'domain', getText(getObject(evidence, 'query'), 'hostname'));
    set(action, 'userAgent', getText(getObject(evidence, 'http_request'), 'user_agent'));
  }
  const remoteAddresses = addresses.build(action.remoteIp);
  if (remoteAddresses !== undefined) action.remoteAddresses = remoteAddresses;
  const ownAddresses = addresses.ownAddresses();
  if (ownAddresses !== undefined) action.ownAddresses = ownAddresses;
  return Object.freeze(action);
}

/** OCSF network connection_info `direction_id`: 1 Inbound, 2 Outbound (0 Unknown, 3 Lateral, 99 Other). */
function directionFromId(id: number | undefined): 'inbound' | 'outbound' | undefined {
  return id === 1 ? 'inbound' : id === 2 ? 'outbound' : undefined;
}

function readEndpoint(action: MutableAction, endpoint: JsonObject): void {
  if (action.remoteIp !== undefined) return;
  set(action, 'remoteIp', getText(endpoint, 'ip'));
  const port = getNumber(endpoint, 'port');
  if (port !== undefined && Number.isInteger(port) && port >= 0 && port <= 65_535) action.remotePort = port;
  set(action, 'domain', getText(endpoint, 'domain') ?? getText(endpoint, 'hostname'));
  const location = getObject(endpoint, 'location');
  set(action, 'country', getText(location, 'country'));
  set(action, 'city', getText(location, 'city'));
  const as = getObject(endpoint, 'autonomous_system');
  set(action, 'organization', getText(as, 'name') ?? getText(endpoint, 'isp'));
  set(action, 'asn', getText(as, 'number'));
}

type TextField = { [K in keyof MutableAction]-?: NonNullable<MutableAction[K]> extends string ? K : never }[keyof MutableAction];

function set(action: MutableAction, field: TextField, value: string | undefined): void {
  if (value !== undefined && action[field] === undefined) action[field] = value;
}

function addProcess(details: DetailList, process: JsonObject | undefined): void {
  if (process === undefined) return;
  const file = getObject(process, 'file');
  const name = getText(process, 'name') ?? getText(file, 'name');
  details.add('Process', name === 'UNKNOWN' ? (getText(file, 'path') ?? name) : name);
  details.add('Executable', getText(file, 'path') ?? getText(process, 'path'));
  details.add('Command line', getText(process, 'cmd_line'));
  details.add('Process user', getText(getObject(process, 'user'), 'name'));
  const ancestry = (getArray(process, 'ancestry') ?? [])
    .slice(0, 100)
    .map((p) => getText(p, 'name'))
    .filter((n): n is string => n !== undefined);
  if (ancestry.length > 0) details.add('Process ancestry', joinCapped(ancestry, MAX_ANCESTRY).replace(/, /g, ' ← '));
}

/** Facts of the other finding classes: vulnerabilities (2002) and compliance checks (2003). */
function addClassDetails(finding: JsonObject, details: DetailList): void {
  const vulnerability = getArray(finding, 'vulnerabilities')?.find(isObject);
  if (vulnerability !== undefined) {
    details.add('CVE', getText(getObject(vulnerability, 'cve'), 'uid'));
    const pkg = getArray(vulnerability, 'affected_packages')?.find(isObject);
    const pkgName = getText(pkg, 'name');
    const pkgVersion = getText(pkg, 'version');
    details.add('Package', pkgName === undefined ? undefined : pkgVersion === undefined ? pkgName : `${pkgName} ${pkgVersion}`);
    details.add('Fix available', getText(vulnerability, 'fix_available'));
  }
  const compliance = getObject(finding, 'compliance');
  if (compliance !== undefined) {
    details.add('Control', getText(compliance, 'control'));
    details.add('Compliance status', getText(compliance, 'status'));
  }
}
