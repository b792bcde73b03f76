import { nextCronOccurrences, occurrenceKey } from '@fixlify/workflow';
import type { ClockTrigger } from './clock-workflows';

/** One firing of a clock trigger: `occurrence` names it (with workflow and entity, it is the claim key). */
export interface Occurrence {
  occurrence: string;
  dueAt: Date;
}

/**
 * The earliest due time a scan looks at: nothing that fell due before the workflow's running
 * version was published, nor longer ago than the catch-up window.
 */
export const windowStart = (activatedAt: Date, now: Date, catchUpMs: number): Date => new Date(Math.max(activatedAt.getTime(), now.getTime() - catchUpMs));

/**
 * How far before a window a cron is evaluated from. Croner shifts a local time skipped by
 * spring-forward only when it starts counting before the gap; a window that starts inside the
 * gap (a scanner ticking through the night) would otherwise miss that day's occurrence. Gaps are
 * at most 2 hours, and the shifted occurrence falls less than a gap after the gap starts.
 */
const CRON_LOOKBEHIND_MS = 3 * 3600_000;
/** most occurrences a 5-field cron can have in the look-behind (one per minute) */
const CRON_LOOKBEHIND_MAX = 3 * 60 + 1;

/**
 * Due occurrences of a scheduled or recurring trigger in (afterExclusive, untilInclusive].
 * Recurring schedules are DST-safe (nextCronOccurrences): a local time skipped by spring-forward
 * fires once, shifted by the gap; a local time repeated by fall-back fires once, at its first instant.
 * Throws on an invalid cron or time zone (refused at save time; the scanner logs and skips it).
 */
export const timeOccurrences = (
  trigger: Extract<ClockTrigger, { type: 'scheduled' | 'recurring' }>,
  afterExclusive: Date,
  untilInclusive: Date,
  max: number,
): Occurrence[] => {
  if (untilInclusive.getTime() <= afterExclusive.getTime()) return [];
  switch (trigger.type) {
    case 'scheduled': {
      const at = new Date(trigger.config.at);
      return at > afterExclusive && at <= untilInclusive ? [{ occurrence: occurrenceKey(at), dueAt: at }] : [];
    }
    case 'recurring': {
      const from = new Date(afterExclusive.getTime() - CRON_LOOKBEHIND_MS);
      return nextCronOccurrences(trigger.config.cron, trigger.config.timezone, from, untilInclusive, max + CRON_LOOKBEHIND_MAX)
        .filter((d) => d > afterExclusive)
        .slice(0, max)
        .map((d) => ({ occurrence: occurrenceKey(d), dueAt: d }));
    }
  }
};
