import { z } from 'zod';
import { TRIGGER_ENTITIES } from '../workflow-definition';
import { Id, Timestamp } from './common';

/** The longest range one explanation reads (days): a record's history beyond is several questions. */
export const MAX_EXPLAIN_RANGE_DAYS = 92;

/** GET /api/explain — why did, or didn't, the organization's workflows fire for one record? */
export const ExplainQuery = z
  .object({
    entityType: z.enum(TRIGGER_ENTITIES),
    entityId: z.uuid(),
    /** only this workflow (default: every workflow of the organization) */
    workflowId: z.uuid().optional(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((q) => !q.to || new Date(q.from) < new Date(q.to), { message: '`from` must be before `to`', path: ['to'] })
  .refine((q) => (q.to ? new Date(q.to).getTime() : Date.now()) - new Date(q.from).getTime() <= MAX_EXPLAIN_RANGE_DAYS * 86_400_000, {
    message: `an explanation covers at most ${MAX_EXPLAIN_RANGE_DAYS} days`,
    path: ['from'],
  });
export type ExplainQuery = z.infer<typeof ExplainQuery>;

export const EXPLAIN_REASONS = [
  'not_published_yet',
  'inactive_then',
  'inactive_now',
  'already_enrolled',
  'not_indexed',
  'filter',
  'loop_depth',
  'trigger_type',
  'other_workflow',
  'no_trigger',
  'other_organization',
] as const;

export const WorkflowVerdict = z.object({
  workflowId: Id,
  workflowName: z.string(),
  version: z.number().int().nullable(),
  outcome: z.enum(['started', 'not_started']),
  /** not_started: why, as a code and as a sentence */
  reason: z.enum(EXPLAIN_REASONS).nullable(),
  detail: z.string().nullable(),
  /** a failed filter: the field, the operator, the value expected and the one the event had */
  failed: z.object({ field: z.string(), op: z.string(), expected: z.unknown().optional(), actual: z.unknown(), negated: z.boolean().optional() }).nullable(),
  /** started (or, for already_enrolled, the execution that enrolled the record) */
  executionId: Id.nullable(),
  executionStatus: z.string().nullable(),
  /** steps of the execution held back by consent (suppressed) */
  suppressedSteps: z.array(z.string()),
  /** waits of the execution not fired yet (quiet hours, delays, retries), with when */
  waiting: z.array(z.object({ reason: z.string().nullable(), until: Timestamp })),
});
export type WorkflowVerdict = z.infer<typeof WorkflowVerdict>;

export const ExplainedEvent = z.object({
  eventId: Id,
  type: z.string(),
  occurredAt: Timestamp,
  workflows: z.array(WorkflowVerdict),
});
export type ExplainedEvent = z.infer<typeof ExplainedEvent>;

export const Explanation = z.object({
  entityType: z.enum(TRIGGER_ENTITIES),
  entityId: Id,
  from: Timestamp,
  to: Timestamp,
  events: z.array(ExplainedEvent),
  /** records of the record's partition read; `truncated`: the range held more than one request reads */
  scanned: z.number().int(),
  truncated: z.boolean(),
});
export type Explanation = z.infer<typeof Explanation>;
