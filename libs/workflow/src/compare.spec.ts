import { compareOrdered, containsValue, deepEqual, isEmptyValue, looseEquals, toDateMs, toNumber } from './compare';

describe('toNumber', () => {
  it.each([
    [12, 12],
    ['120.50', 120.5],
    [' -3 ', -3],
    ['1e3', 1000],
    ['.5', 0.5],
  ])('%p → %p', (input, out) => expect(toNumber(input)).toBe(out));

  it.each([[''], ['abc'], ['0x1f'], ['Infinity'], [Number.NaN], [Infinity], [true], [null], [[1]], ['1,5']])('%p is not a number', (v) =>
    expect(toNumber(v)).toBeUndefined(),
  );
});

describe('toDateMs', () => {
  it('parses ISO and SQL-style strings, zone-less as UTC', () => {
    expect(toDateMs('2026-03-08T10:00:00Z')).toBe(Date.UTC(2026, 2, 8, 10));
    expect(toDateMs('2026-03-08T10:00:00-05:00')).toBe(Date.UTC(2026, 2, 8, 15));
    expect(toDateMs('2026-03-08')).toBe(Date.UTC(2026, 2, 8));
    expect(toDateMs('2026-03-08 10:00:00')).toBe(Date.UTC(2026, 2, 8, 10));
  });
  it('rejects what is not a date', () => {
    expect(toDateMs('2026')).toBeUndefined();
    expect(toDateMs('2026-13-45')).toBeUndefined();
    expect(toDateMs(1700000000000)).toBeUndefined();
    expect(toDateMs('tomorrow')).toBeUndefined();
  });
});

describe('looseEquals', () => {
  it('treats numbers and numeric strings as equal', () => {
    expect(looseEquals('120.50', 120.5)).toBe(true);
    expect(looseEquals(120.5, '120.50')).toBe(true);
    expect(looseEquals('120.51', 120.5)).toBe(false);
  });
  it('does not coerce two strings or booleans', () => {
    expect(looseEquals('01', '1')).toBe(false);
    expect(looseEquals('true', true)).toBe(false);
    expect(looseEquals('Done', 'done')).toBe(false);
  });
  it('treats missing as null and compares structures', () => {
    expect(looseEquals(undefined, null)).toBe(true);
    expect(looseEquals({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(looseEquals({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(looseEquals(null, 0)).toBe(false);
  });
});

describe('deepEqual', () => {
  it('compares nested data', () => {
    expect(deepEqual({ a: { b: [1, { c: 'x' }] } }, { a: { b: [1, { c: 'x' }] } })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1, c: undefined })).toBe(false);
    expect(deepEqual([1], { 0: 1 })).toBe(false);
    expect(deepEqual(undefined, null)).toBe(true);
  });
  it('gives up (not equal) on absurd depth instead of overflowing', () => {
    let a: unknown = 1;
    let b: unknown = 1;
    for (let i = 0; i < 1000; i++) {
      a = [a];
      b = [b];
    }
    expect(deepEqual(a, b)).toBe(false);
  });
});

describe('compareOrdered', () => {
  it('compares numbers and numeric strings', () => {
    expect(compareOrdered('100.00', 99)).toBe(1);
    expect(compareOrdered(5, '5.0')).toBe(0);
    expect(compareOrdered('2', '10')).toBe(-1);
  });
  it('compares ISO dates when both sides are dates', () => {
    expect(compareOrdered('2026-03-08T10:00:00Z', '2026-03-08T09:00:00-05:00')).toBe(-1);
    expect(compareOrdered('2026-03-08', '2026-03-08T00:00:00Z')).toBe(0);
  });
  it('is undefined for anything else', () => {
    expect(compareOrdered('abc', 'abd')).toBeUndefined();
    expect(compareOrdered(null, 1)).toBeUndefined();
    expect(compareOrdered('2026-03-08', 5)).toBeUndefined();
  });
});

describe('isEmptyValue / containsValue', () => {
  it('knows what empty means', () => {
    for (const v of [null, undefined, '', [], {}]) expect(isEmptyValue(v)).toBe(true);
    for (const v of [0, false, ' ', [0], { a: null }]) expect(isEmptyValue(v)).toBe(false);
  });
  it('contains is case-insensitive on text and membership on lists', () => {
    expect(containsValue('Leaking PIPE in kitchen', 'pipe')).toBe(true);
    expect(containsValue('5551234', 123)).toBe(true);
    expect(containsValue(['VIP', 'new'], 'vip')).toBe(true);
    expect(containsValue([1, '2'], 2)).toBe(true);
    expect(containsValue(['a'], 'b')).toBe(false);
    expect(containsValue('abc', null)).toBe(false);
    expect(containsValue({ a: 'x' }, 'x')).toBe(false);
    expect(containsValue(null, 'x')).toBe(false);
  });
});
