/**
 * A look-up in a constant table by a key that comes from a finding (attacker-controlled text). `table[key]` on a plain
 * object would also find Object.prototype's members: a resource type `constructor` would "find" the `Object` function,
 * `__proto__` the prototype itself. Only the table's own entries count here.
 *
 * @example
 * ownEntry(SUMMARISERS, type.toLowerCase()) // undefined for 'constructor', 'tostring', '__proto__'
 */
export function ownEntry<V>(table: Readonly<Record<string, V>>, key: string | undefined): V | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
