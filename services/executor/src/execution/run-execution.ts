import {
  CHANNEL_OF_ACTION,
  stepKey as stepKeyOf,
  triggerDataOf,
  type ActionType,
  type Command,
  type Continuation,
  type DomainEvent,
  type ResumeCommand,
  type StepError,
  type StepResult,
  type WorkflowDefinition,
  type WorkflowNode,
} from '@fixlify/contracts';
import {
  DEFAULT_RETRY_POLICY,
  MAX_STEPS_PER_EXECUTION,
  advance,
  continuationProgress,
  delayUntil,
  evaluateCondition,
  initialContinuation,
  iterationKey,
  loopItems,
  nodeById,
  renderDeep,
  retryDelayMs,
  type StepOutcome,
} from '@fixlify/workflow';
import type { TimerReason, TimerRow } from '../timers/timer-store';
import { isInfrastructureError } from './infra-error';
import type { ExecutionContext } from '@fixlify/db';
import type { TraceContext } from '@fixlify/kafka';

export type ActionNode = Extract<WorkflowNode, { type: ActionType }>;
type ControlNode = Exclude<WorkflowNode, ActionNode | { type: 'trigger' }>;

export type ActionOutcome =
  | { kind: 'ok'; output: Record<string, unknown>; delivery: 'delivered' | 'suppressed' | 'deduplicated' | 'none' }
  | { kind: 'failed'; error: StepError; retryAfterMs?: number }
  /** not now: quiet hours, or the organization's send rate on this channel */
  | { kind: 'wait'; until: Date; reason: 'quiet_hours' | 'rate_limit' };

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
  /** the command was never taken on before (not a re-run after a crash) */
  firstRun: boolean;
  /** the span of the command being run: deliveries are its children */
  trace?: TraceContext;
}

export interface RunDeps {
  now: () => Date;
  random: () => number;
  performAction: (req: ActionRequest) => Promise<ActionOutcome>;
  /** opens the step's sealed secrets (libs/channels openNodeSecrets) right before its templates are rendered */
  openSecrets?: (node: ActionNode, scope: { organizationId: string; workflowId: string }) => ActionNode;
}

export type TimerRequest = TimerRow & { command: ResumeCommand };

export interface RunOutcome {
  results: StepResult[];
  timers: TimerRequest[];
  state: 'completed' | 'failed' | 'waiting';
}

/** An api_call response saved for later steps rides in every later command: it must stay small. */
export const MAX_SAVED_RESPONSE_BYTES = 64 * 1024;
/** A step output larger than this is cut in the step result (the log keeps a preview). */
export const MAX_OUTPUT_FIELD_CHARS = 4000;
/** A continuation command must fit in one Kafka message (the broker's default limit is 1 MiB). */
export const MAX_COMMAND_BYTES = 900_000;

// many results share a millisecond: format each millisecond once
let lastMs = Number.NaN;
let lastIso = '';
const isoOf = (d: Date): string => {
  const ms = d.getTime();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = d.toISOString();
  }
  return lastIso;
};

const errorOf = (e: unknown, code: string, retryable = false): StepError => ({
  code: typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code.slice(0, 100) : code,
  message: (e instanceof Error ? e.message : String(e)).slice(0, 2000),
  retryable,
});

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

/** What a start command knows when nothing could be loaded (the entity was deleted meanwhile). */
export const contextFromEvent = (ev: DomainEvent): ExecutionContext => ({
  event: { id: ev.eventId, type: ev.type, entityType: ev.entityType, entityId: ev.entityId, occurredAt: ev.occurredAt, organizationId: ev.organizationId },
  trigger: ev.data,
  before: ev.before,
  after: ev.after,
  organization: null,
  client: null,
  job: null,
  invoice: null,
  estimate: null,
  technician: null,
});

const TIMER_REASON_TO_COMMAND: Record<TimerReason, ResumeCommand['reason']> = {
  delay: 'delay',
  retry: 'retry',
  quiet_hours: 'quiet_hours',
  rate_limit: 'fairness',
  fairness: 'fairness',
  slow_action: 'fairness',
};

const DETACHED: unique symbol = Symbol('detached');
/** A detached action's resume is due this long after (sooner: its completion pulls the timer forward). */
export const DETACHED_RESUME_AFTER_MS = 90_000;

export interface RunOptions {
  /** the same message was taken on before (a crash came in between) */
  rerun?: boolean;
  /** the batch's time budget: actions still running when it is reached are detached */
  deadline?: { passed: () => boolean; reached: Promise<void> };
  /** a detached action finished: its resume timer may fire now */
  onDetachedDone?: (timerId: string) => void;
  /** the span of the consumed command */
  trace?: TraceContext;
}

/**
 * Runs one start or resume command: the steps that can run now, until the execution ends or
 * must wait (delay, retry back-off, quiet hours, rate limit). Pure apart from
 * `deps.performAction`; the caller writes the timers and commits the results with the consumed
 * offset. Never throws for anything a definition or its data can cause: a broken graph, a bad
 * template or an oversized state fail the execution with a coded reason. Throws when PostgreSQL is
 * away under an action (see isInfrastructureError): the whole batch is retried, nothing is failed.
 */
export const runExecution = async (
  cmd: Extract<Command, { kind: 'start' | 'resume' }>,
  loaded: ExecutionContext | null,
  deps: RunDeps,
  opts: RunOptions = {},
): Promise<RunOutcome> => {
  const def: WorkflowDefinition = cmd.definition;
  const now = deps.now();
  const results: StepResult[] = [];
  const timers: TimerRequest[] = [];
  const context: ExecutionContext = cmd.kind === 'start' ? (loaded ?? contextFromEvent(cmd.event)) : (cmd.context as ExecutionContext);
  const depth = (cmd.event.causation?.depth ?? 0) + 1;
  let cont: Continuation;
  if (cmd.kind === 'resume') cont = { ...cmd.continuation };
  else {
    try {
      cont = { ...initialContinuation(def), seq: 0, startedAt: now.toISOString() };
    } catch (e) {
      cont = { cursor: null, vars: {}, loops: [], steps: 0, attempt: 1, seq: 0, startedAt: now.toISOString() };
      const error = errorOf(e, 'definition_invalid');
      return { results: [startedResult(cmd, cont, deps), { ...resultBase(cmd, cont, deps), kind: 'execution_failed', durationMs: 0, error }], timers, state: 'failed' };
    }
  }
  const startedAt = cont.startedAt ? new Date(cont.startedAt) : now;
  const base = () => resultBase(cmd, cont, deps);
  const elapsed = (): number => Math.max(0, deps.now().getTime() - startedAt.getTime());
  const failed = (error: StepError): RunOutcome => {
    results.push({ ...base(), kind: 'execution_failed', durationMs: elapsed(), error });
    return { results, timers, state: 'failed' };
  };
  /** Parks the continuation; refuses a state too large to travel in a command. */
  const park = (c: Continuation, reason: TimerReason, dueAt: Date): RunOutcome | null => {
    const progress = continuationProgress(c);
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
      reason: TIMER_REASON_TO_COMMAND[reason],
    };
    const size = Buffer.byteLength(JSON.stringify(command));
    if (size > MAX_COMMAND_BYTES)
      return failed({ code: 'state_too_large', message: `the execution's state is ${size} bytes, more than the ${MAX_COMMAND_BYTES} a continuation may carry; save less (api_call saveAs) or loop over fewer items`, retryable: false });
    timers.push({ id: command.commandId, organizationId: cmd.organizationId, executionId: cmd.executionId, dueAt, command, reason });
    return null;
  };

  if (cmd.kind === 'start') results.push(startedResult(cmd, cont, deps));

  while (cont.cursor !== null) {
    const node = nodeById(def, cont.cursor);
    if (!node) return failed({ code: 'node_missing', message: `node ${cont.cursor} is not in the definition`, retryable: false });
    if (cont.steps >= MAX_STEPS_PER_EXECUTION) return failed({ code: 'step_limit', message: `more than ${MAX_STEPS_PER_EXECUTION} steps`, retryable: false });
    const scope: Record<string, unknown> = { ...cont.vars, ...context, vars: cont.vars };
    const stepStarted = deps.now();
    const common = (n: Exclude<WorkflowNode, { type: 'trigger' }>) => ({
      stepId: n.id,
      stepType: n.type,
      attempt: cont.attempt,
      startedAt: isoOf(stepStarted),
      durationMs: Math.max(0, deps.now().getTime() - stepStarted.getTime()),
    });
    try {
      if (node.type === 'trigger') {
        cont = advance(def, cont, { kind: 'next' });
        continue;
      }
      if (node.type === 'condition' || node.type === 'loop' || node.type === 'delay') {
        const r = runControl(node, scope, context, now);
        if (r.kind === 'error') {
          results.push({ ...base(), kind: 'step_failed', ...common(node), error: r.error, retryAt: null });
          return failed(r.error);
        }
        results.push({ ...base(), kind: 'step_succeeded', ...common(node), output: r.output, delivery: 'none', channel: null });
        cont = advance(def, cont, r.outcome);
        if (r.until && r.until.getTime() > deps.now().getTime() + 5) {
          results.push({ ...base(), kind: 'execution_waiting', stepId: node.id, until: r.until.toISOString(), reason: 'delay' });
          return park(cont, 'delay', r.until) ?? { results, timers, state: 'waiting' };
        }
        continue;
      }
      const iteration = iterationKey(cont);
      const stepKey = stepKeyOf(cmd.executionId, node.id, iteration);
      const deadline = opts.deadline;
      if (deadline?.passed()) {
        // the batch is out of time: start no new work, come back through a timer (due now)
        const at = deps.now();
        results.push({ ...base(), kind: 'execution_waiting', stepId: node.id, until: isoOf(at), reason: 'batch_deadline' });
        return park({ ...cont, steps: cont.steps + 1 }, 'fairness', at) ?? { results, timers, state: 'waiting' };
      }
      let pending: Promise<ActionOutcome>;
      try {
        // sealed secrets are opened here, for this step only: the definition everywhere else stays sealed
        const opened = deps.openSecrets ? deps.openSecrets(node, { organizationId: cmd.organizationId, workflowId: cmd.workflowId }) : node;
        const config = renderDeep(opened.config, scope, renderOptions(context)) as Record<string, unknown>;
        // only a start taken on for the first time may skip the ledger's pre-send check (see perform-action)
        const firstRun = !opts.rerun && cmd.kind === 'start';
        pending = deps
          .performAction({ node, config, executionId: cmd.executionId, organizationId: cmd.organizationId, workflowId: cmd.workflowId, stepKey, attempt: cont.attempt, context, depth, firstRun, ...(opts.trace ? { trace: opts.trace } : {}) })
          .catch((e: unknown): ActionOutcome => {
            // PostgreSQL away (the ledger, a record write): not the step's failure — the batch is retried whole
            if (isInfrastructureError(e)) throw e;
            return { kind: 'failed', error: errorOf(e, 'action_error') };
          });
      } catch (e) {
        pending = Promise.resolve({ kind: 'failed', error: errorOf(e, 'action_error') });
      }
      const raced = deadline ? await Promise.race([pending, deadline.reached.then((): typeof DETACHED => DETACHED)]) : await pending;
      if (raced === DETACHED) {
        // Slow: the action finishes in the background (its ledger record is what counts) and the execution
        // waits for a resume that runs the step again — deduplicated by the ledger — so one slow endpoint
        // does not hold the batch, and every other organization's executions in it, until its timeout.
        const at = deps.now();
        const until = new Date(at.getTime() + DETACHED_RESUME_AFTER_MS);
        results.push({ ...base(), kind: 'execution_waiting', stepId: node.id, until: isoOf(until), reason: 'slow_action' });
        // copied after the waiting result took its seq, so the resume's results come after it
        const parked = park({ ...cont, steps: cont.steps + 1 }, 'slow_action', until);
        if (parked) return parked;
        const timerId = timers[timers.length - 1]!.id;
        // a detached action that fails on the database is run again by its resume (deduplicated by the ledger)
        void pending.then(
          () => opts.onDetachedDone?.(timerId),
          () => undefined,
        );
        return { results, timers, state: 'waiting' };
      }
      const outcome: ActionOutcome = raced;
      const channel = CHANNEL_OF_ACTION[node.type] ?? null;
      switch (outcome.kind) {
        case 'ok': {
          let vars: Record<string, unknown> | undefined;
          if (node.type === 'api_call' && node.config.saveAs) {
            const saved = outcome.output.response ?? null;
            const size = Buffer.byteLength(JSON.stringify(saved) ?? 'null');
            if (size > MAX_SAVED_RESPONSE_BYTES) {
              const error = { code: 'response_too_large', message: `the response is ${size} bytes; at most ${MAX_SAVED_RESPONSE_BYTES} can be saved as "${node.config.saveAs}"`, retryable: false };
              results.push({ ...base(), kind: 'step_failed', ...common(node), error, retryAt: null });
              return failed(error);
            }
            vars = { [node.config.saveAs]: saved };
          }
          results.push({ ...base(), kind: 'step_succeeded', ...common(node), output: boundOutput(outcome.output), delivery: outcome.delivery, channel });
          cont = advance(def, cont, vars ? { kind: 'next', vars } : { kind: 'next' });
          break;
        }
        case 'wait': {
          results.push({ ...base(), kind: 'execution_waiting', stepId: node.id, until: outcome.until.toISOString(), reason: outcome.reason });
          // one more "step" so the resume outranks this command in the claim order
          return park({ ...cont, steps: cont.steps + 1 }, outcome.reason, outcome.until) ?? { results, timers, state: 'waiting' };
        }
        case 'failed': {
          const policy = node.retry ?? DEFAULT_RETRY_POLICY;
          if (outcome.error.retryable && cont.attempt < policy.maxAttempts) {
            const retryAt = new Date(deps.now().getTime() + retryDelayMs(policy, cont.attempt, deps.random, outcome.retryAfterMs));
            results.push({ ...base(), kind: 'step_failed', ...common(node), error: outcome.error, retryAt: retryAt.toISOString() });
            return park({ ...cont, attempt: cont.attempt + 1 }, 'retry', retryAt) ?? { results, timers, state: 'waiting' };
          }
          results.push({ ...base(), kind: 'step_failed', ...common(node), error: outcome.error, retryAt: null });
          return failed(
            outcome.error.retryable ? { ...outcome.error, message: `gave up after ${cont.attempt} attempts: ${outcome.error.message}`.slice(0, 2000) } : outcome.error,
          );
        }
      }
    } catch (e) {
      if (isInfrastructureError(e)) throw e;
      // the walker refused the graph (no loop body, max steps…): the definition's fault, not retryable
      const error = errorOf(e, 'definition_invalid');
      if (node.type !== 'trigger') results.push({ ...base(), kind: 'step_failed', ...common(node), error, retryAt: null });
      return failed(error);
    }
  }
  results.push({ ...base(), kind: 'execution_completed', durationMs: elapsed() });
  return { results, timers, state: 'completed' };
};

type ControlResult =
  | { kind: 'ok'; output: Record<string, unknown>; outcome: StepOutcome; until?: Date }
  | { kind: 'error'; error: StepError };

/** Condition, loop and delay: pure functions of the scope. */
const runControl = (node: ControlNode, scope: Record<string, unknown>, context: ExecutionContext, now: Date): ControlResult => {
  switch (node.type) {
    case 'condition': {
      const result = evaluateCondition(node.config.when, scope);
      return { kind: 'ok', output: { result }, outcome: { kind: 'branch', branch: result ? 'true' : 'false' } };
    }
    case 'loop': {
      let items: unknown[];
      try {
        items = loopItems(node.config, scope);
      } catch (e) {
        return { kind: 'error', error: errorOf(e, 'loop_items_invalid') };
      }
      return { kind: 'ok', output: { count: Math.min(items.length, node.config.maxIterations), total: items.length }, outcome: { kind: 'loop_enter', items } };
    }
    case 'delay': {
      try {
        const until = delayUntil(node.config, scope, renderOptions(context), now);
        return { kind: 'ok', output: { until: until.toISOString() }, outcome: { kind: 'next' }, until };
      } catch (e) {
        return { kind: 'error', error: errorOf(e, 'delay_time_invalid') };
      }
    }
  }
};

const resultBase = (cmd: Command, cont: Continuation, deps: RunDeps) => {
  const seq = cont.seq++;
  return {
    v: 1 as const,
    resultId: `${cmd.executionId}:${seq}`,
    executionId: cmd.executionId,
    organizationId: cmd.organizationId,
    workflowId: cmd.workflowId,
    versionId: cmd.versionId,
    seq,
    at: isoOf(deps.now()),
  };
};

const startedResult = (cmd: Extract<Command, { kind: 'start' }>, cont: Continuation, deps: RunDeps): StepResult => ({
  ...resultBase(cmd, cont, deps),
  kind: 'execution_started',
  triggerType: cmd.event.type,
  // the event's own ids win over payload keys of the same name (a context cannot re-aim a retry)
  triggerData: triggerDataOf(cmd.event),
  eventId: cmd.event.eventId,
  triggeredAt: cmd.triggeredAt,
});
