import { formatDateOnly, formatDateTime, formatMoney, safeLocale, toDateTime } from './template-filters';

const us = { locale: 'en-US', timeZone: 'America/New_York' };
const de = { locale: 'de_DE', timeZone: 'Europe/Berlin', currency: 'EUR' };
const nbsp = (s: string): string => s.replace(/\u00a0|\u202f/g, ' ');

describe('safeLocale', () => {
  it('normalizes and falls back', () => {
    expect(safeLocale('de_DE')).toBe('de-DE');
    expect(safeLocale('fr-ca')).toBe('fr-CA');
    expect(safeLocale('not a locale!')).toBe('en-US');
  });
});

describe('formatMoney', () => {
  it('formats numbers and numeric strings in the locale', () => {
    expect(formatMoney('120.50', undefined, us)).toBe('$120.50');
    expect(formatMoney(1234.5, 'EUR', us)).toBe('€1,234.50');
    expect(nbsp(formatMoney('1234.5', undefined, de))).toBe('1.234,50 €');
    expect(formatMoney(5, 'usd', us)).toBe('$5.00');
  });
  it('passes through what is not a number', () => {
    expect(formatMoney(null, undefined, us)).toBe('');
    expect(formatMoney('', undefined, us)).toBe('');
    expect(formatMoney('n/a', undefined, us)).toBe('n/a');
  });
  it('rejects a bad currency code with a clear reason', () => {
    expect(() => formatMoney(1, 'dollars', us)).toThrow(/not a currency code/);
  });
});

describe('toDateTime', () => {
  it('reads ISO, SQL-style, epoch ms and Date', () => {
    expect(toDateTime('2026-03-08T15:00:00Z', 'America/New_York')?.toISO()).toBe('2026-03-08T11:00:00.000-04:00');
    expect(toDateTime('2026-03-08 15:00:00', 'UTC')?.toISO()).toBe('2026-03-08T15:00:00.000Z');
    expect(toDateTime(Date.UTC(2026, 0, 1), 'UTC')?.toISO()).toBe('2026-01-01T00:00:00.000Z');
    expect(toDateTime(String(Date.UTC(2026, 0, 1)), 'UTC')?.toISO()).toBe('2026-01-01T00:00:00.000Z');
    expect(toDateTime(new Date(Date.UTC(2026, 0, 1)), 'UTC')?.toISO()).toBe('2026-01-01T00:00:00.000Z');
    expect(toDateTime('garbage', 'UTC')).toBeUndefined();
    expect(toDateTime({}, 'UTC')).toBeUndefined();
  });
  it('falls back to UTC for an unknown zone', () => {
    expect(toDateTime('2026-03-08T15:00:00Z', 'Mars/Base')?.zoneName).toBe('UTC');
  });
});

describe('formatDateTime / formatDateOnly', () => {
  it('formats in the recipient zone and locale', () => {
    expect(nbsp(formatDateTime('2026-03-08T15:00:00Z', undefined, us))).toBe('Mar 8, 2026, 11:00 AM');
    expect(formatDateTime('2026-03-08T15:00:00Z', 'short', { locale: 'de-DE', timeZone: 'Europe/Berlin' })).toBe('8.3.2026, 16:00');
    expect(formatDateTime('2026-03-08T15:00:00Z', 'yyyy-MM-dd HH:mm ZZZZ', us)).toBe('2026-03-08 11:00 EDT');
    expect(formatDateOnly('2026-03-09T02:00:00Z', undefined, us)).toBe('Mar 8, 2026');
    expect(formatDateOnly('2026-03-09T02:00:00Z', 'long', { locale: 'fr-FR', timeZone: 'Europe/Paris' })).toBe('9 mars 2026');
  });
  it('shows unparseable values as they are and empties as empty', () => {
    expect(formatDateTime('soon', undefined, us)).toBe('soon');
    expect(formatDateOnly(undefined, undefined, us)).toBe('');
  });
});
