import { debeziumDate, debeziumTime, normalizeRow } from './normalize-row';

describe('normalizeRow (Debezium JSON quirks)', () => {
  it('dates arrive as days since the epoch', () => {
    expect(debeziumDate(0)).toBe('1970-01-01');
    expect(debeziumDate(20_000)).toBe('2024-10-04');
    expect(debeziumDate(-1)).toBe('1969-12-31');
    expect(debeziumDate('2024-10-04')).toBe('2024-10-04');
    // beyond year 9999 an ISO date needs a sign: left alone rather than mangled
    expect(debeziumDate(5_000_000)).toBe(5_000_000);
    expect(debeziumDate(1.5)).toBe(1.5);
  });

  it('times arrive as microseconds since midnight (adaptive precision)', () => {
    expect(debeziumTime(0)).toBe('00:00:00');
    expect(debeziumTime(30_000_000)).toBe('00:00:30');
    expect(debeziumTime(((21 * 60 + 30) * 60 + 5) * 1_000_000)).toBe('21:30:05');
    expect(debeziumTime(null)).toBeNull();
    expect(debeziumTime(-5)).toBe(-5);
  });

  it('jsonb columns arrive as JSON text; unparsable text stays text; other columns are untouched', () => {
    const row = normalizeRow({
      definition: '{"nodes":[]}',
      settings: '{oops',
      published_definition: null,
      total: '120.50',
      created_at: '2026-11-27T04:01:05.289884Z',
      due_date: 19_000,
      quiet_hours_start: 79_200_000_000,
      tags: ['a'],
    });
    expect(row).toEqual({
      definition: { nodes: [] },
      settings: '{oops',
      published_definition: null,
      total: '120.50',
      created_at: '2026-11-27T04:01:05.289884Z',
      due_date: '2022-01-08',
      quiet_hours_start: '22:00:00',
      tags: ['a'],
    });
    expect(normalizeRow(null)).toBeNull();
  });

  it('a "__proto__" key never replaces the prototype of the row', () => {
    const row = normalizeRow(JSON.parse('{"__proto__":{"polluted":true},"id":"x"}') as Record<string, unknown>)!;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect((row as { polluted?: boolean }).polluted).toBeUndefined();
    expect(row).toEqual({ id: 'x' });
  });
});
