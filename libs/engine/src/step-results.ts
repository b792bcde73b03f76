import {
  triggerDataOf,
  type Command,
  type Continuation,
  type DeliveryChannel,
  type StartCommand,
  type StepResult,
  type WorkflowNode,
} from '@fixlify/contracts';
import type { StepFailure } from './step-error';

/** A step output larger than this is cut in the step result (the log keeps a preview). */
export const MAX_OUTPUT_FIELD_CHARS = 4000;

// many results share a millisecond: format each millisecond once
let lastMs = Number.NaN;
let lastIso = '';
export const isoOf = (d: Date): string => {
  const ms = d.getTime();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = d.toISOString();
  }
  return lastIso;
};

/** Keeps small fields, cuts the large ones to a preview, so a big API answer cannot bloat the log. */
export const boundOutput = (output: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  const cut: string[] = [];
  for (const [k, v] of Object.entries(output)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text !== undefined && text.length > MAX_OUTPUT_FIELD_CHARS) {
      cut.push(k);
      Object.defineProperty(out, k, { value: `${text.slice(0, MAX_OUTPUT_FIELD_CHARS)}…`, enumerable: true, writable: true, configurable: true });
    } else Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  if (cut.length > 0) out.truncated = cut;
  return out;
};

export type ResultBase = Pick<StepResult, 'v' | 'resultId' | 'executionId' | 'organizationId' | 'workflowId' | 'versionId' | 'seq' | 'at'>;

/** The ids every result of the execution carries; takes the continuation's next sequence number. */
export const resultBase = (cmd: Command, cont: Continuation, now: Date): ResultBase => {
  const seq = cont.seq++;
  return {
    v: 1 as const,
    resultId: `${cmd.executionId}:${seq}`,
    executionId: cmd.executionId,
    organizationId: cmd.organizationId,
    workflowId: cmd.workflowId,
    versionId: cmd.versionId,
    seq,
    at: isoOf(now),
  };
};

/** Which step ran, which attempt, when it started and how long it took. */
export interface StepTiming {
  stepId: string;
  stepType: Exclude<WorkflowNode, { type: 'trigger' }>['type'];
  attempt: number;
  startedAt: string;
  durationMs: number;
}

export const stepTiming = (node: Exclude<WorkflowNode, { type: 'trigger' }>, attempt: number, started: Date, now: Date): StepTiming => ({
  stepId: node.id,
  stepType: node.type,
  attempt,
  startedAt: isoOf(started),
  durationMs: Math.max(0, now.getTime() - started.getTime()),
});

export const executionStarted = (base: ResultBase, cmd: StartCommand): StepResult => ({
  ...base,
  kind: 'execution_started',
  triggerType: cmd.event.type,
  // the event's own ids win over payload keys of the same name (a context cannot re-aim a retry)
  triggerData: triggerDataOf(cmd.event),
  eventId: cmd.event.eventId,
  triggeredAt: cmd.triggeredAt,
  ...(cmd.origin ? { replayId: cmd.origin.replayId } : {}),
});

export const stepSucceeded = (
  base: ResultBase,
  step: StepTiming,
  output: Record<string, unknown>,
  delivery: 'delivered' | 'suppressed' | 'deduplicated' | 'none',
  channel: DeliveryChannel | null,
): StepResult => ({ ...base, kind: 'step_succeeded', ...step, output, delivery, channel });

/** `retryAt`: when the step runs again; null when it does not. */
export const stepFailed = (base: ResultBase, step: StepTiming, error: StepFailure, retryAt: string | null): StepResult => ({
  ...base,
  kind: 'step_failed',
  ...step,
  error,
  retryAt,
});

/** An enrolled record started past this step: its time (`dueAt`, on the record's own clock) had passed. */
export const stepSkipped = (base: ResultBase, node: Exclude<WorkflowNode, { type: 'trigger' }>, dueAt: Date): StepResult => ({
  ...base,
  kind: 'step_skipped',
  stepId: node.id,
  stepType: node.type,
  reason: 'time_passed',
  dueAt: dueAt.toISOString(),
});

export const executionWaiting = (base: ResultBase, stepId: string, until: string, reason: string): StepResult => ({
  ...base,
  kind: 'execution_waiting',
  stepId,
  until,
  reason,
});

export const executionFailed = (base: ResultBase, durationMs: number, error: StepFailure): StepResult => ({
  ...base,
  kind: 'execution_failed',
  durationMs,
  error,
});

export const executionCompleted = (base: ResultBase, durationMs: number): StepResult => ({ ...base, kind: 'execution_completed', durationMs });
