/**
 * Case-tolerant readers for JSON findings.
 *
 * GuardDuty's REST API and EventBridge use camelCase members (`remoteIpDetails`); the AWS SDK v3, boto3 and the
 * AWS CLI print the same members in PascalCase (`RemoteIpDetails`). Rather than rewriting whole documents (slow, and
 * it would lose the raw finding we must keep), every read looks a member up under both spellings.
 * Source for the two spellings: the `jsonName` traits of the GuardDuty model in `@aws-sdk/client-guardduty`
 * (camelCase on the wire, PascalCase member names in the SDK).
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Pascal spellings, computed once per member name. The set of names is the fixed set this module's callers ask for,
 * so the cache stays small; strings from documents never become keys here.
 */
const pascalCache = new Map<string, string>();

function pascalOf(camel: string): string {
  let pascal = pascalCache.get(camel);
  if (pascal === undefined) {
    pascal = camel.charAt(0).toUpperCase() + camel.slice(1);
    pascalCache.set(camel, pascal);
  }
  return pascal;
}

/** `obj.camel ?? obj.Pascal`; undefined when `obj` is not an object. `null` members read as undefined. */
export function get(obj: unknown, camel: string): unknown {
  if (!isObject(obj)) return undefined;
  const value = obj[camel];
  if (value !== undefined && value !== null) return value;
  const pascal = obj[pascalOf(camel)];
  return pascal === null ? undefined : pascal;
}

/** Follows a chain of members, each under either spelling: `dig(finding, 'service', 'action', 'actionType')`. */
export function dig(obj: unknown, ...camels: string[]): unknown {
  let current = obj;
  for (const camel of camels) {
    current = get(current, camel);
    if (current === undefined) return undefined;
  }
  return current;
}

export function getObject(obj: unknown, camel: string): JsonObject | undefined {
  const value = get(obj, camel);
  return isObject(value) ? value : undefined;
}

export function getArray(obj: unknown, camel: string): readonly unknown[] | undefined {
  const value = get(obj, camel);
  return Array.isArray(value) ? value : undefined;
}

export function getText(obj: unknown, camel: string): string | undefined {
  return text(get(obj, camel));
}

export function getNumber(obj: unknown, camel: string): number | undefined {
  return numeric(get(obj, camel));
}

export function getBoolean(obj: unknown, camel: string): boolean | undefined {
  return boolean(get(obj, camel));
}

/**
 * A non-blank string as is, a finite number as its decimal text (ASNs and ports arrive both ways), else undefined.
 * Whitespace-only strings count as missing so that a title of `"  "` falls back like a missing one.
 */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A decimal number as JSON writes one (`8`, `8.0`, `-1`, `.5`, `1e1`): not `0x8`, `0b1`, `0o7` or `Infinity`. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A finite number, or a string holding one in decimal (`"8.0"`, `" 5 "`); anything else is undefined. `Number()`
 * alone would also read `"0x8"` as 8: a severity written in hex is not a severity anyone meant.
 */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!DECIMAL.test(trimmed)) return undefined;
    const parsed = Number(trimmed);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/**
 * true/false, or the strings "true"/"false" in any case: Security Hub ProductFields carry every GuardDuty value as
 * a string, and some exports (stix-shifter's recorded findings) print `"Archived": "false"`.
 */
export function boolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

/** The first argument that is not undefined. */
export function firstDefined<T>(...values: Array<T | undefined>): T | undefined {
  for (const value of values) if (value !== undefined) return value;
  return undefined;
}
