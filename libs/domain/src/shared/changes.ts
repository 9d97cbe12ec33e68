/**
 * The entries of `changes` (among `keys`) whose value differs from `current`'s. Values are compared
 * deeply and regardless of key order, so a resubmitted price or weekly plan is not recorded as a change.
 */
export function changedFields<T extends object>(keys: readonly (keyof T)[], current: T, changes: Partial<T>): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of keys) {
    if (!(key in changes) || changes[key] === undefined) continue;
    if (!deepEqual(changes[key], current[key])) changed[key] = changes[key];
  }
  return changed;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const aKeys = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bKeys = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return aKeys.length === bKeys.length && aKeys.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
