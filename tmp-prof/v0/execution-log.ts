import type { StepResult } from '@fixlify/contracts';

export interface ActionExecuted {
  stepId: string;
  type: string;
  status: 'succeeded' | 'failed' | 'retrying';
  attempt: number;
  startedAt: string;
  durationMs: number;
  output?: Record<string, unknown>;
  error?: { code: string; message: string };
  delivery?: string;
}

export type ExecutionStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'retry' | 'waiting' | 'cancelled';

export interface ExecutionLogRow {
  id: string;
  organizationId: string;
  workflowId: string;
  versionId: string;
  status: ExecutionStatus;
  triggerType: string | null;
  triggerData: Record<string, unknown>;
  actionsExecuted: ActionExecuted[];
  errorMessage: string | null;
  retryCount: number;
  lastSeq: number;
  triggeredAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  executionTimeMs: number | null;
  createdAt: string;
  updatedAt: string;
}

const MAX_OUTPUT_CHARS = 2000;

/** Output summaries stay small: the full output lives on the topic. */
export const summarize = (output: Record<string, unknown>): Record<string, unknown> => {
  const text = JSON.stringify(output);
  if (text.length <= MAX_OUTPUT_CHARS) return output;
  return { summary: `${text.slice(0, MAX_OUTPUT_CHARS)}…`, truncated: true };
};

export const emptyLog = (r: StepResult): ExecutionLogRow => ({
  id: r.executionId,
  organizationId: r.organizationId,
  workflowId: r.workflowId,
  versionId: r.versionId,
  status: 'pending',
  triggerType: null,
  triggerData: {},
  actionsExecuted: [],
  errorMessage: null,
  retryCount: 0,
  lastSeq: -1,
  triggeredAt: null,
  startedAt: null,
  completedAt: null,
  executionTimeMs: null,
  createdAt: r.at,
  updatedAt: r.at,
});

const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['completed', 'failed', 'cancelled']);

/**
 * Folds one step result into an execution log. Pure and deterministic (times come from the
 * results, not the clock), so replaying the topic rebuilds the same rows. A result at or below
 * `lastSeq` was applied already and changes nothing.
 */
export const applyStepResult = (log: ExecutionLogRow, r: StepResult): ExecutionLogRow => {
  if (r.seq <= log.lastSeq && r.kind !== 'execution_cancelled') return log;
  const next: ExecutionLogRow = { ...log, lastSeq: Math.max(log.lastSeq, r.seq), updatedAt: r.at };
  switch (r.kind) {
    case 'execution_started':
      next.status = TERMINAL.has(log.status) ? log.status : 'processing';
      next.triggerType = r.triggerType;
      next.triggerData = r.triggerData;
      next.triggeredAt = r.triggeredAt;
      next.startedAt = r.at;
      next.createdAt = r.at;
      return next;
    case 'step_succeeded':
      next.status = TERMINAL.has(log.status) ? log.status : 'processing';
      next.actionsExecuted = [
        ...log.actionsExecuted,
        { stepId: r.stepId, type: r.stepType, status: 'succeeded', attempt: r.attempt, startedAt: r.startedAt, durationMs: r.durationMs, output: summarize(r.output), delivery: r.delivery },
      ];
      return next;
    case 'step_failed':
      next.actionsExecuted = [
        ...log.actionsExecuted,
        {
          stepId: r.stepId,
          type: r.stepType,
          status: r.retryAt ? 'retrying' : 'failed',
          attempt: r.attempt,
          startedAt: r.startedAt,
          durationMs: r.durationMs,
          error: { code: r.error.code, message: r.error.message },
        },
      ];
      next.errorMessage = r.error.message;
      if (r.retryAt) {
        next.retryCount = log.retryCount + 1;
        if (!TERMINAL.has(log.status)) next.status = 'retry';
      }
      return next;
    case 'execution_waiting':
      if (!TERMINAL.has(log.status) && log.status !== 'retry') next.status = 'waiting';
      return next;
    case 'execution_completed':
      next.status = 'completed';
      next.completedAt = r.at;
      next.executionTimeMs = Math.round(r.durationMs);
      next.errorMessage = null;
      return next;
    case 'execution_failed':
      next.status = 'failed';
      next.completedAt = r.at;
      next.executionTimeMs = Math.round(r.durationMs);
      next.errorMessage = r.error.message;
      return next;
    case 'execution_cancelled':
      if (TERMINAL.has(log.status)) return log;
      next.status = 'cancelled';
      next.completedAt = r.at;
      next.errorMessage = r.reason;
      return next;
  }
};
