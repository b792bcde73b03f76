import { DateTime } from 'luxon';
import { WorkflowEngineError } from './errors';

export interface QuietHours {
  /** local wall time 'HH:mm' when quiet hours begin (inclusive) */
  start: string;
  /** local wall time 'HH:mm' when they end (exclusive); earlier than start means the window wraps midnight */
  end: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (hhmm: string, which: string): number => {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new WorkflowEngineError('quiet_hours_invalid', `Quiet hours ${which} "${hhmm}" must be a time such as 21:00`);
  return Number(m[1]) * 60 + Number(m[2]);
};

/** The instant of a wall time on a local day; a wall time skipped by DST lands just after the gap. */
const at = (day: DateTime, minutes: number): DateTime =>
  DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(minutes / 60), minute: minutes % 60 }, { zone: day.zone });

/**
 * When `now` falls inside the recipient's quiet hours, the instant they end (so a message can be held
 * until then); otherwise null. Works on local wall time, so it follows DST; an unknown zone counts as UTC
 * so that a bad profile never blocks messages forever. start == end means no quiet hours.
 */
export const quietHoursWindowEnd = (now: Date, quiet: QuietHours | null, timeZone: string): Date | null => {
  if (!quiet) return null;
  const start = minutesOf(quiet.start, 'start');
  const end = minutesOf(quiet.end, 'end');
  if (start === end) return null;
  let local = DateTime.fromJSDate(now, { zone: timeZone });
  if (!local.isValid) local = DateTime.fromJSDate(now, { zone: 'utc' });
  const minute = local.hour * 60 + local.minute;
  const today = local.startOf('day');
  let endsAt: DateTime | null = null;
  if (start < end) {
    if (minute >= start && minute < end) endsAt = at(today, end);
  } else if (minute >= start) {
    endsAt = at(today.plus({ days: 1 }), end);
  } else if (minute < end) {
    endsAt = at(today, end);
  }
  if (!endsAt) return null;
  // On a fall-back night the end wall time can exist twice; never answer an instant already past.
  return endsAt.toMillis() > now.getTime() ? endsAt.toJSDate() : new Date(now.getTime() + 60_000 - (now.getTime() % 60_000));
};
