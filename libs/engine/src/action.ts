import type { ActionType, StepErrorCode, WorkflowNode } from '@fixlify/contracts';
import type { ExecutionContext } from '@fixlify/db';
import type { TraceContext } from '@fixlify/kafka';
import { stepError, type StepFailure } from './step-error';

/** What the walk hands an action and what it gets back: the seam between run-execution and actions/. */
export type ActionNode = Extract<WorkflowNode, { type: ActionType }>;

export type ActionOutcome =
  | { kind: 'ok'; output: Record<string, unknown>; delivery: 'delivered' | 'suppressed' | 'deduplicated' | 'none' }
  | { kind: 'failed'; error: StepFailure; retryAfterMs?: number }
  /** not now: quiet hours, or the organization's send rate on this channel */
  | { kind: 'wait'; until: Date; reason: 'quiet_hours' | 'rate_limit' };

export interface ActionRequest<N extends ActionNode = ActionNode> {
  node: N;
  /** the node's config with every template rendered */
  config: Record<string, unknown>;
  executionId: string;
  organizationId: string;
  workflowId: string;
  stepKey: string;
  attempt: number;
  context: ExecutionContext;
  depth: number;
  /** the command was never taken on before (not a re-run after a crash) */
  firstRun: boolean;
  /** the span of the command being run: deliveries are its children */
  trace?: TraceContext;
}

/** An action that failed with a code of the closed set. */
export const failed = (code: StepErrorCode, message: string, retryable = false): ActionOutcome => ({
  kind: 'failed',
  error: stepError(code, message, retryable),
});
