import {
  splitTriggerData,
  type Command,
  type Continuation,
  type DomainEvent,
  type ResumeCommand,
  type TriggerType,
  type WorkflowDefinition,
} from '@fixlify/contracts';
import { continuationProgress, initialContinuation, stepsOfProgress } from '@fixlify/workflow';

export interface ExecutionRef {
  id: string;
  organizationId: string;
  workflowId: string;
  versionId: string;
  version: number;
}

/**
 * The executor runs a command only when it moves the execution forward: its continuationProgress
 * above the progress it recorded. A manual retry
 * therefore counts one more step than the failed attempt and starts the step at attempt 1, so it
 * gets its full retry budget again.
 */
export const retryContinuation = (base: Continuation, p: { recordedProgress: number; lastSeq: number }): Continuation => {
  const steps = Math.max(base.steps, stepsOfProgress(p.recordedProgress) + 1);
  return { ...base, steps, attempt: 1, seq: Math.max(base.seq, p.lastSeq + 1) };
};

/**
 * Resume command of a manual retry. `last` is the newest continuation-bearing command of the
 * execution (a timer's resume command) when there is one; otherwise the execution restarts from its
 * trigger with a freshly loaded context — steps that already delivered are not delivered again (the
 * executor's delivery ledger answers them from its record).
 */
export const manualRetryCommand = (p: {
  execution: ExecutionRef;
  last: ResumeCommand | null;
  rebuilt: { definition: WorkflowDefinition; event: DomainEvent; context: Record<string, unknown>; startedAt: string | null } | null;
  recordedProgress: number;
  lastSeq: number;
  now: Date;
}): ResumeCommand => {
  const source = p.last ?? p.rebuilt;
  if (!source) throw new Error('a retry needs the last continuation or a rebuilt start');
  const base: Continuation = p.last
    ? p.last.continuation
    : { ...initialContinuation(p.rebuilt!.definition), ...(p.rebuilt!.startedAt ? { startedAt: p.rebuilt!.startedAt } : {}) };
  const continuation = retryContinuation(base, p);
  return {
    v: 1,
    kind: 'resume',
    executionId: p.execution.id,
    organizationId: p.execution.organizationId,
    workflowId: p.execution.workflowId,
    versionId: p.execution.versionId,
    version: p.execution.version,
    issuedAt: p.now.toISOString(),
    commandId: `${p.execution.id}:manual-retry:${continuationProgress(continuation)}`,
    definition: p.last ? p.last.definition : p.rebuilt!.definition,
    event: p.last ? p.last.event : p.rebuilt!.event,
    context: p.last ? p.last.context : p.rebuilt!.context,
    continuation,
    reason: 'manual_retry',
  };
};

export const cancelCommand = (e: ExecutionRef, actor: string, now: Date): Extract<Command, { kind: 'cancel' }> => ({
  v: 1,
  kind: 'cancel',
  executionId: e.id,
  organizationId: e.organizationId,
  workflowId: e.workflowId,
  versionId: e.versionId,
  version: e.version,
  issuedAt: now.toISOString(),
  commandId: `${e.id}:cancel`,
  reason: `cancelled by ${actor}`.slice(0, 500),
});

/** The trigger event of an execution, rebuilt from its log (the original rides only on the commands topic). */
export const rebuildEvent = (p: {
  organizationId: string;
  workflowId: string;
  triggerType: TriggerType;
  triggerData: Record<string, unknown>;
  triggeredAt: string | null;
  after: Record<string, unknown> | null;
  now: Date;
}): DomainEvent => {
  // the ids the executor recorded for the event, and the payload as the trigger gave it (colliding keys included)
  const { eventId, entityType, entityId, payload: data } = splitTriggerData(p.triggerData);
  const et = typeof entityType === 'string' ? entityType : 'none';
  return {
    v: 1,
    eventId: typeof eventId === 'string' ? eventId : '00000000-0000-4000-8000-000000000000',
    type: p.triggerType,
    organizationId: p.organizationId,
    entityType: (['job', 'invoice', 'client', 'estimate', 'organization', 'technician', 'task', 'workflow', 'none'].includes(et)
      ? et
      : 'none') as DomainEvent['entityType'],
    entityId: typeof entityId === 'string' ? entityId : null,
    before: null,
    after: p.after,
    occurredAt: p.triggeredAt ?? p.now.toISOString(),
    emittedAt: p.now.toISOString(),
    workflowId: p.workflowId,
    causation: null,
    data,
    source: { kind: 'manual' },
  };
};
