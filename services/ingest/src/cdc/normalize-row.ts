/**
 * Debezium's JSON converter (schemas disabled) encodes some PostgreSQL types in ways the
 * rest of the system should not see: `date` as days since the epoch, `time` as micro- or
 * milliseconds since midnight, `jsonb` as a JSON string. Normalize the columns we know.
 */
const DATE_COLUMNS = new Set(['due_date', 'valid_until']);
const TIME_COLUMNS = new Set(['quiet_hours_start', 'quiet_hours_end']);
const JSON_COLUMNS = new Set(['definition', 'trigger_config', 'published_definition', 'settings']);

const pad = (n: number): string => String(n).padStart(2, '0');

export const debeziumDate = (v: unknown): unknown => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  return new Date(v * 86_400_000).toISOString().slice(0, 10);
};

export const debeziumTime = (v: unknown): unknown => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  // adaptive mode: time(6) arrives as microseconds; tolerate milliseconds too
  const ms = v > 86_400_000 ? Math.floor(v / 1000) : v;
  const s = Math.floor(ms / 1000);
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
};

export const normalizeRow = (row: Record<string, unknown> | null): Record<string, unknown> | null => {
  if (row === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
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
