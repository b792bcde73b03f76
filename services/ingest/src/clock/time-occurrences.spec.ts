import { DateTime } from 'luxon';
import { timeOccurrences, windowStart, type Occurrence } from './time-occurrences';

const recurring = (cron: string, timezone: string) => ({ type: 'recurring' as const, config: { cron, timezone } });
const iso = (s: string): Date => new Date(s);
const local = (d: Date, zone: string): string => DateTime.fromJSDate(d, { zone }).toFormat('yyyy-MM-dd HH:mm ZZ');

/** What a scanner ticking every `stepMin` minutes from `from` to `to` would claim, as its watermark moves. */
const scan = (trigger: Parameters<typeof timeOccurrences>[0], from: Date, to: Date, stepMin: number): Occurrence[] => {
  const out: Occurrence[] = [];
  let mark = from;
  for (let t = from.getTime() + stepMin * 60_000; t <= to.getTime(); t += stepMin * 60_000) {
    out.push(...timeOccurrences(trigger, mark, new Date(t), 1000));
    mark = new Date(t);
  }
  return out;
};

describe('timeOccurrences: recurring, across DST (controllable clock)', () => {
  const berlin = recurring('30 2 * * *', 'Europe/Berlin');

  it('02:30 local fires once on the spring-forward night (02:30 does not exist: shifted to 03:30)', () => {
    // 2027-03-28: 02:00 CET → 03:00 CEST; windows that start inside the gap still see the shifted time
    for (const step of [1, 5, 7, 60, 90]) {
      const occ = scan(berlin, iso('2027-03-27T12:00:00Z'), iso('2027-03-28T12:00:00Z'), step);
      expect(occ.map((o) => local(o.dueAt, 'Europe/Berlin'))).toEqual(['2027-03-28 03:30 +02:00']);
    }
  });

  it('02:30 local fires once, not twice, on the fall-back night (02:30 happens twice: the first one)', () => {
    // 2027-10-31: 03:00 CEST → 02:00 CET, so 02:30 is 00:30Z and again 01:30Z
    for (const step of [1, 5, 7, 60]) {
      const occ = scan(berlin, iso('2027-10-30T12:00:00Z'), iso('2027-10-31T12:00:00Z'), step);
      expect(occ.map((o) => o.occurrence)).toEqual(['2027-10-31T00:30:00.000Z']);
    }
    // a scan window that starts between the two 02:30s does not fire the second one
    expect(timeOccurrences(berlin, iso('2027-10-31T01:00:00Z'), iso('2027-10-31T02:00:00Z'), 10)).toEqual([]);
  });

  it('one window over the whole DST night gives the same single occurrence', () => {
    expect(timeOccurrences(berlin, iso('2027-10-30T12:00:00Z'), iso('2027-10-31T12:00:00Z'), 10).map((o) => o.occurrence)).toEqual([
      '2027-10-31T00:30:00.000Z',
    ]);
  });

  it('New York: 01:30 (repeated at fall-back) fires once; every-15-minutes keeps one firing per instant', () => {
    const ny = recurring('30 1 * * *', 'America/New_York');
    expect(scan(ny, iso('2027-11-06T12:00:00Z'), iso('2027-11-07T12:00:00Z'), 5).map((o) => local(o.dueAt, 'America/New_York'))).toEqual([
      '2027-11-07 01:30 -04:00',
    ]);
    const quarter = recurring('*/15 * * * *', 'America/New_York');
    const occ = scan(quarter, iso('2027-11-07T04:00:00Z'), iso('2027-11-07T08:00:00Z'), 5);
    expect(new Set(occ.map((o) => o.occurrence)).size).toBe(occ.length);
    expect(occ.length).toBeGreaterThanOrEqual(12);
  });

  it('a plain day: daily 09:00 in Tokyo over three days, keys are ISO UTC instants', () => {
    const occ = timeOccurrences(recurring('0 9 * * *', 'Asia/Tokyo'), iso('2027-01-01T00:00:00Z'), iso('2027-01-04T00:00:00Z'), 10);
    // (after, until]: 09:00 JST on Jan 1 is the excluded start, Jan 4 the included end
    expect(occ.map((o) => o.occurrence)).toEqual(['2027-01-02T00:00:00.000Z', '2027-01-03T00:00:00.000Z', '2027-01-04T00:00:00.000Z']);
  });

  it('an empty or inverted window has no occurrences; the cap is respected', () => {
    expect(timeOccurrences(berlin, iso('2027-01-02T00:00:00Z'), iso('2027-01-01T00:00:00Z'), 10)).toEqual([]);
    expect(timeOccurrences(recurring('* * * * *', 'UTC'), iso('2027-01-01T00:00:00Z'), iso('2027-01-01T10:00:00Z'), 50)).toHaveLength(50);
  });

  it('an invalid schedule throws (the scanner logs and skips that workflow)', () => {
    expect(() => timeOccurrences(recurring('61 * * * *', 'UTC'), iso('2027-01-01T00:00:00Z'), iso('2027-01-02T00:00:00Z'), 10)).toThrow();
    expect(() => timeOccurrences(recurring('0 9 * * *', 'Mars/Olympus'), iso('2027-01-01T00:00:00Z'), iso('2027-01-02T00:00:00Z'), 10)).toThrow();
  });
});

describe('timeOccurrences: scheduled', () => {
  const at = { type: 'scheduled' as const, config: { at: '2027-03-28T02:30:00+02:00' } };
  it('fires in the window that contains the moment, once', () => {
    expect(timeOccurrences(at, iso('2027-03-28T00:00:00Z'), iso('2027-03-28T00:30:00Z'), 10)).toEqual([
      { occurrence: '2027-03-28T00:30:00.000Z', dueAt: iso('2027-03-28T00:30:00Z') },
    ]);
    expect(timeOccurrences(at, iso('2027-03-28T00:30:00Z'), iso('2027-03-28T01:00:00Z'), 10)).toEqual([]);
    expect(scan(at, iso('2027-03-27T00:00:00Z'), iso('2027-03-29T00:00:00Z'), 1)).toHaveLength(1);
  });
});

describe('windowStart', () => {
  it('is the later of the activation and now minus the catch-up window', () => {
    const now = iso('2027-01-02T00:00:00Z');
    expect(windowStart(iso('2027-01-01T23:00:00Z'), now, 86_400_000)).toEqual(iso('2027-01-01T23:00:00Z'));
    expect(windowStart(iso('2026-01-01T00:00:00Z'), now, 86_400_000)).toEqual(iso('2027-01-01T00:00:00Z'));
  });
});
