import {
  CHANNEL_OF_ACTION,
  type ActionType,
  type Command,
  type Continuation,
  type ResumeCommand,
  type StartCommand,
  type StepError,
  type StepResult,
  type WorkflowDefinition,
  type WorkflowNode,
} from '@fixlify/contracts';
import {
  MAX_STEPS_PER_EXECUTION,
  advance,
  delayUntil,
  evaluateCondition,
  getPath,
  initialContinuation,
  iterationKey,
  nodeById,
  renderDeep,
  retryDelayMs,
} from '@fixlify/workflow';
import type { ExecutionContext } from './load-context';

export type ActionNode = Extract<WorkflowNode, { type: ActionType }>;

export type ActionOutcome =
  | { kind: 'ok'; output: Record<string, unknown>; delivery: 'delivered' | 'suppressed' | 'deduplicated' | 'none' }
  | { kind: 'failed'; error: StepError; retryAfterMs?: number }
  | { kind: 'wait'; until: Date; reason: string };

export interface ActionRequest {
  node: ActionNode;
  /** the node's config with every template rendered */
  config: Record<string, unknown>;
  executionId: string;
  organizationId: string;
  workflowId: string;
  stepKey: string;
  attempt: number;
  context: ExecutionContext;
  depth: number;
}

export interface RunDeps {
  now: () => Date;
  random: () => number;
  performAction: (req: ActionRequest) => Promise<ActionOutcome>;
}

export interface TimerRequest {
  id: string;
  organizationId: string;
  executionId: string;
  dueAt: Date;
  command: ResumeCommand;
}

export interface RunOutcome {
  results: StepResult[];
  timers: TimerRequest[];
  state: 'completed' | 'failed' | 'waiting' | 'cancelled';
}

const DEFAULT_RETRY = { maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 300_000 };

const errorOf = (e: unknown, code = 'internal_error', retryable = false): StepError => ({
  code: typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : code,
  message: (e instanceof Error ? e.message : String(e)).slice(0, 2000),
  retryable,
});

export const renderOptions = (ctx: ExecutionContext): { locale: string; timeZone: string; currency: string } => ({
  locale: typeof ctx.organization?.locale === 'string' ? ctx.organization.locale : 'en-US',
  timeZone:
    typeof ctx.client?.time_zone === 'string' && ctx.client.time_zone
      ? ctx.client.time_zone
      : typeof ctx.organization?.time_zone === 'string'
        ? ctx.organization.time_zone
        : 'UTC',
  currency: typeof ctx.organization?.currency === 'string' ? ctx.organization.currency.trim() : 'USD',
});

/**
 * Runs one start or resume command: the steps that can run now, until the execution ends or
 * must wait (delay, retry back-off, quiet hours). Pure apart from `deps.performAction`; the
 * caller writes the timers and commits the results with the consumed offset.
 */
export const runExecution = async (cmd: Extract<Command, { kind: 'start' | 'resume' }>, loaded: ExecutionContext | null, deps: RunDeps): Promise<RunOutcome> => {
  const def: WorkflowDefinition = cmd.definition;
  const now = deps.now();
  const results: StepResult[] = [];
  const timers: TimerRequest[] = [];
  const context: ExecutionContext = cmd.kind === 'start' ? loaded! : (cmd.context as ExecutionContext);
  let cont: Continuation =
    cmd.kind === 'start' ? { ...initialContinuation(def), seq: 0, startedAt: now.toISOString() } : { ...cmd.continuation };
  const startedAt = cont.startedAt ? new Date(cont.startedAt) : now;
  const depth = (cmd.event.causation?.depth ?? 0) + 1;
  const base = () => ({
    v: 1 as const,
    resultId: `${cmd.executionId}:${cont.seq}`,
    executionId: cmd.executionId,
    organizationId: cmd.organizationId,
    workflowId: cmd.workflowId,
    versionId: cmd.versionId,
    seq: cont.seq++,
    at: deps.now().toISOString(),
  });
  const resume = (c: Continuation, reason: ResumeCommand['reason'], dueAt: Date): void => {
    const progress = c.steps * 1000 + c.attempt;
    const command: ResumeCommand = {
      v: 1,
      kind: 'resume',
      executionId: cmd.executionId,
      organizationId: cmd.organizationId,
      workflowId: cmd.workflowId,
      versionId: cmd.versionId,
      version: cmd.version,
      issuedAt: now.toISOString(),
      commandId: `${cmd.executionId}:${progress}`,
      definition: def,
      event: cmd.event,
      context,
      continuation: c,
      reason,
    };
    timers.push({ id: command.commandId, organizationId: cmd.organizationId, executionId: cmd.executionId, dueAt, command });
  };
  const elapsed = (): number => Math.max(0, deps.now().getTime() - startedAt.getTime());

  if (cmd.kind === 'start') {
    results.push({
      ...base(),
      kind: 'execution_started',
      triggerType: cmd.event.type,
      triggerData: { eventId: cmd.event.eventId, entityType: cmd.event.entityType, entityId: cmd.event.entityId, ...cmd.event.data },
      eventId: cmd.event.eventId,
      triggeredAt: cmd.triggeredAt,
    });
  }

  while (cont.cursor !== null) {
    const node = nodeById(def, cont.cursor);
    if (!node || cont.steps >= MAX_STEPS_PER_EXECUTION) {
      const error = { code: node ? 'step_limit' : 'node_missing', message: node ? `more than ${MAX_STEPS_PER_EXECUTION} steps` : `node ${cont.cursor} not in the definition`, retryable: false };
      results.push({ ...base(), kind: 'execution_failed', durationMs: elapsed(), error });
      return { results, timers, state: 'failed' };
    }
    const scope: Record<string, unknown> = { ...cont.vars, ...context, vars: cont.vars };
    const stepStarted = deps.now();
    const stepCommon = () => ({ stepId: node.id, stepType: node.type as Exclude<WorkflowNode['type'], 'trigger'>, attempt: cont.attempt, startedAt: stepStarted.toISOString(), durationMs: deps.now().getTime() - stepStarted.getTime() });
    switch (node.type) {
      case 'trigger':
        cont = advance(def, cont, { kind: 'next' });
        break;
      case 'condition': {
        const result = evaluateCondition(node.config.when, scope);
        results.push({ ...base(), kind: 'step_succeeded', ...stepCommon(), output: { result }, delivery: 'none', channel: null });
        cont = advance(def, cont, { kind: 'branch', branch: result ? 'true' : 'false' });
        break;
      }
      case 'loop': {
        const items = getPath(scope, node.config.over);
        if (!Array.isArray(items)) {
          const error = { code: 'loop_not_a_list', message: `${node.config.over} is not a list`, retryable: false };
          results.push({ ...base(), kind: 'step_failed', ...stepCommon(), error, retryAt: null });
          results.push({ ...base(), kind: 'execution_failed', durationMs: elapsed(), error });
          return { results, timers, state: 'failed' };
        }
        results.push({ ...base(), kind: 'step_succeeded', ...stepCommon(), output: { count: Math.min(items.length, node.config.maxIterations), total: items.length }, delivery: 'none', channel: null });
        cont = advance(def, cont, { kind: 'loop_enter', items });
        break;
      }
      case 'delay': {
        let until: Date;
        try {
          until = delayUntil(node.config, scope, renderOptions(context), now);
        } catch (e) {
          const error = errorOf(e, 'delay_time_invalid');
          results.push({ ...base(), kind: 'step_failed', ...stepCommon(), error, retryAt: null });
          results.push({ ...base(), kind: 'execution_failed', durationMs: elapsed(), error });
          return { results, timers, state: 'failed' };
        }
        results.push({ ...base(), kind: 'step_succeeded', ...stepCommon(), output: { until: until.toISOString() }, delivery: 'none', channel: null });
        cont = advance(def, cont, { kind: 'next' });
        if (until.getTime() > deps.now().getTime() + 5) {
          results.push({ ...base(), kind: 'execution_waiting', stepId: node.id, until: until.toISOString(), reason: 'delay' });
          resume(cont, 'delay', until);
          return { results, timers, state: 'waiting' };
        }
        break;
      }
      case 'send_email':
      case 'send_sms':
      case 'send_push_notification':
      case 'webhook':
      case 'api_call':
      case 'update_record':
      case 'create_task':
      case 'assign_technician': {
        const stepKey = `${cmd.executionId}:${node.id}${iterationKey(cont) ? `:${iterationKey(cont)}` : ''}`;
        let outcome: ActionOutcome;
        try {
          const config = renderDeep(node.config, scope, renderOptions(context)) as Record<string, unknown>;
          outcome = await deps.performAction({ node, config, executionId: cmd.executionId, organizationId: cmd.organizationId, workflowId: cmd.workflowId, stepKey, attempt: cont.attempt, context, depth });
        } catch (e) {
          outcome = { kind: 'failed', error: errorOf(e, 'action_error', false) };
        }
        const channel = CHANNEL_OF_ACTION[node.type] ?? null;
        if (outcome.kind === 'ok') {
          results.push({ ...base(), kind: 'step_succeeded', ...stepCommon(), output: outcome.output, delivery: outcome.delivery, channel });
          if (node.type === 'api_call' && node.config.saveAs) cont = { ...cont, vars: { ...cont.vars, [node.config.saveAs]: outcome.output.response ?? null } };
          cont = advance(def, cont, { kind: 'next' });
          break;
        }
        if (outcome.kind === 'wait') {
          results.push({ ...base(), kind: 'execution_waiting', stepId: node.id, until: outcome.until.toISOString(), reason: outcome.reason });
          resume({ ...cont, steps: cont.steps + 1 }, 'quiet_hours', outcome.until);
          return { results, timers, state: 'waiting' };
        }
        const policy = node.retry ?? DEFAULT_RETRY;
        if (outcome.error.retryable && cont.attempt < policy.maxAttempts) {
          const delay = retryDelayMs(policy, cont.attempt, deps.random, outcome.retryAfterMs);
          const retryAt = new Date(deps.now().getTime() + delay);
          results.push({ ...base(), kind: 'step_failed', ...stepCommon(), error: outcome.error, retryAt: retryAt.toISOString() });
          resume({ ...cont, attempt: cont.attempt + 1 }, 'retry', retryAt);
          return { results, timers, state: 'waiting' };
        }
        results.push({ ...base(), kind: 'step_failed', ...stepCommon(), error: outcome.error, retryAt: null });
        const reason = outcome.error.retryable ? { ...outcome.error, message: `gave up after ${cont.attempt} attempts: ${outcome.error.message}` } : outcome.error;
        results.push({ ...base(), kind: 'execution_failed', durationMs: elapsed(), error: reason });
        return { results, timers, state: 'failed' };
      }
    }
  }
  results.push({ ...base(), kind: 'execution_completed', durationMs: elapsed() });
  return { results, timers, state: 'completed' };
};

export type { StartCommand };
