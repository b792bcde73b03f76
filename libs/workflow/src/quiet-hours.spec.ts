import { WorkflowEngineError } from './errors';
import { quietHoursWindowEnd } from './quiet-hours';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const night = { start: '21:00', end: '08:00' };

describe('quietHoursWindowEnd', () => {
  it('is null without quiet hours or outside the window', () => {
    expect(quietHoursWindowEnd(new Date('2026-06-01T03:00:00Z'), null, 'UTC')).toBeNull();
    expect(iso(quietHoursWindowEnd(new Date('2026-06-01T12:00:00Z'), night, 'UTC'))).toBeNull();
    expect(iso(quietHoursWindowEnd(new Date('2026-06-01T08:00:00Z'), night, 'UTC'))).toBeNull();
    expect(quietHoursWindowEnd(new Date('2026-06-01T12:00:00Z'), { start: '09:00', end: '09:00' }, 'UTC')).toBeNull();
  });

  it('handles a window that wraps midnight, on both sides of it', () => {
    // 22:30 New York (EDT) → ends 08:00 next day
    expect(iso(quietHoursWindowEnd(new Date('2026-06-02T02:30:00Z'), night, 'America/New_York'))).toBe('2026-06-02T12:00:00.000Z');
    // 06:00 New York → ends 08:00 same day
    expect(iso(quietHoursWindowEnd(new Date('2026-06-02T10:00:00Z'), night, 'America/New_York'))).toBe('2026-06-02T12:00:00.000Z');
    // exactly 21:00 is inside
    expect(iso(quietHoursWindowEnd(new Date('2026-06-02T01:00:00Z'), night, 'America/New_York'))).toBe('2026-06-02T12:00:00.000Z');
  });

  it('handles a same-day window', () => {
    const lunch = { start: '12:00', end: '13:30' };
    expect(iso(quietHoursWindowEnd(new Date('2026-06-01T10:15:00Z'), lunch, 'Europe/Berlin'))).toBe('2026-06-01T11:30:00.000Z');
    expect(quietHoursWindowEnd(new Date('2026-06-01T11:30:00Z'), lunch, 'Europe/Berlin')).toBeNull();
  });

  it('uses the recipient zone, not UTC', () => {
    const t = new Date('2026-06-01T22:00:00Z'); // 22:00 London (BST 23:00), 18:00 New York
    expect(iso(quietHoursWindowEnd(t, night, 'Europe/London'))).toBe('2026-06-02T07:00:00.000Z');
    expect(quietHoursWindowEnd(t, night, 'America/New_York')).toBeNull();
  });

  it('follows DST: the window ends at local 08:00 after spring-forward and fall-back', () => {
    // Night of 2026-03-07 → 03-08 in New York: 23:00 EST; 08:00 on 03-08 is EDT (12:00Z)
    expect(iso(quietHoursWindowEnd(new Date('2026-03-08T04:00:00Z'), night, 'America/New_York'))).toBe('2026-03-08T12:00:00.000Z');
    // Night of 2026-10-31 → 11-01: 08:00 on 11-01 is EST (13:00Z)
    expect(iso(quietHoursWindowEnd(new Date('2026-11-01T03:00:00Z'), night, 'America/New_York'))).toBe('2026-11-01T13:00:00.000Z');
    // Berlin 2026-03-29 at 01:30 CET (00:30Z) → 08:00 CEST = 06:00Z
    expect(iso(quietHoursWindowEnd(new Date('2026-03-29T00:30:00Z'), night, 'Europe/Berlin'))).toBe('2026-03-29T06:00:00.000Z');
  });

  it('an end time inside the DST gap lands after the gap', () => {
    const q = { start: '01:00', end: '02:30' };
    // 01:30 EST on 2026-03-08; 02:30 does not exist → 03:30 EDT = 07:30Z
    expect(iso(quietHoursWindowEnd(new Date('2026-03-08T06:30:00Z'), q, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
  });

  it('never returns an instant in the past on the repeated fall-back hour', () => {
    const q = { start: '00:30', end: '01:30' };
    // 01:15 EST (the second 01:15, 06:15Z); luxon maps 01:30 to EST 06:30Z
    const r = quietHoursWindowEnd(new Date('2026-11-01T06:15:00Z'), q, 'America/New_York');
    expect(r!.getTime()).toBeGreaterThan(new Date('2026-11-01T06:15:00Z').getTime());
  });

  it('treats an unknown zone as UTC and rejects malformed times', () => {
    expect(iso(quietHoursWindowEnd(new Date('2026-06-01T23:00:00Z'), night, 'Not/AZone'))).toBe('2026-06-02T08:00:00.000Z');
    expect(() => quietHoursWindowEnd(new Date(), { start: '9pm', end: '08:00' }, 'UTC')).toThrow(WorkflowEngineError);
    expect(() => quietHoursWindowEnd(new Date(), { start: '21:00', end: '24:00' }, 'UTC')).toThrow(/Quiet hours end/);
  });
});
