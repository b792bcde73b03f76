import { z } from 'zod';
import { TOPICS } from './topics';
import { ActionType, StepType, TriggerType, WorkflowDefinition } from './workflow-definition';
import { StartEnrollment, StartOrigin } from './history';
import { StepErrorCode, upgradeStepError } from './step-errors';

const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true });
const record = z.record(z.string(), z.unknown());

/** Where a step's side effect goes: people (email, SMS, push) or machines (webhook, API call). */
export const DELIVERY_CHANNELS = ['email', 'sms', 'push', 'webhook', 'api_call'] as const;
export const DeliveryChannel = z.enum(DELIVERY_CHANNELS);
export type DeliveryChannel = z.infer<typeof DeliveryChannel>;

export const EntityType = z.enum(['job', 'invoice', 'client', 'estimate', 'organization', 'technician', 'task', 'workflow', 'none']);
export type EntityType = z.infer<typeof EntityType>;

/** automation.events.v1 — a domain event (from CDC, a clock, a manual call or an inbound webhook). */
export const DomainEvent = z.object({
  v: z.literal(1),
  /** deterministic: derived from the source position (CDC) or the occurrence (clock), so a redelivery has the same id */
  eventId: uuid,
  type: TriggerType,
  organizationId: uuid,
  entityType: EntityType,
  entityId: z.string().max(200).nullable(),
  before: record.nullable(),
  after: record.nullable(),
  /** commit time of the source change (Debezium source.ts_ms), or the occurrence time */
  occurredAt: isoTime,
  /** when ingest emitted it (for latency figures) */
  emittedAt: isoTime,
  /** only for manual, webhook and clock triggers aimed at one workflow */
  workflowId: uuid.nullable().default(null),
  /** the execution whose write caused this change, and how deep that chain is */
  causation: z
    .object({ executionId: z.string().max(200), depth: z.number().int().min(1) })
    .nullable()
    .default(null),
  /** payload of manual/webhook triggers and clock details */
  data: record.default({}),
  source: z
    .object({
      kind: z.enum(['cdc', 'clock', 'manual', 'webhook', 'inbound_sms']),
      table: z.string().optional(),
      lsn: z.string().optional(),
      txId: z.string().optional(),
    })
    .strict(),
});
export type DomainEvent = z.infer<typeof DomainEvent>;

/** automation.workflows.v1 (compacted, key = workflow id) — the published, active version of a workflow; tombstone when none. */
export const PublishedWorkflow = z.object({
  v: z.literal(1),
  workflowId: uuid,
  organizationId: uuid,
  name: z.string(),
  version: z.number().int().min(1),
  versionId: uuid,
  triggerType: TriggerType,
  definition: WorkflowDefinition,
  updatedAt: isoTime,
});
export type PublishedWorkflow = z.infer<typeof PublishedWorkflow>;

export const LoopFrame = z.object({ nodeId: z.string(), items: z.array(z.unknown()), index: z.number().int().min(0) });
export type LoopFrame = z.infer<typeof LoopFrame>;

/** What an execution needs to go on: it rides inside the command (principle 3). */
export const Continuation = z.object({
  /** the next node to run; null when finished */
  cursor: z.string().nullable(),
  /** variables set by steps (api_call responses, loop items) */
  vars: record.default({}),
  loops: z.array(LoopFrame).default([]),
  /** number of steps run so far, guards against runaway graphs */
  steps: z.number().int().min(0).default(0),
  /** attempt of the node at the cursor (1-based) */
  attempt: z.number().int().min(1).default(1),
  /** sequence number of the next step result of this execution */
  seq: z.number().int().min(0).default(0),
  /** when the execution started (for its total duration) */
  startedAt: isoTime.optional(),
});
export type Continuation = z.infer<typeof Continuation>;

const commandBase = {
  v: z.literal(1),
  /** deterministic: uuidv5(workflow version id + event id) */
  executionId: uuid,
  organizationId: uuid,
  workflowId: uuid,
  versionId: uuid,
  version: z.number().int().min(1),
  issuedAt: isoTime,
};

/** automation.commands.v1 (key = execution id) */
export const Command = z.discriminatedUnion('kind', [
  z.object({
    ...commandBase,
    kind: z.literal('start'),
    /** omitted by the matcher and the timers: the executor resolves the immutable version by versionId (README "Storage") */
    definition: WorkflowDefinition.optional(),
    event: DomainEvent,
    /** commit time of the triggering change, for end-to-end latency */
    triggeredAt: isoTime,
    /** set when a replay (backfill) started it rather than the live matcher */
    origin: StartOrigin.optional(),
    /** set when an enrollment of existing records started it: it starts at the step the record's age implies */
    enrollment: StartEnrollment.optional(),
  }),
  z.object({
    ...commandBase,
    kind: z.literal('resume'),
    /** unique per continuation: execution id + step count, so a re-emitted timer is deduplicated */
    commandId: z.string().max(300),
    /** omitted by the matcher and the timers: the executor resolves the immutable version by versionId (README "Storage") */
    definition: WorkflowDefinition.optional(),
    event: DomainEvent,
    context: record,
    continuation: Continuation,
    reason: z.enum(['delay', 'retry', 'quiet_hours', 'manual_retry', 'fairness']),
  }),
  z.object({ ...commandBase, kind: z.literal('cancel'), commandId: z.string().max(300), reason: z.string().max(500) }),
]);
export type Command = z.infer<typeof Command>;
export type StartCommand = Extract<Command, { kind: 'start' }>;
export type ResumeCommand = Extract<Command, { kind: 'resume' }>;
/** A start or resume with its definition at hand: what the engine runs (the executor resolves an omitted one by version id). */
export type RunnableCommand = RunnableStart | RunnableResume;
/** A start with its definition: what decideStart makes (the matcher drops it before the topic, see withoutDefinition). */
export type RunnableStart = StartCommand & { definition: WorkflowDefinition };
/** A resume with its definition: what the engine parks (the executor drops it from a stored version's timer). */
export type RunnableResume = ResumeCommand & { definition: WorkflowDefinition };

/**
 * The command as it travels when its version is a stored, immutable one: without the definition,
 * which the executor resolves by `versionId` (README "Storage"). A draft test run or a built-in
 * workflow has no stored version and keeps it.
 */
export const withoutDefinition = <C extends Command>(c: C): C => {
  if (c.kind === 'cancel' || c.definition === undefined) return c;
  const { definition: _omitted, ...rest } = c;
  return rest as C;
};

/**
 * Why a step or an execution failed. The code is one of STEP_ERROR_CODES; results written before the
 * set was closed are read upgraded (see upgradeStepError), so the type is the closed set itself.
 */
export const StepError = z.preprocess(
  upgradeStepError,
  z.object({
    code: StepErrorCode,
    message: z.string().max(2000),
    retryable: z.boolean(),
  }),
);
export type StepError = z.infer<typeof StepError>;

/**
 * The step error code of a message to a person (email, SMS, push) whose outcome nobody can know: its
 * request was on the wire when the process died or the connection broke, and the provider could not
 * be asked (or did not know). It is never sent again (nobody gets it twice), and it is not a failure
 * either — the customer may well have it. Execution logs, the API and the monitor show it as its own
 * status (`unknown`) so that someone can check with the customer or the provider's dashboard.
 */
export const OUTCOME_UNKNOWN = 'outcome_unknown' satisfies StepErrorCode;
export const isOutcomeUnknown = (e: Pick<StepError, 'code'> | null | undefined): boolean => e?.code === OUTCOME_UNKNOWN;

const resultBase = {
  v: z.literal(1),
  /** deterministic: execution id + sequence */
  resultId: z.string().max(300),
  executionId: uuid,
  organizationId: uuid,
  workflowId: uuid,
  versionId: uuid,
  /** position of this result in the execution; results of one execution are totally ordered */
  seq: z.number().int().min(0),
  at: isoTime,
};

/** automation.step-results.v1 (key = execution id) — every state change of an execution. */
export const StepResult = z.discriminatedUnion('kind', [
  z.object({
    ...resultBase,
    kind: z.literal('execution_started'),
    triggerType: TriggerType,
    triggerData: record,
    eventId: uuid,
    triggeredAt: isoTime,
    /** the replay (backfill) that started it; null for a live start */
    replayId: uuid.optional(),
  }),
  z.object({
    ...resultBase,
    kind: z.literal('step_succeeded'),
    stepId: z.string(),
    stepType: StepType,
    attempt: z.number().int().min(1),
    startedAt: isoTime,
    durationMs: z.number().min(0),
    output: record,
    /** delivered: sent to a provider; suppressed: held back by consent; skipped: already delivered earlier */
    delivery: z.enum(['delivered', 'suppressed', 'deduplicated', 'none']).default('none'),
    channel: DeliveryChannel.nullable().default(null),
  }),
  z.object({
    ...resultBase,
    kind: z.literal('step_failed'),
    stepId: z.string(),
    stepType: StepType,
    attempt: z.number().int().min(1),
    startedAt: isoTime,
    durationMs: z.number().min(0),
    error: StepError,
    /** when set, the step will be retried at that time */
    retryAt: isoTime.nullable(),
  }),
  /** an enrolled record started past this step: its time had passed (the step did not run) */
  z.object({
    ...resultBase,
    kind: z.literal('step_skipped'),
    stepId: z.string(),
    stepType: StepType,
    reason: z.enum(['time_passed']),
    /** when the step would have run on the record's own clock */
    dueAt: isoTime,
  }),
  z.object({ ...resultBase, kind: z.literal('execution_waiting'), stepId: z.string(), until: isoTime, reason: z.string().max(200) }),
  z.object({ ...resultBase, kind: z.literal('execution_completed'), durationMs: z.number().min(0) }),
  z.object({ ...resultBase, kind: z.literal('execution_failed'), durationMs: z.number().min(0), error: StepError }),
  z.object({ ...resultBase, kind: z.literal('execution_cancelled'), reason: z.string().max(500) }),
]);
export type StepResult = z.infer<typeof StepResult>;
export type StepResultKind = StepResult['kind'];

/** automation.dlq.v1 — a message that could not be processed. */
export const DeadLetter = z.object({
  v: z.literal(1),
  origin: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string(), key: z.string().nullable() }),
  consumer: z.string(),
  reason: z.string().max(5000),
  /** the original value, as text (may not be JSON) */
  value: z.string().nullable(),
  headers: z.record(z.string(), z.string()).default({}),
  failedAt: isoTime,
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** Topic catalog: handlers derive their payload types from here. */
export const TOPIC_SCHEMAS = {
  [TOPICS.workflows]: PublishedWorkflow,
  [TOPICS.events]: DomainEvent,
  [TOPICS.commands]: Command,
  [TOPICS.replayCommands]: Command,
  [TOPICS.stepResults]: StepResult,
  [TOPICS.dlq]: DeadLetter,
} as const;
export type TopicSchemas = typeof TOPIC_SCHEMAS;
export type TopicMessage<T extends keyof TopicSchemas> = z.infer<TopicSchemas[T]>;

export const CHANNEL_OF_ACTION: Partial<Record<ActionType, DeliveryChannel>> = {
  send_email: 'email',
  send_sms: 'sms',
  send_push_notification: 'push',
  webhook: 'webhook',
  api_call: 'api_call',
};

/**
 * The key of an event on automation.events.v1: `organizationId:entityId` (or the workflow for an
 * event about no record). It orders a record's events and lets a reader find them by key alone
 * (a replay passes over other organizations' events unparsed; "why didn't this fire?" reads one
 * partition).
 */
export const eventKey = (ev: Pick<DomainEvent, 'organizationId' | 'entityId' | 'workflowId'>): string =>
  `${ev.organizationId}:${ev.entityId ?? ev.workflowId ?? ''}`;
