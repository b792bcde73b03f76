/**
 * Debezium's JSON converter (schemas disabled) encodes some PostgreSQL types in ways the
 * rest of the system should not see: `date` as days since the epoch, `time` as micro- or
 * milliseconds since midnight, `jsonb` as a JSON string. Normalize the columns we know.
 */
const DATE_COLUMNS = new Set(['due_date', 'valid_until']);
const TIME_COLUMNS = new Set(['quiet_hours_start', 'quiet_hours_end']);
const JSON_COLUMNS = new Set(['definition', 'trigger_config', 'published_definition', 'settings']);

const pad = (n: number): string => String(n).padStart(2, '0');

/** Days since the epoch of 0000-01-01 and 9999-12-31: outside, an ISO date needs a sign (left as is). */
const MIN_EPOCH_DAY = -719_528;
const MAX_EPOCH_DAY = 2_932_896;

export const debeziumDate = (v: unknown): unknown => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_EPOCH_DAY || v > MAX_EPOCH_DAY) return v;
  return new Date(v * 86_400_000).toISOString().slice(0, 10);
};

/**
 * `time` columns: the connector runs with time.precision.mode=adaptive, where a plain `time` (= time(6))
 * arrives as microseconds since midnight. Guessing the unit from the size would misread 00:00:30
 * (30,000,000 µs) as milliseconds, so the unit is fixed.
 */
export const debeziumTime = (v: unknown): unknown => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return v;
  const s = Math.floor(v / 1_000_000) % 86_400;
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
};

export const normalizeRow = (row: Record<string, unknown> | null): Record<string, unknown> | null => {
  if (row === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    // a JSON key "__proto__" would replace the prototype of `out`; no table has such a column
    if (k === '__proto__') continue;
    if (DATE_COLUMNS.has(k)) out[k] = debeziumDate(v);
    else if (TIME_COLUMNS.has(k)) out[k] = debeziumTime(v);
    else if (JSON_COLUMNS.has(k) && typeof v === 'string') {
      try {
        out[k] = JSON.parse(v);
      } catch {
        out[k] = v;
      }
    } else out[k] = v;
  }
  return out;
};
