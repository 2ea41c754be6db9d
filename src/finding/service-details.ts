import { get, getArray, getNumber, getObject, getText, isObject, text } from './keys.js';
import type { DetailList } from './detail-list.js';

/**
 * Facts about the affected resource that GuardDuty files under `service` rather than `resource`: the process a
 * Runtime Monitoring finding saw, the malware a scan found, the login behind an RDS finding, the resources an API
 * call touched. They are added to the resource's labelled details whatever the resource type.
 */
export function addServiceDetails(details: DetailList, service: unknown): void {
  addRuntimeDetails(details, getObject(service, 'runtimeDetails'));
  addMalwareDetails(details, service);
  const action = getObject(service, 'action');
  addLoginAttempt(details, getObject(action, 'rdsLoginAttemptAction'));
  addAffectedResources(details, getObject(getObject(action, 'awsApiCallAction'), 'affectedResources'));
}

/**
 * Runtime Monitoring: `service.runtimeDetails.process` (name, executablePath, user, pid) and `.context`
 * (commandLineExample, scriptPath, ...). ProcessDetails has no command line; `commandLine` is read in case a
 * producer adds one. Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RuntimeDetails.html
 */
function addRuntimeDetails(details: DetailList, runtime: Record<string, unknown> | undefined): void {
  if (runtime === undefined) return;
  const process = getObject(runtime, 'process');
  const context = getObject(runtime, 'context');
  details.add('Process', getText(process, 'name'));
  details.add('Executable', getText(process, 'executablePath'));
  details.add('Command line', getText(process, 'commandLine') ?? getText(context, 'commandLineExample'));
  details.add('Process user', getText(process, 'user'));
  details.add('Script', getText(context, 'scriptPath'));
  details.add('Tool', getText(context, 'toolName'));
}

const MAX_LISTED = 5;

/**
 * Malware Protection: EC2 scans report `service.ebsVolumeScanDetails.scanDetections` (threat names, infected file
 * count, highest severity threat); S3 / backup scans report `service.malwareScanDetails.threats[]`.
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_EbsVolumeScanDetails.html and
 * https://docs.aws.amazon.com/guardduty/latest/APIReference/API_MalwareScanDetails.html
 */
function addMalwareDetails(details: DetailList, service: unknown): void {
  const names: string[] = [];
  let firstFile: string | undefined;
  const detections = getObject(getObject(service, 'ebsVolumeScanDetails'), 'scanDetections');
  if (detections !== undefined) {
    for (const threat of getArray(getObject(detections, 'threatDetectedByName'), 'threatNames') ?? []) {
      const name = getText(threat, 'name');
      if (name !== undefined && !names.includes(name)) names.push(name);
      firstFile ??= getText(getArray(threat, 'filePaths')?.[0], 'filePath');
    }
    if (names.length === 0) {
      const highest = getText(getObject(detections, 'highestSeverityThreatDetails'), 'threatName');
      if (highest !== undefined) names.push(highest);
    }
    const infected = getNumber(getObject(detections, 'threatsDetectedItemCount'), 'files');
    if (infected !== undefined) details.add('Infected files', String(infected));
  }
  for (const threat of getArray(getObject(service, 'malwareScanDetails'), 'threats') ?? []) {
    const name = getText(threat, 'name');
    if (name !== undefined && !names.includes(name)) names.push(name);
    firstFile ??= getText(getArray(threat, 'itemPaths')?.[0], 'nestedItemPath');
  }
  if (names.length > 0) details.add('Malware', joinCapped(names));
  details.add('Infected file', firstFile);
}

/**
 * RDS Protection: `rdsLoginAttemptAction.loginAttributes[]` (user, application, failed / successful attempts).
 * Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_LoginAttribute.html
 */
function addLoginAttempt(details: DetailList, login: Record<string, unknown> | undefined): void {
  const first = getArray(login, 'loginAttributes')?.[0];
  if (!isObject(first)) return;
  details.add('Login user', getText(first, 'user'));
  details.add('Login application', getText(first, 'application'));
  details.add('Failed logins', text(get(first, 'failedLoginAttempts')));
  details.add('Successful logins', text(get(first, 'successfulLoginAttempts')));
}

/** `awsApiCallAction.affectedResources`: `{ "AWS::IAM::Role": "arn:..." }`. */
function addAffectedResources(details: DetailList, affected: Record<string, unknown> | undefined): void {
  if (affected === undefined) return;
  let listed = 0;
  for (const kind in affected) {
    if (!Object.hasOwn(affected, kind)) continue;
    const value = text(affected[kind]);
    if (value === undefined) continue;
    details.add('Affected resource', `${kind} ${value}`);
    if (++listed >= 2) break;
  }
}

export function joinCapped(values: readonly string[], max = MAX_LISTED): string {
  if (values.length <= max) return values.join(', ');
  return `${values.slice(0, max).join(', ')} (+${values.length - max} more)`;
}
