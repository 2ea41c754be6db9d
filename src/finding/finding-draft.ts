import type { Finding } from './finding.js';
import { numeric } from './keys.js';

/** A Finding under construction; `sealFinding` freezes it. */
export type FindingDraft = { -readonly [K in keyof Finding]: Finding[K] };

/** The members of Finding that may be absent. */
type OptionalField = { [K in keyof Finding]-?: undefined extends Finding[K] ? K : never }[keyof Finding];

export type OptionalFacts = { [K in OptionalField]?: Finding[K] | undefined };

/**
 * Sets the optional fields that have a value and freezes the result. Absent facts stay absent (no `key: undefined`),
 * so `Object.keys` and `'arn' in finding` tell renderers what is really known. `typeParts`, `resource` and `action`
 * are frozen by their builders; `raw` is the caller's document and is left as it is (freezing it would mean walking
 * the whole document, and it is not ours to freeze).
 */
export function sealFinding(draft: FindingDraft, optional: OptionalFacts): Finding {
  const target = draft as Record<string, unknown>;
  for (const key of Object.keys(optional) as OptionalField[]) {
    const value = optional[key];
    if (value !== undefined) target[key] = value;
  }
  return Object.freeze(draft);
}

/** `service.count`: how often GuardDuty saw the activity; 1 when absent or not a positive number. */
export function countOf(value: unknown): number {
  const count = numeric(value);
  return count === undefined || count < 1 ? 1 : Math.floor(count);
}
