import { z } from 'zod';
import { Id } from './common';
import { StepError } from '../messages';
import { StepType, TriggerType } from '../workflow-definition';

const base = {
  executionId: Id,
  workflowId: Id,
  versionId: Id,
  seq: z.number().int().min(0),
  at: z.iso.datetime({ offset: true }),
};

/**
 * One frame of GET /api/live (`event: execution`): what the web app needs to move an execution along
 * without reloading, one kind per step result, with the status the execution has after it.
 */
export const LiveEvent = z.discriminatedUnion('kind', [
  z.object({
    ...base,
    kind: z.literal('execution_started'),
    status: z.literal('processing'),
    triggerType: TriggerType,
    testRun: z.boolean(),
    replayId: z.string().nullable(),
  }),
  z.object({
    ...base,
    kind: z.literal('step_succeeded'),
    status: z.literal('processing'),
    stepId: z.string(),
    stepType: StepType,
    attempt: z.number().int(),
    durationMs: z.number(),
    delivery: z.enum(['delivered', 'suppressed', 'deduplicated', 'none']),
  }),
  z.object({
    ...base,
    kind: z.literal('step_failed'),
    /** retry: the step is tried again at retryAt */
    status: z.enum(['retry', 'processing']),
    stepId: z.string(),
    stepType: StepType,
    attempt: z.number().int(),
    error: StepError,
    retryAt: z.iso.datetime({ offset: true }).nullable(),
  }),
  z.object({
    ...base,
    kind: z.literal('step_skipped'),
    status: z.literal('processing'),
    stepId: z.string(),
    stepType: StepType,
    reason: z.string(),
    dueAt: z.iso.datetime({ offset: true }),
  }),
  z.object({
    ...base,
    kind: z.literal('execution_waiting'),
    status: z.literal('waiting'),
    stepId: z.string(),
    until: z.iso.datetime({ offset: true }),
    reason: z.string(),
  }),
  z.object({ ...base, kind: z.literal('execution_completed'), status: z.literal('completed'), durationMs: z.number() }),
  /** unknown: it ended on a message to a person whose delivery nobody can know */
  z.object({ ...base, kind: z.literal('execution_failed'), status: z.enum(['failed', 'unknown']), durationMs: z.number(), error: StepError }),
  z.object({ ...base, kind: z.literal('execution_cancelled'), status: z.literal('cancelled'), reason: z.string() }),
]);
export type LiveEvent = z.infer<typeof LiveEvent>;

/** The first frame of a stream (`event: ready`) */
export const LiveReady = z.object({ organizationId: Id });
export type LiveReady = z.infer<typeof LiveReady>;
