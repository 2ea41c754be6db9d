import { parseArn } from './arn.js';
import { DetailList } from './detail-list.js';
import { SEVERITY_BANDS, type Finding, type HealthSummary } from './finding.js';
import { sealFinding } from './finding-draft.js';
import { parseFindingType } from './finding-type.js';
import { get, getArray, getNumber, getObject, getText, isObject, text, type JsonObject } from './keys.js';
import { toIsoTimestamp } from './timestamps.js';

/**
 * GuardDuty's detector health events → notices with types of our own, so that routes, `types:` globs, mutes and dedupe
 * treat them like findings. GuardDuty sends them to EventBridge (`source: aws.guardduty`) beside its findings; they are
 * not findings and have no id, type or severity. Source (the event names):
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html
 *
 * | detail-type                                           | our type                                          |
 * |-------------------------------------------------------|---------------------------------------------------|
 * | GuardDuty Runtime Protection Unhealthy                | `Health:RuntimeProtection/Unhealthy`              |
 * | GuardDuty Runtime Protection Healthy                  | `Health:RuntimeProtection/Healthy`                |
 * | GuardDuty Malware Protection Resource Status Error    | `Health:MalwareProtectionPlan/Error`              |
 * | GuardDuty Malware Protection Resource Status Warning  | `Health:MalwareProtectionPlan/Warning`            |
 * | GuardDuty Malware Protection Resource Status Active   | `Health:MalwareProtectionPlan/Active`             |
 * | GuardDuty Malware Protection Post Scan Action Failed  | `Health:MalwareProtectionPostScanAction/Failed`   |
 *
 * Identity: one id per watched resource (`health:<subject>:<account>:<region>:<resource>`), the same for its unhealthy
 * and its healthy events, so the ledger holds one row per resource: policy sends one message when it turns unhealthy,
 * a "recovered" line when it turns healthy again, and nothing while it stays the same (decide.ts).
 *
 * Band: Medium for every "not covered" state (a security team wants to know when coverage silently drops, and the
 * usual `minSeverity: 4` keeps it); Low for the healthy ones, whose only message is the recovery line.
 *
 * Members read. Runtime Monitoring coverage (the user guide's "Coverage status change with EventBridge notifications"
 * for EC2, ECS and EKS, and a real ECS capture in the corpus): `resourceAccountId` (docs) or `accountId` (the capture),
 * `currentStatus`, `previousStatus`, `issue`, `lastUpdatedAt` (epoch ms), `resourceDetails.resourceType` (EC2, ECS,
 * EKS) with `ec2InstanceDetails` (`instanceId`, `instanceType`, `clusterArn`, `agentDetails.version`,
 * `managementType`), `ecsClusterDetails` (`clusterName`, `fargateDetails.issues[]`, `fargateDetails.managementType`,
 * `containerInstanceDetails`), `eksClusterDetails` (`clusterName`, `addonDetails`, `managementType`).
 * Malware Protection plan status and post-scan action events: `resourceStatus`, `s3BucketDetails.bucketName`,
 * `s3ObjectDetails` (`bucketName`, `objectKey`), `statusReasons[]` (`code`, `message`, or text) and the plan's ARN in
 * the event's `resources`; these spellings come from the user guide's event pages and the CDK event-pattern
 * properties only (no real event was at hand).
 */

export const RUNTIME_UNHEALTHY_DETAIL_TYPE = 'GuardDuty Runtime Protection Unhealthy';
export const RUNTIME_HEALTHY_DETAIL_TYPE = 'GuardDuty Runtime Protection Healthy';
export const PLAN_STATUS_DETAIL_TYPE_PREFIX = 'GuardDuty Malware Protection Resource Status ';
export const POST_SCAN_ACTION_FAILED_DETAIL_TYPE = 'GuardDuty Malware Protection Post Scan Action Failed';

/** Every health detail-type we read, in the order of the table above. */
export const HEALTH_DETAIL_TYPES: readonly string[] = [
  RUNTIME_UNHEALTHY_DETAIL_TYPE,
  RUNTIME_HEALTHY_DETAIL_TYPE,
  `${PLAN_STATUS_DETAIL_TYPE_PREFIX}Error`,
  `${PLAN_STATUS_DETAIL_TYPE_PREFIX}Warning`,
  `${PLAN_STATUS_DETAIL_TYPE_PREFIX}Active`,
  POST_SCAN_ACTION_FAILED_DETAIL_TYPE,
];

/** Our notice types, one per detail-type above (same order). Documented in docs/finding-shapes.md. */
export const HEALTH_TYPES = [
  'Health:RuntimeProtection/Unhealthy',
  'Health:RuntimeProtection/Healthy',
  'Health:MalwareProtectionPlan/Error',
  'Health:MalwareProtectionPlan/Warning',
  'Health:MalwareProtectionPlan/Active',
  'Health:MalwareProtectionPostScanAction/Failed',
] as const;

export function isHealthDetailType(detailType: string): boolean {
  return HEALTH_DETAIL_TYPES.includes(detailType);
}

/** Reasons shown: the first few say what to fix. */
const MAX_REASONS = 5;
const REASON_MAX = 500;

export interface HealthEnvelope {
  readonly accountId?: string;
  readonly region?: string;
  readonly time?: unknown;
  readonly resources?: unknown;
}

/** A health event's `detail` → a notice; `detailType` is one of HEALTH_DETAIL_TYPES. */
export function normaliseHealthEvent(detailType: string, detail: JsonObject, envelope: HealthEnvelope): Finding {
  if (detailType === RUNTIME_HEALTHY_DETAIL_TYPE || detailType === RUNTIME_UNHEALTHY_DETAIL_TYPE) {
    return runtimeCoverage(detailType === RUNTIME_HEALTHY_DETAIL_TYPE, detail, envelope);
  }
  return malwareProtection(detailType, detail, envelope);
}

/** Runtime Monitoring's resource kinds: the GuardDuty resource type names findings use, and words for people. */
const RUNTIME_RESOURCES: Readonly<Record<string, { type: string; words: string }>> = {
  EC2: { type: 'Instance', words: 'EC2 instance' },
  ECS: { type: 'ECSCluster', words: 'ECS cluster' },
  EKS: { type: 'EKSCluster', words: 'EKS cluster' },
};

function runtimeCoverage(healthy: boolean, detail: JsonObject, envelope: HealthEnvelope): Finding {
  const resourceDetails = getObject(detail, 'resourceDetails');
  const kind = getText(resourceDetails, 'resourceType')?.toUpperCase() ?? '';
  const known = Object.hasOwn(RUNTIME_RESOURCES, kind) ? RUNTIME_RESOURCES[kind] : undefined;
  const ec2 = getObject(resourceDetails, 'ec2InstanceDetails');
  const ecs = getObject(resourceDetails, 'ecsClusterDetails');
  const eks = getObject(resourceDetails, 'eksClusterDetails');
  const name = getText(ec2, 'instanceId') ?? getText(ecs, 'clusterName') ?? getText(eks, 'clusterName') ?? getText(detail, 'resourceId');
  const fargate = getObject(ecs, 'fargateDetails');
  const reasons = reasonList([get(detail, 'issue'), ...(getArray(fargate, 'issues') ?? []), ...(getArray(detail, 'issues') ?? [])]);
  const status = getText(detail, 'currentStatus') ?? (healthy ? 'Healthy' : 'Unhealthy');
  const previousStatus = getText(detail, 'previousStatus');
  const words = known?.words ?? (kind === '' ? 'resource' : `${kind} resource`);

  // The status change and the reasons are the notice's own section (render/finding-facts.ts detailSections).
  const details = new DetailList()
    .add('Instance type', getText(ec2, 'instanceType'))
    .add('Cluster', getText(ec2, 'clusterArn'))
    .add('Agent version', getText(getObject(ec2, 'agentDetails'), 'version') ?? getText(getObject(eks, 'addonDetails'), 'addonVersion'))
    .add('Management', getText(ec2, 'managementType') ?? getText(fargate, 'managementType') ?? getText(eks, 'managementType'))
    .add('Covered container instances', coveredInstances(getObject(ecs, 'containerInstanceDetails')));

  const title = healthy
    ? `Runtime Monitoring healthy again on ${words} ${name ?? ''}`.trim()
    : `Runtime Monitoring unhealthy on ${words} ${name ?? ''}`.trim();
  const description = healthy
    ? `GuardDuty Runtime Monitoring covers this ${words} again: its coverage status is ${status}.`
    : `GuardDuty can no longer monitor the runtime behaviour of this ${words} (coverage status ${status}) and raises no Runtime Monitoring findings for it until it is healthy again.` +
      (reasons.length > 0 ? ` Reason: ${reasons[0]}` : ' GuardDuty gave no reason; see the coverage page of the GuardDuty console.');
  return notice({
    subject: 'RuntimeProtection',
    word: healthy ? 'Healthy' : 'Unhealthy',
    healthy,
    status,
    previousStatus,
    reasons,
    resourceKey: `${kind || 'resource'}/${name ?? 'unknown'}`,
    resource: details.build(known?.type ?? (kind === '' ? 'Resource' : kind), name ?? words),
    title,
    description,
    feature: 'RuntimeMonitoring',
    accountId: getText(detail, 'resourceAccountId') ?? getText(detail, 'accountId') ?? envelope.accountId,
    updatedAt: toIsoTimestamp(get(detail, 'lastUpdatedAt')) ?? toIsoTimestamp(envelope.time),
    detail,
    envelope,
  });
}

function coveredInstances(details: JsonObject | undefined): string | undefined {
  const covered = getNumber(details, 'coveredContainerInstances');
  const compatible = getNumber(details, 'compatibleContainerInstances');
  if (covered === undefined || compatible === undefined || compatible === 0) return undefined;
  return `${covered} of ${compatible}`;
}

/** Plan status words (`Resource Status Error` …) and what each means. Source: the user guide's protected bucket status page. */
const PLAN_STATUSES: Readonly<Record<string, { word: string; healthy: boolean; meaning: string }>> = {
  ACTIVE: { word: 'Active', healthy: true, meaning: 'Malware Protection for S3 scans new objects in this bucket again.' },
  WARNING: {
    word: 'Warning',
    healthy: false,
    meaning: 'Malware Protection for S3 may not scan every new object in this bucket: the protection plan needs attention.',
  },
  ERROR: {
    word: 'Error',
    healthy: false,
    meaning: 'Malware Protection for S3 does not scan new objects in this bucket: the protection plan is in error.',
  },
};

function malwareProtection(detailType: string, detail: JsonObject, envelope: HealthEnvelope): Finding {
  const planArn = (Array.isArray(envelope.resources) ? envelope.resources : [])
    .map((r) => (typeof r === 'string' ? r : undefined))
    .find((r) => r !== undefined && r.includes(':malware-protection-plan/'));
  const plan = planArn === undefined ? undefined : (parseArn(planArn)?.resource?.replace(/^malware-protection-plan\//, '') ?? planArn);
  const object = getObject(detail, 's3ObjectDetails');
  const bucket = getText(getObject(detail, 's3BucketDetails'), 'bucketName') ?? getText(object, 'bucketName');
  const key = getText(object, 'objectKey');
  const reasons = reasonList(getArray(detail, 'statusReasons') ?? getArray(detail, 'postScanActionFailureReasons') ?? [get(detail, 'statusReason')]);
  const where = bucket ?? plan ?? 'S3 bucket';
  const details = new DetailList().add('Bucket', bucket).add('Object', key).add('Protection plan', plan);

  if (detailType === POST_SCAN_ACTION_FAILED_DETAIL_TYPE) {
    details.add('Failed actions', actionNames(getArray(detail, 'postScanActions') ?? getArray(detail, 'failedPostScanActions')));
    return notice({
      subject: 'MalwareProtectionPostScanAction',
      word: 'Failed',
      healthy: false,
      status: 'FAILED',
      previousStatus: undefined,
      reasons,
      resourceKey: `${bucket ?? plan ?? 'unknown'}`,
      resource: details.build('S3Bucket', where),
      title: `Malware Protection could not tag a scanned object in ${where}`,
      description:
        'GuardDuty scanned an object but could not apply the post-scan action (tagging) of its Malware Protection plan: anything that relies on the scan tags (bucket policies, pipelines) does not see the result.' +
        (reasons.length > 0 ? ` Reason: ${reasons[0]}` : ''),
      feature: 'S3MalwareProtection',
      accountId: envelope.accountId,
      updatedAt: toIsoTimestamp(get(detail, 'eventTime')) ?? toIsoTimestamp(envelope.time),
      detail,
      envelope,
    });
  }
  const statusText = (getText(detail, 'resourceStatus') ?? detailType.slice(PLAN_STATUS_DETAIL_TYPE_PREFIX.length)).trim().toUpperCase();
  const meaning = Object.hasOwn(PLAN_STATUSES, statusText) ? PLAN_STATUSES[statusText]! : PLAN_STATUSES.ERROR!;
  return notice({
    subject: 'MalwareProtectionPlan',
    word: meaning.word,
    healthy: meaning.healthy,
    status: statusText,
    previousStatus: undefined,
    reasons,
    resourceKey: `${bucket ?? plan ?? 'unknown'}`,
    resource: details.build('S3Bucket', where),
    title: meaning.healthy ? `Malware Protection for S3 active again on ${where}` : `Malware Protection for S3 ${meaning.word.toLowerCase()} on ${where}`,
    description: meaning.meaning + (reasons.length > 0 && !meaning.healthy ? ` Reason: ${reasons[0]}` : ''),
    feature: 'S3MalwareProtection',
    accountId: envelope.accountId,
    updatedAt: toIsoTimestamp(get(detail, 'eventTime')) ?? toIsoTimestamp(envelope.time),
    detail,
    envelope,
  });
}

function actionNames(actions: readonly unknown[] | undefined): string | undefined {
  const names = (actions ?? [])
    .slice(0, MAX_REASONS)
    .map((action) => text(action) ?? getText(action, 'name') ?? getText(action, 'actionType'))
    .filter((name): name is string => name !== undefined);
  return names.length === 0 ? undefined : names.join(', ');
}

/** Reasons as text: strings as they are, `{ code, message }` objects as `code: message`; blanks and repeats dropped. */
function reasonList(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const value of values.slice(0, 50)) {
    let reason: string | undefined;
    if (isObject(value)) {
      const code = getText(value, 'code') ?? getText(value, 'reasonCode');
      const message = getText(value, 'message') ?? getText(value, 'description') ?? getText(value, 'reason');
      reason = code !== undefined && message !== undefined ? `${code}: ${message}` : (code ?? message);
    } else {
      reason = text(value);
    }
    if (reason === undefined || reason.trim() === '') continue;
    const cut = reason.length > REASON_MAX ? `${reason.slice(0, REASON_MAX)}…` : reason;
    if (!out.includes(cut)) out.push(cut);
    if (out.length >= MAX_REASONS) break;
  }
  return out;
}

interface NoticeParts {
  subject: string;
  word: string;
  healthy: boolean;
  status: string;
  previousStatus: string | undefined;
  reasons: string[];
  resourceKey: string;
  resource: Finding['resource'];
  title: string;
  description: string;
  feature: string;
  accountId: string | undefined;
  updatedAt: string | undefined;
  detail: JsonObject;
  envelope: HealthEnvelope;
}

function notice(parts: NoticeParts): Finding {
  const type = `Health:${parts.subject}/${parts.word}`;
  const region = parts.envelope.region;
  const health: { -readonly [K in keyof HealthSummary]: HealthSummary[K] } = {
    subject: parts.subject,
    status: parts.status,
    healthy: parts.healthy,
    reasons: Object.freeze(parts.reasons.slice()),
  };
  if (parts.previousStatus !== undefined) health.previousStatus = parts.previousStatus;
  const time = toIsoTimestamp(parts.envelope.time);
  return sealFinding(
    {
      format: 'health',
      product: 'GuardDuty',
      id: `health:${parts.subject}:${parts.accountId ?? 'unknown-account'}:${region ?? 'unknown-region'}:${parts.resourceKey}`,
      type,
      typeParts: parseFindingType(type),
      title: parts.title,
      description: parts.description,
      severity: null,
      band: parts.healthy ? SEVERITY_BANDS[3] : SEVERITY_BANDS[2],
      partition: 'aws',
      count: 1,
      archived: false,
      sample: false,
      resource: parts.resource,
      action: Object.freeze({}),
      raw: parts.detail,
    },
    {
      accountId: parts.accountId,
      region,
      // The status changed at lastUpdatedAt; the event was sent at `time`, moments later.
      createdAt: parts.updatedAt ?? time,
      updatedAt: parts.updatedAt ?? time,
      feature: parts.feature,
      health: Object.freeze(health),
    },
  );
}
