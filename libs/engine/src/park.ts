import { continuationProgress } from '@fixlify/workflow';
import type { Command, Continuation, ResumeCommand, RunnableCommand, RunnableResume } from '@fixlify/contracts';
import type { ExecutionContext } from '@fixlify/db';
import { stepError, type StepFailure } from './step-error';

/** Why an execution waits for a timer. */
export type TimerReason = 'delay' | 'retry' | 'quiet_hours' | 'rate_limit' | 'fairness' | 'slow_action';

/** A timer as the executor stores it (automation_timers): the command it emits when due. */
export interface TimerRow {
  id: string;
  organizationId: string;
  executionId: string;
  dueAt: Date;
  command: Command;
  reason: TimerReason;
}

export type TimerRequest = TimerRow & { command: RunnableResume };

/** A continuation command must fit in one Kafka message (the broker's default limit is 1 MiB). */
export const MAX_COMMAND_BYTES = 900_000;

const TIMER_REASON_TO_COMMAND: Record<TimerReason, ResumeCommand['reason']> = {
  delay: 'delay',
  retry: 'retry',
  quiet_hours: 'quiet_hours',
  rate_limit: 'fairness',
  fairness: 'fairness',
  slow_action: 'fairness',
};

/**
 * The timer that resumes the execution at `dueAt` with continuation `c` (cursor, variables, loops:
 * state travels with the command), or the failure when that state is too large to travel.
 * `issuedAt` is when the command being run was taken on.
 */
export const parkContinuation = (
  cmd: RunnableCommand,
  context: ExecutionContext,
  c: Continuation,
  reason: TimerReason,
  dueAt: Date,
  issuedAt: Date,
): { timer: TimerRequest } | { error: StepFailure } => {
  const progress = continuationProgress(c);
  const command: RunnableResume = {
    v: 1,
    kind: 'resume',
    executionId: cmd.executionId,
    organizationId: cmd.organizationId,
    workflowId: cmd.workflowId,
    versionId: cmd.versionId,
    version: cmd.version,
    issuedAt: issuedAt.toISOString(),
    commandId: `${cmd.executionId}:${progress}`,
    definition: cmd.definition,
    event: cmd.event,
    context,
    continuation: c,
    reason: TIMER_REASON_TO_COMMAND[reason],
  };
  const size = Buffer.byteLength(JSON.stringify(command));
  if (size > MAX_COMMAND_BYTES)
    return {
      error: stepError(
        'state_too_large',
        `the execution's state is ${size} bytes, more than the ${MAX_COMMAND_BYTES} a continuation may carry; save less (api_call saveAs) or loop over fewer items`,
      ),
    };
  return { timer: { id: command.commandId, organizationId: cmd.organizationId, executionId: cmd.executionId, dueAt, command, reason } };
};
