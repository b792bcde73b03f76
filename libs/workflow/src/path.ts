/** Keys that would reach the prototype chain; a path through them resolves to nothing. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const isSafeKey = (key: string): boolean => !FORBIDDEN_KEYS.has(key);

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Reads one own property; never the prototype chain, never a getter that throws. */
export const readOwn = (value: unknown, key: string): unknown => {
  if (value === null || typeof value !== 'object' || !isSafeKey(key)) return undefined;
  try {
    if (Array.isArray(value)) {
      if (!/^(0|[1-9][0-9]*)$/.test(key)) return undefined;
      return hasOwn(value, key) ? (value[Number(key)] as unknown) : undefined;
    }
    return hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Resolves a dotted path (`after.status`, `vars.api.total`, `job.items.0.name`) over plain data.
 * Only own properties are followed, so user-written paths cannot reach `__proto__` or `constructor`.
 */
export const getPath = (scope: unknown, path: string): unknown => {
  if (typeof path !== 'string' || path === '') return undefined;
  let current: unknown = scope;
  for (const key of path.split('.')) {
    current = readOwn(current, key);
    if (current === undefined) return undefined;
  }
  return current;
};
