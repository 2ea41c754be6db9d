import { ownEntry } from '../core/own-entry.js';
import { lastSegment } from './arn.js';
import { DetailList } from './detail-list.js';
import type { FindingTypeParts, ResourceSummary } from './finding.js';
import { get, getArray, getObject, getText, isObject, type JsonObject } from './keys.js';
import { addServiceDetails, joinCapped } from './service-details.js';

/**
 * The affected resource of a GuardDuty finding, from `resource` (plus the resource facts filed under `service`).
 * `resource.resourceType` says which `...Details` member describes it; GuardDuty's sample findings fill several
 * (an S3 finding also carries a placeholder `instanceDetails`), so only the members of the declared type are read.
 * Member names: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Resource.html
 */

type Summariser = (resource: JsonObject, details: DetailList) => string | undefined;

/** Keyed by lower-cased resourceType. */
const SUMMARISERS: Readonly<Record<string, Summariser>> = {
  instance: summariseInstance,
  accesskey: summariseAccessKey,
  s3bucket: summariseS3,
  s3object: summariseS3,
  ekscluster: summariseEks,
  ecscluster: summariseEcs,
  container: summariseContainer,
  lambda: summariseLambda,
  rdsdbinstance: summariseRds,
};

/** When `resourceType` is missing, the details member present says what the resource is. */
const TYPE_BY_DETAILS_MEMBER: ReadonlyArray<readonly [member: string, type: string]> = [
  ['instanceDetails', 'Instance'],
  ['eksClusterDetails', 'EKSCluster'],
  ['ecsClusterDetails', 'ECSCluster'],
  ['lambdaDetails', 'Lambda'],
  ['rdsDbInstanceDetails', 'RDSDBInstance'],
  ['s3BucketDetails', 'S3Bucket'],
  ['containerDetails', 'Container'],
  ['accessKeyDetails', 'AccessKey'],
  ['recoveryPointDetails', 'RecoveryPoint'],
  ['ebsSnapshotDetails', 'EBSSnapshot'],
  ['ec2ImageDetails', 'EC2Image'],
];

export function summariseGuardDutyResource(resource: unknown, service: unknown, typeParts: FindingTypeParts): ResourceSummary {
  const details = new DetailList();
  const res: JsonObject = isObject(resource) ? resource : {};
  const type = getText(res, 'resourceType') ?? inferType(res) ?? typeParts.resourceType ?? 'Unknown';
  // Own entries only: a resourceType of `constructor` (any case) must not find Object.prototype's members.
  const summariser = ownEntry(SUMMARISERS, type.toLowerCase());
  let summary = summariser === undefined ? undefined : summariser(res, details);
  // An attack sequence names its resources in the sequence, not in `resource` (which only says `AttackSequence`).
  if (summary === undefined && type.toLowerCase() === 'attacksequence') summary = summariseSequenceResources(service, details);
  // Malware Protection for Backup: a recovery point, EBS snapshot or AMI (whatever resourceType calls it).
  if (summary === undefined) summary = summariseBackupResource(res, details);
  // A type we do not know (GuardDuty adds resource types every year), or a known one without its details member.
  if (summary === undefined) summary = summariseUnknown(res, details);
  addServiceDetails(details, service);
  return details.build(type, summary ?? (type === 'Unknown' ? 'Unknown resource' : type));
}

/**
 * Malware Protection for Backup's scanned resources: `recoveryPointDetails` (`recoveryPointArn`, `backupVaultName`),
 * `ebsSnapshotDetails.snapshotArn`, `ec2ImageDetails.imageArn`. Summary: the snapshot / AMI id or the recovery point's
 * last ARN segment. Source: API_RecoveryPointDetails, API_EbsSnapshotDetails, API_Ec2ImageDetails (GuardDuty API).
 */
function summariseBackupResource(resource: JsonObject, details: DetailList): string | undefined {
  const recoveryPoint = getObject(resource, 'recoveryPointDetails');
  const recoveryPointArn = getText(recoveryPoint, 'recoveryPointArn');
  const snapshotArn = getText(getObject(resource, 'ebsSnapshotDetails'), 'snapshotArn');
  const imageArn = getText(getObject(resource, 'ec2ImageDetails'), 'imageArn');
  if (recoveryPointArn === undefined && snapshotArn === undefined && imageArn === undefined) return undefined;
  details.add('Recovery point', recoveryPointArn).add('Backup vault', getText(recoveryPoint, 'backupVaultName')).add('Snapshot', snapshotArn).add('AMI', imageArn);
  return lastSegmentOf(snapshotArn ?? imageArn ?? recoveryPointArn);
}

function inferType(resource: JsonObject): string | undefined {
  for (const [member, type] of TYPE_BY_DETAILS_MEMBER) if (get(resource, member) !== undefined) return type;
  return undefined;
}

/** EC2: `i-0abc (web-1)`. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_InstanceDetails.html */
function summariseInstance(resource: JsonObject, details: DetailList): string | undefined {
  const instance = getObject(resource, 'instanceDetails');
  if (instance === undefined) return undefined;
  details.addTagsOf(instance);
  const id = getText(instance, 'instanceId');
  const name = details.tag('Name');
  const nic = getArray(instance, 'networkInterfaces')?.[0];
  details
    .add('Instance', id)
    .add('Name', name)
    .add('Instance type', getText(instance, 'instanceType'))
    .add('Private IP', getText(nic, 'privateIpAddress'))
    .add('Public IP', getText(nic, 'publicIp'))
    .add('Image', getText(instance, 'imageId'))
    .add('VPC', getText(nic, 'vpcId'));
  return labelled(id, name) ?? 'EC2 instance';
}

/** IAM: `AKIA… (alice)`. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_AccessKeyDetails.html */
function summariseAccessKey(resource: JsonObject, details: DetailList): string | undefined {
  const key = getObject(resource, 'accessKeyDetails');
  if (key === undefined) return undefined;
  addAccessKeyDetails(key, details);
  return labelled(getText(key, 'accessKeyId'), getText(key, 'userName')) ?? 'IAM principal';
}

function addAccessKeyDetails(key: JsonObject, details: DetailList): void {
  details
    .add('Access key', getText(key, 'accessKeyId'))
    .add('User', getText(key, 'userName'))
    .add('User type', getText(key, 'userType'))
    .add('Principal ID', getText(key, 'principalId'));
}

/**
 * S3: bucket names, public access and object keys; the caller's access key when the finding names one.
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_S3BucketDetail.html
 */
function summariseS3(resource: JsonObject, details: DetailList): string | undefined {
  const buckets = (getArray(resource, 's3BucketDetails') ?? []).filter(isObject);
  if (buckets.length === 0) return undefined;
  const names: string[] = [];
  const objectKeys: string[] = [];
  let access: string | undefined;
  for (const bucket of buckets) {
    const name = getText(bucket, 'name') ?? lastSegmentOf(getText(bucket, 'arn'));
    if (name !== undefined) names.push(name);
    const permission = getText(getObject(bucket, 'publicAccess'), 'effectivePermission');
    // One public bucket makes the finding about public access, whatever the order.
    if (permission !== undefined && (access === undefined || permission === 'PUBLIC')) access = permission;
    for (const object of getArray(bucket, 's3ObjectDetails') ?? []) {
      const key = getText(object, 'key');
      if (key !== undefined) objectKeys.push(key);
    }
    details.addTagsOf(bucket);
  }
  details.add(names.length > 1 ? 'Buckets' : 'Bucket', names.length > 0 ? joinCapped(names) : undefined);
  details.add('Public access', access);
  details.add(objectKeys.length > 1 ? 'Objects' : 'Object', objectKeys.length > 0 ? joinCapped(objectKeys, 3) : undefined);
  const key = getObject(resource, 'accessKeyDetails');
  if (key !== undefined) addAccessKeyDetails(key, details);
  const first = names[0];
  if (first === undefined) return 'S3 bucket';
  return names.length > 1 ? `${first} (+${names.length - 1} more)` : first;
}

/**
 * EKS: cluster, Kubernetes user and workload.
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_EksClusterDetails.html and
 * https://docs.aws.amazon.com/guardduty/latest/APIReference/API_KubernetesDetails.html
 */
function summariseEks(resource: JsonObject, details: DetailList): string | undefined {
  const cluster = getObject(resource, 'eksClusterDetails');
  const kubernetes = getObject(resource, 'kubernetesDetails');
  if (cluster === undefined && kubernetes === undefined) return undefined;
  details.addTagsOf(cluster);
  const clusterName = getText(cluster, 'name') ?? lastSegmentOf(getText(cluster, 'arn'));
  const user = getObject(kubernetes, 'kubernetesUserDetails');
  const userName = getText(user, 'username');
  const workloadDetails = getObject(kubernetes, 'kubernetesWorkloadDetails');
  const workload = describeWorkload(workloadDetails);
  const groups = getArray(user, 'groups')?.filter((group): group is string => typeof group === 'string');
  details
    .add('EKS cluster', clusterName)
    .add('Kubernetes user', userName)
    .add('Kubernetes groups', groups === undefined || groups.length === 0 ? undefined : joinCapped(groups))
    .add('Workload', workload)
    .add('Service account', getText(workloadDetails, 'serviceAccountName'))
    .add('Container image', getText(getArray(workloadDetails, 'containers')?.[0], 'image'));
  const base = clusterName ?? 'EKS cluster';
  if (workload !== undefined) return `${base}: ${workload}`;
  return userName === undefined ? base : `${base} (user ${userName})`;
}

function describeWorkload(workload: JsonObject | undefined): string | undefined {
  const name = getText(workload, 'name');
  if (name === undefined) return undefined;
  const namespace = getText(workload, 'namespace');
  const qualified = namespace === undefined ? name : `${namespace}/${name}`;
  const kind = getText(workload, 'type');
  return kind === undefined ? qualified : `${kind} ${qualified}`;
}

/** ECS: cluster, task, container. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_EcsClusterDetails.html */
function summariseEcs(resource: JsonObject, details: DetailList): string | undefined {
  const cluster = getObject(resource, 'ecsClusterDetails');
  if (cluster === undefined) return summariseContainer(resource, details);
  const task = getObject(cluster, 'taskDetails');
  details.addTagsOf(cluster).addTagsOf(task);
  const clusterName = getText(cluster, 'name') ?? lastSegmentOf(getText(cluster, 'arn'));
  const taskId = lastSegmentOf(getText(task, 'arn'));
  const container = getArray(task, 'containers')?.[0];
  details
    .add('ECS cluster', clusterName)
    .add('Task', taskId)
    .add('Task definition', lastSegmentOf(getText(task, 'definitionArn')))
    .add('Launch type', getText(task, 'launchType'))
    .add('Container', getText(container, 'name'))
    .add('Container image', getText(container, 'image'));
  summariseContainer(resource, details);
  const base = clusterName ?? 'ECS cluster';
  return taskId === undefined ? base : `${base} task ${taskId}`;
}

/** A container on its own (Runtime Monitoring on EC2 / EKS). Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Container.html */
function summariseContainer(resource: JsonObject, details: DetailList): string | undefined {
  const container = getObject(resource, 'containerDetails');
  if (container === undefined) return undefined;
  const name = getText(container, 'name');
  const id = getText(container, 'id');
  const image = getText(container, 'image');
  details
    .add('Container', name)
    .add('Container image', image)
    .add('Container ID', id)
    .add('Container runtime', getText(container, 'containerRuntime'));
  const base = name ?? id ?? 'Container';
  return image === undefined ? base : `${base} (${image})`;
}

/** Lambda. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_LambdaDetails.html */
function summariseLambda(resource: JsonObject, details: DetailList): string | undefined {
  const lambda = getObject(resource, 'lambdaDetails');
  if (lambda === undefined) return undefined;
  details.addTagsOf(lambda);
  const arn = getText(lambda, 'functionArn');
  const name = getText(lambda, 'functionName') ?? lastSegmentOf(arn);
  details
    .add('Lambda function', name)
    .add('Function ARN', arn)
    .add('Version', getText(lambda, 'functionVersion'))
    .add('Role', getText(lambda, 'role'));
  return name ?? 'Lambda function';
}

/**
 * RDS: DB instance, engine, DB user.
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RdsDbInstanceDetails.html and
 * https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RdsDbUserDetails.html
 */
function summariseRds(resource: JsonObject, details: DetailList): string | undefined {
  const instance = getObject(resource, 'rdsDbInstanceDetails');
  const user = getObject(resource, 'rdsDbUserDetails');
  if (instance === undefined && user === undefined) return undefined;
  details.addTagsOf(instance);
  const id = getText(instance, 'dbInstanceIdentifier') ?? lastSegmentOf(getText(instance, 'dbInstanceArn'));
  const engine = getText(instance, 'engine');
  const version = getText(instance, 'engineVersion');
  details
    .add('DB instance', id)
    .add('DB cluster', getText(instance, 'dbClusterIdentifier'))
    .add('Engine', engine === undefined ? undefined : version === undefined ? engine : `${engine} ${version}`)
    .add('DB user', getText(user, 'user'))
    .add('Database', getText(user, 'database'))
    .add('Application', getText(user, 'application'))
    .add('Auth method', getText(user, 'authMethod'));
  const base = id ?? 'RDS DB instance';
  return engine === undefined ? base : `${base} (${engine})`;
}

/**
 * `service.detection.sequence.resources[]` (ResourceV2: `uid`, `name`, `resourceType`): `bucket-a (+2 more)`, and one
 * detail per resource type. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ResourceV2.html
 */
function summariseSequenceResources(service: unknown, details: DetailList): string | undefined {
  const resources = (getArray(getObject(getObject(service, 'detection'), 'sequence'), 'resources') ?? []).filter(isObject);
  const names: string[] = [];
  for (const resource of resources.slice(0, 400)) {
    const name = getText(resource, 'name') ?? getText(resource, 'uid');
    if (name === undefined) continue;
    names.push(name);
    if (names.length <= 3) details.add(getText(resource, 'resourceType') ?? 'Resource', name);
  }
  const first = names[0];
  if (first === undefined) return undefined;
  return names.length > 1 ? `${first} (+${names.length - 1} more)` : first;
}

/** Identifier-like members of an unknown `...Details` object, most telling first. */
const IDENTIFIER_MEMBERS = ['name', 'id', 'identifier', 'arn', 'uid'] as const;
const MAX_UNKNOWN_MEMBERS = 3;

/**
 * A resource type we do not know: name it by the first `...Details` member's identifier
 * (`quantumWidgetDetails.name` → `Quantum widget: qw-1`), so that the message still says what was affected.
 */
function summariseUnknown(resource: JsonObject, details: DetailList): string | undefined {
  let summary: string | undefined;
  let seen = 0;
  for (const member in resource) {
    if (!Object.hasOwn(resource, member) || !/details$/i.test(member)) continue;
    const value = resource[member];
    const object = Array.isArray(value) ? value.find(isObject) : value;
    if (!isObject(object)) continue;
    let identifier: string | undefined;
    for (const field of IDENTIFIER_MEMBERS) {
      identifier = getText(object, field);
      if (identifier !== undefined) break;
    }
    if (identifier === undefined) continue;
    const label = humanise(member.slice(0, -'Details'.length));
    details.add(label, identifier);
    summary ??= identifier;
    if (++seen >= MAX_UNKNOWN_MEMBERS) break;
  }
  return summary;
}

/** `quantumWidget` / `QuantumWidget` → `Quantum widget`. */
function humanise(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name.charAt(i);
    const lower = ch.toLowerCase();
    if (i === 0) out += ch.toUpperCase();
    else if (ch !== lower && name.charAt(i - 1) === name.charAt(i - 1).toLowerCase()) out += ` ${lower}`;
    else out += ch;
  }
  return out;
}

function labelled(id: string | undefined, name: string | undefined): string | undefined {
  if (id !== undefined && name !== undefined) return `${id} (${name})`;
  return id ?? name;
}

function lastSegmentOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const segment = lastSegment(value);
  return segment === '' ? undefined : segment;
}
