import { WorkflowEngineError } from './errors';
import { delayUntil, nextCronOccurrences, occurrenceKey, validateCron } from './schedule';

const isoList = (ds: Date[]): string[] => ds.map((d) => d.toISOString());
const day = 86_400_000;
const between = (cron: string, tz: string, from: string, to: string): string[] => isoList(nextCronOccurrences(cron, tz, new Date(from), new Date(to)));

describe('validateCron', () => {
  it('accepts 5-field crons in a known zone', () => {
    expect(validateCron('30 9 * * 1-5', 'America/New_York')).toBeNull();
    expect(validateCron('*/15 * * * *', 'UTC')).toBeNull();
    expect(validateCron('0 8 1 jan,jul *', 'Europe/Berlin')).toBeNull();
  });
  it('rejects bad zones, field counts and values with clear messages', () => {
    expect(validateCron('0 9 * * *', 'Mars/Olympus_Mons')).toMatch(/not a known time zone/);
    expect(validateCron('0 9 * * *', 'EST5EDT_nope')).toMatch(/not a known time zone/);
    expect(validateCron('0 0 9 * * *', 'UTC')).toMatch(/5 fields/);
    expect(validateCron('0 9 * *', 'UTC')).toMatch(/5 fields/);
    expect(validateCron('61 9 * * *', 'UTC')).toMatch(/^The schedule is not valid: .*minute/);
    expect(validateCron('0 9 * * funday', 'UTC')).toMatch(/not valid/);
  });
});

describe('nextCronOccurrences', () => {
  it('lists occurrences in (after, until], capped by max', () => {
    expect(between('0 9 * * *', 'UTC', '2026-01-01T09:00:00Z', '2026-01-03T09:00:00Z')).toEqual(['2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z']);
    expect(nextCronOccurrences('* * * * *', 'UTC', new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'), 3)).toHaveLength(3);
    expect(nextCronOccurrences('* * * * *', 'UTC', new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toHaveLength(1000);
    expect(between('0 9 * * *', 'UTC', '2026-01-01T10:00:00Z', '2026-01-01T23:00:00Z')).toEqual([]);
  });

  it('works in the zone, not in UTC', () => {
    expect(between('30 9 * * 1-5', 'America/New_York', '2026-01-02T00:00:00Z', '2026-01-06T00:00:00Z')).toEqual([
      '2026-01-02T14:30:00.000Z',
      '2026-01-05T14:30:00.000Z',
    ]);
  });

  describe('America/New_York', () => {
    it('2026-03-08 spring-forward: 02:30 does not exist, fires once at 03:30 EDT', () => {
      expect(between('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-09T23:59:00Z')).toEqual([
        '2026-03-07T07:30:00.000Z', // 02:30 EST
        '2026-03-08T07:30:00.000Z', // 03:30 EDT (shifted by the gap)
        '2026-03-09T06:30:00.000Z', // 02:30 EDT
      ]);
    });

    it('2026-11-01 fall-back: 01:30 happens twice, fires only at the first (EDT)', () => {
      expect(between('30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', '2026-11-02T23:59:00Z')).toEqual([
        '2026-10-31T05:30:00.000Z',
        '2026-11-01T05:30:00.000Z', // 01:30 EDT; not again at 06:30Z (01:30 EST)
        '2026-11-02T06:30:00.000Z',
      ]);
    });

    it('2026-11-01 fall-back: a window starting between the two 01:30s does not fire again', () => {
      expect(between('30 1 * * *', 'America/New_York', '2026-11-01T06:00:00Z', '2026-11-01T12:00:00Z')).toEqual([]);
    });

    it('2026-11-01: 02:30 daily fires once', () => {
      expect(between('30 2 * * *', 'America/New_York', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual(['2026-11-01T07:30:00.000Z']);
    });

    it('hourly across both transitions: every local hour once, never twice', () => {
      const spring = between('0 * * * *', 'America/New_York', '2026-03-08T04:30:00Z', '2026-03-08T09:30:00Z');
      expect(spring).toEqual([
        '2026-03-08T05:00:00.000Z',
        '2026-03-08T06:00:00.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-08T08:00:00.000Z',
        '2026-03-08T09:00:00.000Z',
      ]);
      const fall = between('0 * * * *', 'America/New_York', '2026-11-01T03:30:00Z', '2026-11-01T08:30:00Z');
      expect(fall).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z']);
    });
  });

  describe('Europe/Berlin', () => {
    it('2026-03-29 spring-forward: 02:30 fires once at 03:30 CEST', () => {
      expect(between('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-30T23:59:00Z')).toEqual([
        '2026-03-28T01:30:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-30T00:30:00.000Z',
      ]);
    });

    it('2026-10-25 fall-back: 02:30 happens twice, fires only at the first (CEST)', () => {
      expect(between('30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', '2026-10-26T23:59:00Z')).toEqual([
        '2026-10-24T00:30:00.000Z',
        '2026-10-25T00:30:00.000Z', // 02:30 CEST; not again at 01:30Z (02:30 CET)
        '2026-10-26T01:30:00.000Z',
      ]);
    });

    it('2026-10-25 fall-back: every-15-minutes in the repeated hour fires each wall time once', () => {
      const r = between('*/15 2 * * *', 'Europe/Berlin', '2026-10-24T23:59:00Z', '2026-10-25T03:00:00Z');
      expect(r).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T00:15:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T00:45:00.000Z']);
    });
  });

  it('consecutive windows neither skip nor repeat across a DST change', () => {
    const windows = Array.from({ length: 48 }, (_, i) => new Date(Date.parse('2026-10-24T00:00:00Z') + i * 3600_000));
    const all: string[] = [];
    for (let i = 1; i < windows.length; i++) all.push(...isoList(nextCronOccurrences('30 * * * *', 'Europe/Berlin', windows[i - 1]!, windows[i]!)));
    expect(new Set(all).size).toBe(all.length);
    // 47 hours of wall clock minus the repeated hour
    expect(all).toHaveLength(46);
    expect(all).toContain('2026-10-25T00:30:00.000Z');
    expect(all).not.toContain('2026-10-25T01:30:00.000Z');
  });

  it('windows of any size agree with one big window', () => {
    const from = Date.parse('2026-10-24T00:00:00Z');
    const to = Date.parse('2026-10-26T12:00:00Z');
    const whole = isoList(nextCronOccurrences('*/20 0-3 * * *', 'Europe/Berlin', new Date(from), new Date(to)));
    for (const step of [7, 60, 97]) {
      const pieces: string[] = [];
      for (let t = from; t < to; t += step * 60_000)
        pieces.push(...isoList(nextCronOccurrences('*/20 0-3 * * *', 'Europe/Berlin', new Date(t), new Date(Math.min(t + step * 60_000, to)))));
      expect(pieces).toEqual(whole);
    }
  });

  it('throws coded errors on invalid input', () => {
    expect(() => nextCronOccurrences('0 9 * * *', 'Nowhere/City', new Date(0), new Date(day))).toThrow(expect.objectContaining({ code: 'timezone_invalid' }));
    expect(() => nextCronOccurrences('nope', 'UTC', new Date(0), new Date(day))).toThrow(expect.objectContaining({ code: 'cron_invalid' }));
  });

  it('occurrenceKey is the ISO UTC instant', () => {
    expect(occurrenceKey(new Date('2026-03-08T07:30:00-04:00'))).toBe('2026-03-08T11:30:00.000Z');
  });
});

describe('delayUntil', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const opts = { locale: 'en-US', timeZone: 'America/New_York' };
  const ctx = { job: { scheduled_start: '2026-03-08T15:00:00Z', local: '2026-03-08 09:00:00', bad: 'next tuesday' } };

  it('adds a duration', () => {
    expect(delayUntil({ mode: 'duration', seconds: 3600 }, ctx, opts, now).toISOString()).toBe('2026-03-01T13:00:00.000Z');
  });

  it('renders the until template and applies the offset', () => {
    expect(delayUntil({ mode: 'until', at: '{{ job.scheduled_start }}', offsetSeconds: -3600 }, ctx, opts, now).toISOString()).toBe('2026-03-08T14:00:00.000Z');
    // no offset: local to the zone (09:00 EDT, DST began at 02:00 that day)
    expect(delayUntil({ mode: 'until', at: '2026-03-08T09:00', offsetSeconds: 0 }, ctx, opts, now).toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(delayUntil({ mode: 'until', at: '{{ job.local }}', offsetSeconds: 0 }, ctx, opts, now).toISOString()).toBe('2026-03-08T13:00:00.000Z');
    expect(delayUntil({ mode: 'until', at: String(Date.UTC(2026, 2, 2)), offsetSeconds: 60 }, ctx, opts, now).toISOString()).toBe('2026-03-02T00:01:00.000Z');
  });

  it('returns a past time as is', () => {
    expect(delayUntil({ mode: 'until', at: '2020-01-01T00:00:00Z', offsetSeconds: 0 }, ctx, opts, now).toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });

  it('fails with delay_time_invalid on an unparseable or empty time', () => {
    for (const at of ['{{ job.bad }}', '{{ job.missing }}']) {
      let err: unknown;
      try {
        delayUntil({ mode: 'until', at, offsetSeconds: 0 }, ctx, opts, now);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WorkflowEngineError);
      expect((err as WorkflowEngineError).code).toBe('delay_time_invalid');
    }
    expect(() => delayUntil({ mode: 'until', at: '{{ job.bad }}', offsetSeconds: 0 }, ctx, opts, now)).toThrow(/"next tuesday".*not a date and time/);
  });
});
