import type { ExecutionContext } from '@fixlify/db';
import { quietHoursUntil } from './messaging';

const ctx = (organization: Record<string, unknown> | null, client: Record<string, unknown> | null = null): ExecutionContext => ({
  event: {},
  trigger: {},
  before: null,
  after: null,
  organization,
  client,
  job: null,
  invoice: null,
  estimate: null,
  technician: null,
});

describe('quietHoursUntil', () => {
  const org = { quiet_hours_start: '21:00:00', quiet_hours_end: '08:00:00', time_zone: 'America/New_York' };

  it('holds a message inside the window until it ends, in the organization’s zone', () => {
    // 23:30 in New York (EST, UTC-5)
    expect(quietHoursUntil(ctx(org), new Date('2026-01-15T04:30:00Z'))?.toISOString()).toBe('2026-01-15T13:00:00.000Z');
  });

  it('lets a message through outside the window', () => {
    expect(quietHoursUntil(ctx(org), new Date('2026-01-15T17:00:00Z'))).toBeNull();
  });

  it('uses the recipient’s zone when the client has one', () => {
    // 18:00 in New York but 23:00 in London: quiet for a London client until 08:00 London
    const now = new Date('2026-01-15T23:00:00Z');
    expect(quietHoursUntil(ctx(org), now)).toBeNull();
    expect(quietHoursUntil(ctx(org, { time_zone: 'Europe/London' }), now)?.toISOString()).toBe('2026-01-16T08:00:00.000Z');
  });

  it('follows daylight saving time', () => {
    // 22:00 EDT (UTC-4) in July: ends 08:00 EDT = 12:00Z
    expect(quietHoursUntil(ctx(org), new Date('2026-07-15T02:00:00Z'))?.toISOString()).toBe('2026-07-15T12:00:00.000Z');
  });

  it('has no quiet hours without both bounds or without an organization', () => {
    expect(quietHoursUntil(ctx({ quiet_hours_start: '21:00:00', quiet_hours_end: null }), new Date('2026-01-15T04:30:00Z'))).toBeNull();
    expect(quietHoursUntil(ctx(null), new Date())).toBeNull();
  });

  it('handles a window that does not wrap midnight', () => {
    const lunch = { quiet_hours_start: '12:00', quiet_hours_end: '13:30', time_zone: 'UTC' };
    expect(quietHoursUntil(ctx(lunch), new Date('2026-01-15T12:10:00Z'))?.toISOString()).toBe('2026-01-15T13:30:00.000Z');
    expect(quietHoursUntil(ctx(lunch), new Date('2026-01-15T13:30:00Z'))).toBeNull();
  });
});
