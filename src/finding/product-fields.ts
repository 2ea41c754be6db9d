import { isObject, type JsonObject } from './keys.js';

/**
 * Security Hub carries a GuardDuty finding's `service` section flattened into ASFF `ProductFields`, one string per
 * leaf: `aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/ipAddressV4: "198.51.100.7"`, arrays as
 * `portProbeDetails.0_/...`. Findings imported before 2020 use keys relative to `service` without the prefix
 * (`action/awsApiCallAction/api`, `count`, `archived`). This rebuilds the nested `service` object from either form so
 * the same readers serve the GuardDuty and the ASFF shapes. Values stay strings; the readers accept numeric and
 * boolean strings.
 * Source: https://docs.aws.amazon.com/guardduty/latest/ug/securityhub-integration.html
 */
const SERVICE_PREFIX = 'aws/guardduty/service/';

export function serviceFromProductFields(productFields: unknown): JsonObject {
  const service: JsonObject = {};
  if (!isObject(productFields)) return service;
  for (const key in productFields) {
    if (!Object.hasOwn(productFields, key)) continue;
    let relative: string;
    if (key.startsWith(SERVICE_PREFIX)) relative = key.slice(SERVICE_PREFIX.length);
    else if (key.startsWith('aws/')) continue; // aws/securityhub/..., and GuardDuty keys outside `service`
    else relative = key;
    if (relative !== '') place(service, relative.split('/'), productFields[key]);
  }
  return service;
}

function place(root: JsonObject, segments: string[], value: unknown): void {
  let container: JsonObject | unknown[] = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    // `name.0_` is element 0 of the array `name`.
    const indexed = parseIndexedSegment(segment);
    if (indexed !== undefined) {
      let array = readSlot(container, indexed.name);
      if (!Array.isArray(array)) {
        array = [];
        writeSlot(container, indexed.name, array);
      }
      container = descend(array as unknown[], indexed.index, last, value);
      if (last) return;
      continue;
    }
    if (last) {
      const existing = readSlot(container, segment);
      // A leaf that is also a branch (`additionalInfo` as JSON text and `additionalInfo/sample`) keeps the text as
      // `value`, which is where the API puts it too.
      if (isObject(existing)) {
        if (existing.value === undefined) existing.value = value;
      } else writeSlot(container, segment, value);
      return;
    }
    const next = readSlot(container, segment);
    if (isObject(next)) container = next;
    else {
      const branch: JsonObject = next === undefined ? {} : { value: next };
      writeSlot(container, segment, branch);
      container = branch;
    }
  }
}

function descend(array: unknown[], index: number, last: boolean, value: unknown): JsonObject | unknown[] {
  if (last) {
    array[index] = value;
    return array;
  }
  const element = array[index];
  if (isObject(element)) return element;
  const branch: JsonObject = {};
  array[index] = branch;
  return branch;
}

/** Array indexes are capped: ProductFields hold a handful of elements, and a huge index would allocate a huge array. */
const MAX_INDEX = 1_000;

function parseIndexedSegment(segment: string): { name: string; index: number } | undefined {
  if (!segment.endsWith('_')) return undefined;
  const dot = segment.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const digits = segment.slice(dot + 1, -1);
  if (digits === '' || digits.length > 4) return undefined;
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    if (code < 48 || code > 57) return undefined;
  }
  const index = Number(digits);
  return index > MAX_INDEX ? undefined : { name: segment.slice(0, dot), index };
}

function readSlot(container: JsonObject | unknown[], key: string): unknown {
  return Array.isArray(container) ? undefined : Object.hasOwn(container, key) ? container[key] : undefined;
}

function writeSlot(container: JsonObject | unknown[], key: string, value: unknown): void {
  if (Array.isArray(container)) return;
  // A key named `__proto__` must become a plain member, not change the prototype.
  if (key === '__proto__') Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
  else container[key] = value;
}
