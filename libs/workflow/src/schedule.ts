import { Cron } from 'croner';
import { DateTime, IANAZone } from 'luxon';
import type { ControlConfigs } from '@fixlify/contracts';
import type { z } from 'zod';
import { WorkflowEngineError } from './errors';
import { renderTemplate, type RenderOptions } from './template';

export type DelayConfig = z.infer<(typeof ControlConfigs)['delay']>;

const CRON_FIELDS = 5;

/** A clear reason why a recurring schedule cannot run, or null when it is fine. */
export const validateCron = (cron: string, timeZone: string): string | null => {
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) {
    return `"${String(timeZone)}" is not a known time zone; use a name such as America/New_York or Europe/Berlin`;
  }
  if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== CRON_FIELDS) {
    return 'The schedule needs 5 fields: minute hour day-of-month month day-of-week (e.g. "30 9 * * 1-5")';
  }
  try {
    const job = new Cron(cron.trim(), { timezone: timeZone, paused: true });
    if (!job.nextRun(new Date(0))) return 'The schedule never fires';
    return null;
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^CronPattern: /, '') : String(e);
    return `The schedule is not valid: ${reason}`;
  }
};

const CRON_CACHE_SIZE = 500;
const cronCache = new Map<string, Cron>();

/** A validated, paused croner job; cached because a clock tick asks the same schedules again and again. */
const cronJob = (cron: string, timeZone: string): Cron => {
  const key = `${timeZone}|${cron}`;
  const hit = cronCache.get(key);
  if (hit) return hit;
  if (!IANAZone.isValidZone(timeZone)) throw new WorkflowEngineError('timezone_invalid', `"${timeZone}" is not a known time zone`);
  const problem = validateCron(cron, timeZone);
  if (problem) throw new WorkflowEngineError('cron_invalid', problem);
  const job = new Cron(cron.trim(), { timezone: timeZone, paused: true });
  if (cronCache.size >= CRON_CACHE_SIZE) {
    const oldest = cronCache.keys().next();
    if (!oldest.done) cronCache.delete(oldest.value);
  }
  cronCache.set(key, job);
  return job;
};

/**
 * The first instant that shows the same local wall time as `ms`. On a fall-back night a wall time
 * exists twice; a schedule fires at the first one only.
 */
const firstWithSameWallTime = (ms: number, zone: IANAZone): number => {
  const shiftMinutes = zone.offset(ms - 3 * 3600_000) - zone.offset(ms);
  if (shiftMinutes <= 0) return ms;
  const earlier = ms - shiftMinutes * 60_000;
  const wall = (t: number): number => t + zone.offset(t) * 60_000;
  return wall(earlier) === wall(ms) ? earlier : ms;
};

/**
 * Occurrences of a 5-field cron in a time zone, in (afterExclusive, untilInclusive], at most `max`.
 * DST-safe:
 * - a local time skipped by spring-forward (02:30 on 2026-03-08 in New York) fires once, shifted
 *   forward by the gap (at 03:30 local), as croner does;
 * - a local time repeated by fall-back fires once, at its first (summer-time) instant, even when the
 *   window starts between the two.
 * Throws WorkflowEngineError `cron_invalid` / `timezone_invalid`; call validateCron when saving.
 */
export const nextCronOccurrences = (cron: string, timeZone: string, afterExclusive: Date, untilInclusive: Date, max = 1000): Date[] => {
  const job = cronJob(cron, timeZone);
  const zone = IANAZone.create(timeZone);
  const out: Date[] = [];
  const after = afterExclusive.getTime();
  const until = untilInclusive.getTime();
  let last = after;
  let cursor = afterExclusive;
  // Each croner step moves forward; the bound only guards against a pathological pattern.
  for (let guard = 0; out.length < max && guard < max * 4 + 16; guard++) {
    const raw = job.nextRun(cursor);
    if (!raw) break;
    // Compare the normalized instant: croner may hand out the second of two equal wall times,
    // whose first instant still belongs in this window.
    const t = firstWithSameWallTime(raw.getTime(), zone);
    if (t > until) break;
    cursor = raw;
    if (t > last) {
      out.push(new Date(t));
      last = t;
    }
  }
  return out;
};

/** Stable key of one occurrence (feeds the clock event id): the ISO UTC instant. */
export const occurrenceKey = (date: Date): string => date.toISOString();

/** An ISO time, a SQL-style timestamp or epoch milliseconds; a time without offset is local to `timeZone`. */
const parseInstant = (text: string, timeZone: string): DateTime | undefined => {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^\d{10,}$/.test(s)) return DateTime.fromMillis(Number(s));
  const zone = IANAZone.isValidZone(timeZone) ? timeZone : 'utc';
  let d = DateTime.fromISO(s, { zone });
  if (!d.isValid) d = DateTime.fromSQL(s, { zone });
  return d.isValid ? d : undefined;
};

/**
 * When a delay node lets the execution go on. `duration`: now + seconds. `until`: the rendered
 * template (e.g. `{{ job.scheduled_start }}`) plus offsetSeconds; a time in the past is returned as is
 * (the caller continues at once). Throws `delay_time_invalid` when the rendered text is not a time.
 */
export const delayUntil = (config: DelayConfig, context: Record<string, unknown>, opts: RenderOptions, now: Date): Date => {
  switch (config.mode) {
    case 'duration':
      return new Date(now.getTime() + config.seconds * 1000);
    case 'until': {
      const text = renderTemplate(config.at, context, opts);
      const at = parseInstant(text, opts.timeZone);
      if (!at) {
        const shown = text.trim() === '' ? 'an empty value' : `"${text.slice(0, 100)}"`;
        throw new WorkflowEngineError('delay_time_invalid', `The delay time ${shown} (from ${config.at}) is not a date and time`);
      }
      return new Date(at.toMillis() + (config.offsetSeconds ?? 0) * 1000);
    }
  }
};
