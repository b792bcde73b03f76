import { DateTime } from 'luxon';
import { toNumber } from './compare';

/** Locale and zone of the recipient (or the organization), used by money and date filters. */
export interface RenderOptions {
  locale: string;
  timeZone: string;
  currency?: string;
}

/** Accepts `en_US` as well as `en-US`; an unusable locale falls back to en-US instead of failing a send. */
export const safeLocale = (locale: string): string => {
  try {
    return Intl.getCanonicalLocales(locale.replace(/_/g, '-'))[0] ?? 'en-US';
  } catch {
    return 'en-US';
  }
};

/** Shows a value that a filter could not use as it came (so the message still says something). */
const asText = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');

const CURRENCY = /^[A-Za-z]{3}$/;

/** `{{ invoice.total | money }}`, `{{ invoice.total | money: 'EUR' }}`; numeric strings accepted. */
export const formatMoney = (value: unknown, currency: unknown, opts: RenderOptions): string => {
  if (value === null || value === undefined || value === '') return '';
  const amount = toNumber(value);
  if (amount === undefined) return asText(value);
  const code = typeof currency === 'string' && currency !== '' ? currency : (opts.currency ?? 'USD');
  if (!CURRENCY.test(code)) throw new Error(`money: "${code}" is not a currency code (use a 3-letter code such as USD or EUR)`);
  return new Intl.NumberFormat(safeLocale(opts.locale), { style: 'currency', currency: code.toUpperCase() }).format(amount);
};

/** An ISO string, a SQL-style timestamp, epoch milliseconds or a Date, in the recipient's zone. */
export const toDateTime = (value: unknown, timeZone: string): DateTime | undefined => {
  let d: DateTime | undefined;
  if (value instanceof Date) d = DateTime.fromJSDate(value);
  else if (typeof value === 'number') d = DateTime.fromMillis(value);
  else if (typeof value === 'string' && value.trim() !== '') {
    const s = value.trim();
    const n = toNumber(s);
    d = n !== undefined && /^\d{10,}$/.test(s) ? DateTime.fromMillis(n) : DateTime.fromISO(s, { setZone: true });
    if (!d.isValid) d = DateTime.fromSQL(s, { zone: 'utc' });
  }
  if (!d?.isValid) return undefined;
  const zoned = d.setZone(timeZone);
  return zoned.isValid ? zoned : d.setZone('utc');
};

const DATETIME_PRESETS = {
  short: DateTime.DATETIME_SHORT,
  medium: DateTime.DATETIME_MED,
  long: DateTime.DATETIME_FULL,
  full: DateTime.DATETIME_HUGE,
} as const;
const DATE_PRESETS = {
  short: DateTime.DATE_SHORT,
  medium: DateTime.DATE_MED,
  long: DateTime.DATE_FULL,
  full: DateTime.DATE_HUGE,
} as const;

const formatWith = (
  value: unknown,
  format: unknown,
  opts: RenderOptions,
  presets: Record<string, Intl.DateTimeFormatOptions>,
  fallback: Intl.DateTimeFormatOptions,
): string => {
  if (value === null || value === undefined || value === '') return '';
  const d = toDateTime(value, opts.timeZone);
  if (!d) return asText(value);
  const localized = d.setLocale(safeLocale(opts.locale));
  if (typeof format === 'string' && format !== '') {
    const preset = Object.prototype.hasOwnProperty.call(presets, format) ? presets[format] : undefined;
    return preset ? localized.toLocaleString(preset) : localized.toFormat(format);
  }
  return localized.toLocaleString(fallback);
};

/** `{{ job.scheduled_start | datetime }}`, `| datetime: 'short'` or a luxon format such as `'yyyy-MM-dd HH:mm'`. */
export const formatDateTime = (value: unknown, format: unknown, opts: RenderOptions): string =>
  formatWith(value, format, opts, DATETIME_PRESETS, DateTime.DATETIME_MED);

/** `{{ invoice.due_date | date_only }}`: the calendar date in the recipient's zone. */
export const formatDateOnly = (value: unknown, format: unknown, opts: RenderOptions): string =>
  formatWith(value, format, opts, DATE_PRESETS, DateTime.DATE_MED);
