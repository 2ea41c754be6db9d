import type { FindingTypeParts } from './finding.js';

/**
 * GuardDuty finding types read `ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`,
 * e.g. `Backdoor:EC2/C&CActivity.B!DNS`; every part after the purpose may be absent.
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-format.html
 */

const EMPTY_PARTS: FindingTypeParts = Object.freeze({});

/**
 * There are a few hundred finding types, and a burst of findings repeats the same few, so parsed parts are cached.
 * The cap keeps a stream of invented types (a hostile or broken producer) from growing memory without bound.
 */
const MAX_CACHED_TYPES = 2_000;
const partsCache = new Map<string, FindingTypeParts>();

export function parseFindingType(type: string): FindingTypeParts {
  const cached = partsCache.get(type);
  if (cached !== undefined) return cached;
  const parts = splitFindingType(type);
  if (partsCache.size < MAX_CACHED_TYPES) partsCache.set(type, parts);
  return parts;
}

function splitFindingType(type: string): FindingTypeParts {
  const colon = type.indexOf(':');
  if (colon <= 0) return EMPTY_PARTS;
  const parts: { -readonly [K in keyof FindingTypeParts]: string } = { threatPurpose: type.slice(0, colon) };
  const rest = type.slice(colon + 1);
  const slash = rest.indexOf('/');
  if (slash < 0) {
    if (rest !== '') parts.resourceType = rest;
    return Object.freeze(parts);
  }
  if (slash > 0) parts.resourceType = rest.slice(0, slash);
  let family = rest.slice(slash + 1);
  const bang = family.indexOf('!');
  if (bang >= 0) {
    const artifact = family.slice(bang + 1);
    if (artifact !== '') parts.artifact = artifact;
    family = family.slice(0, bang);
  }
  // ThreatFamilyName never contains a dot; the first dot starts the detection mechanism (`MaliciousIPCaller.Custom`).
  const dot = family.indexOf('.');
  if (dot >= 0) {
    const mechanism = family.slice(dot + 1);
    if (mechanism !== '') parts.detectionMechanism = mechanism;
    family = family.slice(0, dot);
  }
  if (family !== '') parts.family = family;
  return Object.freeze(parts);
}

/**
 * Recovers the GuardDuty finding type from an ASFF `Types` entry.
 *
 * Security Hub files GuardDuty findings under `Namespace/Category/Classifier` where the classifier is the GuardDuty
 * type with its `/` replaced, usually by `-` (`TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce`) and in some
 * events by `.` (`Software and Configuration Checks/Backdoor:EC2.C&CActivity.B`).
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/securityhub-integration.html and the Security Hub events
 * in the test corpus. ResourceTypeAffected is alphanumeric (EC2, IAMUser, S3, Kubernetes, Runtime...), so the first
 * `-` or `.` after it is the replaced slash.
 */
export function guardDutyTypeFromAsffType(asffType: string): string | undefined {
  const segments = asffType.split('/');
  const at = segments.findIndex((segment) => segment.includes(':'));
  if (at < 0) return undefined;
  const classifier = segments.slice(at).join('/');
  if (classifier.includes('/')) return classifier;
  const colon = classifier.indexOf(':');
  let end = colon + 1;
  while (end < classifier.length && isAlphanumeric(classifier.charCodeAt(end))) end++;
  if (end === colon + 1 || end >= classifier.length) return classifier;
  const separator = classifier[end];
  if (separator !== '-' && separator !== '.') return classifier;
  return `${classifier.slice(0, end)}/${classifier.slice(end + 1)}`;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}
