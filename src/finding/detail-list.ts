import type { ResourceSummary } from './finding.js';
import { getArray, getText, isObject, text } from './keys.js';

/** Collects a resource's labelled details and tags, then freezes them into a ResourceSummary. */
export class DetailList {
  private readonly details: Array<readonly [string, string]> = [];
  private readonly tags: Record<string, string> = {};
  private tagCount = 0;

  /** Adds `[label, value]` unless the value is missing or blank, or the same pair is already there. */
  add(label: string, value: string | undefined): this {
    if (value === undefined || value.trim() === '') return this;
    for (const [existingLabel, existingValue] of this.details) {
      if (existingLabel === label && existingValue === value) return this;
    }
    this.details.push(Object.freeze([label, value] as const));
    return this;
  }

  /** GuardDuty tags: `[{ key, value }]` or `[{ Key, Value }]`; ASFF tags: `{ key: value }`. */
  addTags(tags: unknown): this {
    const list = Array.isArray(tags) ? tags : undefined;
    if (list !== undefined) {
      for (const tag of list) this.addTag(getText(tag, 'key'), getText(tag, 'value'));
    } else if (isObject(tags)) {
      for (const key in tags) if (Object.hasOwn(tags, key)) this.addTag(key, text(tags[key]));
    }
    return this;
  }

  /** Adds the tags of a GuardDuty details object (`instanceDetails.tags`, `lambdaDetails.tags`...). */
  addTagsOf(details: unknown): this {
    const tags = getArray(details, 'tags');
    return tags === undefined ? this : this.addTags(tags);
  }

  tag(key: string): string | undefined {
    return Object.hasOwn(this.tags, key) ? this.tags[key] : undefined;
  }

  /** Tags are attacker-influenced too; a thousand is far more than AWS allows (50 per resource) and bounds memory. */
  private addTag(key: string | undefined, value: string | undefined): void {
    if (key === undefined || this.tagCount >= 1_000) return;
    if (!Object.hasOwn(this.tags, key)) this.tagCount++;
    // A tag named `__proto__` must be a tag, not a prototype change.
    if (key === '__proto__') Object.defineProperty(this.tags, key, { value: value ?? '', enumerable: true, writable: true, configurable: true });
    else this.tags[key] = value ?? '';
  }

  build(type: string, summary: string): ResourceSummary {
    return Object.freeze({
      type,
      summary,
      details: Object.freeze(this.details.slice()),
      tags: Object.freeze(this.tags),
    });
  }
}
