/**
 * Deep copies for the in-memory store, which like a database hands out and takes in copies. Its rows are plain data
 * (objects, arrays, strings, numbers, booleans, null, undefined); a rendered Slack message is hundreds of nodes, and
 * `structuredClone` (a round trip through V8's serializer) costs about six times what walking them does. Anything
 * that is not plain data (a Date, a Map, a typed array, an object with a class) and anything nested deeper than
 * MAX_PLAIN_DEPTH (a cycle) is handed to `structuredClone`, so the result is what `structuredClone` gives: own
 * enumerable string keys, a `__proto__` key kept as data, functions and symbols refused.
 */

/** Far deeper than any row; past it the rest is `structuredClone`'s, which also copies cycles. */
const MAX_PLAIN_DEPTH = 64;

function copyAt<T>(value: T, depth: number): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return value;
  if (typeof value !== 'object' || depth > MAX_PLAIN_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) return value.map((item: unknown) => copyAt(item, depth + 1)) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copyAt((value as Record<string, unknown>)[key], depth + 1);
    // `out[key] = …` with the key `__proto__` would set the copy's prototype instead of a key.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out as T;
}

/**
 * @example
 * outboxRows.set(row.id, copyPlain(row));
 */
export function copyPlain<T>(value: T): T {
  return copyAt(value, 0);
}
