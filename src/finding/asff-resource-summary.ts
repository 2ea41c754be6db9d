import { ownEntry } from '../core/own-entry.js';
import { lastSegment } from './arn.js';
import { DetailList } from './detail-list.js';
import type { ResourceSummary } from './finding.js';
import { get, getArray, getObject, getText, isObject, type JsonObject } from './keys.js';
import { addServiceDetails, joinCapped } from './service-details.js';

/**
 * The affected resource of an ASFF finding, from `Resources[]` (`Type`, `Id`, `Tags`, `Details.<Type>`).
 * Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Resource.html
 *
 * For GuardDuty findings the ASFF type is mapped back to GuardDuty's `resourceType`, so that a routing rule on
 * `Instance` matches the finding whichever way it arrived; other products keep the ASFF type (`AwsEc2Instance`).
 */

const GUARDDUTY_TYPE_BY_ASFF_TYPE: Readonly<Record<string, string>> = {
  AwsEc2Instance: 'Instance',
  AwsIamAccessKey: 'AccessKey',
  AwsS3Bucket: 'S3Bucket',
  AwsS3Object: 'S3Object',
  AwsEksCluster: 'EKSCluster',
  AwsEcsCluster: 'ECSCluster',
  AwsEcsTask: 'ECSCluster',
  Container: 'Container',
  AwsLambdaFunction: 'Lambda',
  AwsRdsDbInstance: 'RDSDBInstance',
};

/** The GuardDuty type's ResourceTypeAffected → the ASFF resource that finding is about, to pick the primary one. */
const ASFF_TYPE_BY_AFFECTED: Readonly<Record<string, string>> = {
  EC2: 'AwsEc2Instance',
  S3: 'AwsS3Bucket',
  IAMUser: 'AwsIamAccessKey',
  Kubernetes: 'AwsEksCluster',
  EKS: 'AwsEksCluster',
  ECS: 'AwsEcsCluster',
  Lambda: 'AwsLambdaFunction',
  RDS: 'AwsRdsDbInstance',
};

const MAX_EXTRA_RESOURCES = 3;

export interface AsffResourceOptions {
  readonly isGuardDuty: boolean;
  /** ResourceTypeAffected from the GuardDuty type, to prefer the matching resource when there are several. */
  readonly affectedType?: string;
  /** The GuardDuty `service` rebuilt from ProductFields, for runtime / malware / login facts. */
  readonly service?: unknown;
}

export function summariseAsffResources(resourcesValue: unknown, options: AsffResourceOptions): ResourceSummary {
  const resources = (Array.isArray(resourcesValue) ? resourcesValue : []).filter(isObject);
  const details = new DetailList();
  const preferredType = ownEntry(ASFF_TYPE_BY_AFFECTED, options.affectedType);
  const primaryIndex = Math.max(0, preferredType === undefined ? 0 : resources.findIndex((r) => getText(r, 'Type') === preferredType));
  const primary = resources[primaryIndex];
  let type = 'Unknown';
  let summary = 'Unknown resource';
  if (primary !== undefined) {
    const asffType = getText(primary, 'Type') ?? 'Other';
    type = options.isGuardDuty ? (ownEntry(GUARDDUTY_TYPE_BY_ASFF_TYPE, asffType) ?? asffType) : asffType;
    summary = summariseOne(primary, asffType, details);
  }
  let extra = 0;
  for (let i = 0; i < resources.length && extra < MAX_EXTRA_RESOURCES; i++) {
    if (i === primaryIndex) continue;
    const resource = resources[i] as JsonObject;
    const asffType = getText(resource, 'Type') ?? 'Other';
    details.add('Also affected', `${asffType} ${summariseOne(resource, asffType, new DetailList())}`);
    extra++;
  }
  if (options.service !== undefined) addServiceDetails(details, options.service);
  return details.build(type, summary);
}

/** One resource: adds its details and tags, returns its one-line summary. */
function summariseOne(resource: JsonObject, asffType: string, details: DetailList): string {
  const id = getText(resource, 'Id');
  const info = getObject(getObject(resource, 'Details'), asffType);
  details.addTags(get(resource, 'Tags'));
  switch (asffType) {
    case 'AwsEc2Instance': {
      const instanceId = id === undefined ? undefined : afterMarker(id, 'instance/') ?? id;
      const name = details.tag('Name');
      const addresses = getArray(info, 'IpV4Addresses')?.filter((a): a is string => typeof a === 'string');
      details
        .add('Instance', instanceId)
        .add('Name', name)
        .add('Instance type', getText(info, 'Type'))
        .add('IP addresses', addresses === undefined || addresses.length === 0 ? undefined : joinCapped(addresses, 3))
        .add('Image', getText(info, 'ImageId'))
        .add('VPC', getText(info, 'VpcId'));
      return instanceId === undefined ? 'EC2 instance' : name === undefined ? instanceId : `${instanceId} (${name})`;
    }
    case 'AwsIamAccessKey': {
      // Id is `AWS::IAM::AccessKey:<key id>`; GuardDuty writes `...:null` when the key is unknown (console logins).
      const keyId = id === undefined ? undefined : lastSegment(id);
      const usableKey = keyId === undefined || keyId === '' || keyId === 'null' ? undefined : keyId;
      const user = getText(info, 'UserName') ?? getText(info, 'PrincipalName');
      details
        .add('Access key', usableKey)
        .add('User', user)
        .add('User type', getText(info, 'PrincipalType'))
        .add('Principal ID', getText(info, 'PrincipalId'));
      if (usableKey !== undefined && user !== undefined) return `${usableKey} (${user})`;
      return usableKey ?? user ?? 'IAM principal';
    }
    case 'AwsS3Bucket': {
      const name = id === undefined ? undefined : afterMarker(id, ':::') ?? lastSegment(id);
      details.add('Bucket', name).add('Owner', getText(info, 'OwnerName'));
      return name ?? 'S3 bucket';
    }
    case 'AwsEksCluster': {
      const name = getText(info, 'Name') ?? (id === undefined ? undefined : lastSegment(id));
      details.add('EKS cluster', name);
      return name ?? 'EKS cluster';
    }
    case 'AwsEcsCluster': {
      const name = getText(info, 'ClusterName') ?? (id === undefined ? undefined : lastSegment(id));
      details.add('ECS cluster', name);
      return name ?? 'ECS cluster';
    }
    case 'AwsLambdaFunction': {
      const name = getText(info, 'FunctionName') ?? (id === undefined ? undefined : lastSegment(id));
      details.add('Lambda function', name).add('Runtime', getText(info, 'Runtime'));
      return name ?? 'Lambda function';
    }
    case 'AwsRdsDbInstance': {
      const dbId = getText(info, 'DbInstanceIdentifier') ?? (id === undefined ? undefined : lastSegment(id));
      const engine = getText(info, 'Engine');
      details.add('DB instance', dbId).add('Engine', engine);
      const base = dbId ?? 'RDS DB instance';
      return engine === undefined ? base : `${base} (${engine})`;
    }
    case 'Container': {
      const name = getText(info, 'Name');
      const image = getText(info, 'ImageName');
      details.add('Container', name).add('Container image', image);
      const base = name ?? 'Container';
      return image === undefined ? base : `${base} (${image})`;
    }
    case 'AwsEcrContainerImage': {
      const repository = getText(info, 'RepositoryName');
      const tag = firstString(getArray(info, 'ImageTags'));
      details.add('Repository', repository).add('Image tag', tag).add('Image digest', getText(info, 'ImageDigest'));
      if (repository === undefined) return id ?? 'Container image';
      return tag === undefined ? repository : `${repository}:${tag}`;
    }
    default: {
      details.add('Resource', id);
      return id ?? asffType;
    }
  }
}

function afterMarker(value: string, marker: string): string | undefined {
  const at = value.indexOf(marker);
  if (at < 0) return undefined;
  const rest = value.slice(at + marker.length);
  return rest === '' ? undefined : rest;
}

function firstString(values: readonly unknown[] | undefined): string | undefined {
  const first = values?.[0];
  return typeof first === 'string' && first !== '' ? first : undefined;
}
