/**
 * Pieces of an ARN: `arn:partition:service:region:account-id:resource`.
 * Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 * Only the colon positions are used; no validation beyond "starts with arn:", because findings carry placeholder
 * ARNs (`arn:aws:guardduty:us-east-2:id:detector/...`) that must still yield what they can.
 */
export interface ArnParts {
  readonly partition?: string;
  readonly service?: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly resource?: string;
}

export function parseArn(arn: string | undefined): ArnParts | undefined {
  if (arn === undefined || !arn.startsWith('arn:')) return undefined;
  // indexOf rather than split: this runs for every finding, and the resource part can be long.
  const parts: { -readonly [K in keyof ArnParts]: string } = {};
  let start = 4;
  const names = ['partition', 'service', 'region', 'accountId'] as const;
  for (const name of names) {
    const end = arn.indexOf(':', start);
    const field = end < 0 ? arn.slice(start) : arn.slice(start, end);
    if (field !== '') parts[name] = field;
    if (end < 0) return parts;
    start = end + 1;
  }
  parts.resource = arn.slice(start);
  return parts;
}

/** The GuardDuty finding id at the end of a finding ARN (`.../detector/<detector>/finding/<id>`). */
export function findingIdFromArn(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined;
  const at = arn.lastIndexOf('/finding/');
  if (at < 0) return undefined;
  const id = arn.slice(at + '/finding/'.length);
  return id === '' ? undefined : id;
}

/** The part after the last `/` (or `:` when there is no `/`): `arn:aws:lambda:...:function:my-fn` → `my-fn`. */
export function lastSegment(value: string): string {
  const slash = value.lastIndexOf('/');
  if (slash >= 0) return value.slice(slash + 1);
  const colon = value.lastIndexOf(':');
  return colon >= 0 ? value.slice(colon + 1) : value;
}
