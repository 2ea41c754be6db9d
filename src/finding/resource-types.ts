/**
 * The resource types a Finding's `resource.type` takes for GuardDuty findings, however they arrive: GuardDuty's own
 * `resource.resourceType` values (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-summary.html,
 * "Resource type"), S3Object for Malware Protection for S3 scan results (ours: the event has none), Container for
 * runtime findings without a cluster, and the ASFF / OCSF resource types mapped back to these by the parsers
 * (asff-resource-summary.ts, parse-ocsf.ts). Findings of other products keep their ASFF type (`AwsEc2Instance`, …).
 * Route and mute `resourceTypes` compare case-insensitively (policy/match.ts).
 */
export const GUARDDUTY_RESOURCE_TYPES = [
  'Instance',
  'AccessKey',
  'S3Bucket',
  'S3Object',
  'EKSCluster',
  'ECSCluster',
  'Container',
  'Lambda',
  'RDSDBInstance',
] as const;

/** A Security Hub (ASFF) resource type, which findings of other products keep: `AwsEc2Instance`, `AwsS3Bucket`, … */
export const ASFF_RESOURCE_TYPE = /^Aws[A-Z][A-Za-z0-9]+$/;
