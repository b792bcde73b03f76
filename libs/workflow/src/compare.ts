import { DateTime } from 'luxon';

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE_PREFIX = /^\d{4}-\d{2}-\d{2}/;
const MAX_DEPTH = 64;

/** A finite number, or a numeric string (Debezium sends NUMERIC columns as strings: "120.50"). */
export const toNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (!NUMERIC.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
};

/** Epoch ms of an ISO (or SQL-style `2026-03-08 10:00:00`) date string; a zone-less time counts as UTC. */
export const toDateMs = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (!ISO_DATE_PREFIX.test(s)) return undefined;
  let d = DateTime.fromISO(s, { zone: 'utc' });
  if (!d.isValid) d = DateTime.fromSQL(s, { zone: 'utc' });
  return d.isValid ? d.toMillis() : undefined;
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Structural equality of JSON-like data; too deep counts as different. */
export const deepEqual = (a: unknown, b: unknown, depth = 0): boolean => {
  if (a === b) return true;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i], depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k], depth + 1));
  }
  return false;
};

/** Equality as a business user means it: a missing value equals null, and 120.5 equals "120.50". */
export const looseEquals = (a: unknown, b: unknown): boolean => {
  const x = a ?? null;
  const y = b ?? null;
  if (x === y) return true;
  if (typeof x === 'number' && typeof y === 'string') return toNumber(y) === x;
  if (typeof x === 'string' && typeof y === 'number') return toNumber(x) === y;
  if (typeof x === 'object' && typeof y === 'object') return deepEqual(x, y);
  return false;
};

/** -1/0/1 for numbers (or numeric strings), else for two dates; undefined when not comparable. */
export const compareOrdered = (a: unknown, b: unknown): -1 | 0 | 1 | undefined => {
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  const da = toDateMs(a);
  const db = toDateMs(b);
  if (da !== undefined && db !== undefined) return da < db ? -1 : da > db ? 1 : 0;
  return undefined;
};

export const isEmptyValue = (v: unknown): boolean => {
  if (v === null || v === undefined || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
};

/** Case-insensitive substring for text, membership for lists. */
export const containsValue = (haystack: unknown, needle: unknown): boolean => {
  if (Array.isArray(haystack)) {
    return haystack.some((el) => (typeof el === 'string' && typeof needle === 'string' ? el.toLowerCase() === needle.toLowerCase() : looseEquals(el, needle)));
  }
  if (typeof needle !== 'string' && typeof needle !== 'number' && typeof needle !== 'boolean') return false;
  if (typeof haystack === 'string' || typeof haystack === 'number') {
    return String(haystack).toLowerCase().includes(String(needle).toLowerCase());
  }
  return false;
};
