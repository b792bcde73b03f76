import { z } from 'zod';
import { DeliveryChannel } from './messages';
import { StepType } from './workflow-definition';

/**
 * Preview on real history: what a dry-run replay reports beyond its counts. Every execution that
 * would start is run through the real engine with simulated actions (libs/engine simulateExecution);
 * these are the totals of what those executions would do, a few samples, and the same totals for
 * another version of the workflow to compare with.
 */

const count = z.number().int().min(0);

export const PreviewStepStats = z.object({
  type: StepType,
  /** executions that ran the step (a step in a loop counts once per iteration) */
  reached: count,
  succeeded: count,
  /** failed for good (a simulated action is never retried) */
  failed: count,
  /** a condition: how many went each way */
  branches: z.object({ true: count, false: count }).optional(),
});
export type PreviewStepStats = z.infer<typeof PreviewStepStats>;

export const PreviewChannelStats = z.object({
  /** messages (or calls) that would go out */
  sent: count,
  /** held back by consent or a suppression */
  suppressed: count,
});
export type PreviewChannelStats = z.infer<typeof PreviewChannelStats>;

export const PreviewWaitStats = z.object({
  count,
  /** the earliest and latest time such a wait would end */
  first: z.string(),
  last: z.string(),
});
export type PreviewWaitStats = z.infer<typeof PreviewWaitStats>;

export const PreviewFailure = z.object({ stepId: z.string(), code: z.string(), message: z.string(), count });
export type PreviewFailure = z.infer<typeof PreviewFailure>;

/** Most distinct failures (step and code) a report lists; the rest are counted in `failed`. */
export const MAX_PREVIEW_FAILURES = 20;
/** Executions a report keeps as samples, with their rendered messages. */
export const MAX_PREVIEW_SAMPLES = 5;

export const PreviewTotals = z.object({
  /** executions run in simulation (the `started` of the dry run) */
  simulated: count,
  completed: count,
  failed: count,
  /** still waiting when the simulation stopped following them (a loop of delays) */
  waiting: count,
  /** per step id */
  steps: z.record(z.string(), PreviewStepStats),
  channels: z.partialRecord(DeliveryChannel, PreviewChannelStats),
  /** why messages were held back → how many */
  suppressedReasons: z.record(z.string(), count),
  /** per wait reason (delay, quiet_hours, …): how many executions would wait, until when */
  waits: z.record(z.string(), PreviewWaitStats),
  /** failures the templates or the data would cause, per step and code, the most frequent first */
  failures: z.array(PreviewFailure).max(MAX_PREVIEW_FAILURES),
});
export type PreviewTotals = z.infer<typeof PreviewTotals>;

export const PreviewSample = z.object({
  executionId: z.uuid(),
  eventId: z.uuid(),
  entityId: z.string().nullable(),
  state: z.enum(['completed', 'failed', 'waiting']),
  /** each step as it would run, in order */
  steps: z.array(
    z.object({
      stepId: z.string(),
      type: StepType,
      outcome: z.enum(['succeeded', 'failed', 'suppressed']),
      detail: z.string().max(500).optional(),
    }),
  ),
  messages: z.array(
    z.object({
      stepId: z.string(),
      channel: DeliveryChannel,
      to: z.string().max(500),
      subject: z.string().max(1000).optional(),
      body: z.string().max(2000).optional(),
      suppressed: z.string().max(500).optional(),
    }),
  ),
  waits: z.array(z.object({ stepId: z.string(), reason: z.string(), until: z.string() })),
});
export type PreviewSample = z.infer<typeof PreviewSample>;

export const PreviewReport = PreviewTotals.extend({
  samples: z.array(PreviewSample).max(MAX_PREVIEW_SAMPLES),
  /** the same replay through another version, when one was named */
  compare: z
    .object({
      version: z.number().int().min(1),
      /** executions that version would start */
      started: count,
      totals: PreviewTotals,
    })
    .nullable(),
});
export type PreviewReport = z.infer<typeof PreviewReport>;

export const emptyPreviewTotals = (): PreviewTotals => ({
  simulated: 0,
  completed: 0,
  failed: 0,
  waiting: 0,
  steps: {},
  channels: {},
  suppressedReasons: {},
  waits: {},
  failures: [],
});

export const emptyPreviewReport = (compareVersion: number | null): PreviewReport => ({
  ...emptyPreviewTotals(),
  samples: [],
  compare: compareVersion === null ? null : { version: compareVersion, started: 0, totals: emptyPreviewTotals() },
});

/** One line of a comparison between the previewed workflow and another version. */
export interface PreviewDiffRow {
  what: string;
  previewed: number;
  other: number;
  delta: number;
}

/**
 * The previewed workflow against the other version: executions started, messages per channel and
 * each condition's branches (by step id: a step both versions have). Rows that are equal are kept,
 * so "no difference" is visible too.
 */
export const previewDiff = (r: PreviewReport, started: number): PreviewDiffRow[] => {
  if (!r.compare) return [];
  const o = r.compare.totals;
  const rows: PreviewDiffRow[] = [];
  const add = (what: string, a: number, b: number): void => {
    rows.push({ what, previewed: a, other: b, delta: a - b });
  };
  add('executions started', started, r.compare.started);
  for (const ch of DeliveryChannel.options) {
    const a = r.channels[ch];
    const b = o.channels[ch];
    if (a || b) {
      add(`${ch} sent`, a?.sent ?? 0, b?.sent ?? 0);
      if ((a?.suppressed ?? 0) + (b?.suppressed ?? 0) > 0) add(`${ch} suppressed`, a?.suppressed ?? 0, b?.suppressed ?? 0);
    }
  }
  const ids = new Set([...Object.keys(r.steps), ...Object.keys(o.steps)]);
  for (const id of [...ids].sort()) {
    const a = r.steps[id];
    const b = o.steps[id];
    if (a?.branches || b?.branches) {
      add(`${id} → true`, a?.branches?.true ?? 0, b?.branches?.true ?? 0);
      add(`${id} → false`, a?.branches?.false ?? 0, b?.branches?.false ?? 0);
    }
  }
  add('failed', r.failed, o.failed);
  return rows;
};
