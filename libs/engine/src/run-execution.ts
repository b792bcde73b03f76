import {
  CHANNEL_OF_ACTION,
  stepKey as stepKeyOf,
  type Continuation,
  type DomainEvent,
  type RunnableCommand,
  type StepResult,
  type WorkflowDefinition,
  type WorkflowNode,
} from '@fixlify/contracts';
import {
  DEFAULT_RETRY_POLICY,
  MAX_STEPS_PER_EXECUTION,
  advance,
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
import { isInfrastructureError } from './infra-error';
import { placeEnrollment } from './enrollment';
import type { ExecutionContext } from '@fixlify/db';
import type { TraceContext } from '@fixlify/kafka';
import type { ActionNode, ActionOutcome, ActionRequest } from './action';
import { parkContinuation, type TimerReason, type TimerRequest } from './park';
import { errorOf, stepError, type StepFailure } from './step-error';
import {
  boundOutput,
  executionCompleted,
  executionFailed,
  executionStarted,
  executionWaiting,
  isoOf,
  resultBase,
  stepFailed,
  stepSkipped,
  stepSucceeded,
  stepTiming,
  type ResultBase,
} from './step-results';

type ControlNode = Exclude<WorkflowNode, ActionNode | { type: 'trigger' }>;

export interface RunDeps {
  now: () => Date;
  random: () => number;
  performAction: (req: ActionRequest) => Promise<ActionOutcome>;
  /** opens the step's sealed secrets (libs/channels openNodeSecrets) right before its templates are rendered */
  openSecrets?: (node: ActionNode, scope: { organizationId: string; workflowId: string }) => ActionNode;
  /** the unsubscribe link of an e-mail recipient: `{{ unsubscribe_url }}` in send_email templates */
  unsubscribeUrl?: (organizationId: string, address: string) => string;
}

export interface RunOutcome {
  results: StepResult[];
  timers: TimerRequest[];
  state: 'completed' | 'failed' | 'waiting';
}

/** An api_call response saved for later steps rides in every later command: it must stay small. */
export const MAX_SAVED_RESPONSE_BYTES = 64 * 1024;

/** A template of the config rendered to text (the recipient an unsubscribe link is for). */
const renderedText = (template: unknown, scope: Record<string, unknown>, o: ReturnType<typeof renderOptions>): string => {
  const v = renderDeep(template ?? '', scope, o);
  return typeof v === 'string' ? v.trim() : '';
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
export const runExecution = async (cmd: RunnableCommand, loaded: ExecutionContext | null, deps: RunDeps, opts: RunOptions = {}): Promise<RunOutcome> => {
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
      return {
        results: [executionStarted(resultBase(cmd, cont, deps.now()), cmd), executionFailed(resultBase(cmd, cont, deps.now()), 0, error)],
        timers,
        state: 'failed',
      };
    }
  }
  const startedAt = cont.startedAt ? new Date(cont.startedAt) : now;
  const base = (): ResultBase => resultBase(cmd, cont, deps.now());
  const elapsed = (): number => Math.max(0, deps.now().getTime() - startedAt.getTime());
  const failed = (error: StepFailure): RunOutcome => {
    results.push(executionFailed(base(), elapsed(), error));
    return { results, timers, state: 'failed' };
  };
  /** Parks the continuation; refuses a state too large to travel in a command. */
  const park = (c: Continuation, reason: TimerReason, dueAt: Date): RunOutcome | null => {
    const parked = parkContinuation(cmd, context, c, reason, dueAt, now);
    if ('error' in parked) return failed(parked.error);
    timers.push(parked.timer);
    return null;
  };

  if (cmd.kind === 'start') results.push(executionStarted(base(), cmd));
  // an enrolled record runs on a virtual clock from when it met the trigger: delays end on it, and
  // it starts after the last delay that has already ended (the steps before are recorded as skipped)
  let clock: Date | null = null;
  if (cmd.kind === 'start' && cmd.enrollment && cont.cursor !== null) {
    const placed = placeEnrollment(def, (c) => ({ ...c.vars, ...context, vars: c.vars }), renderOptions(context), new Date(cmd.enrollment.asOf), now);
    cont = { ...placed.cont, seq: cont.seq, startedAt: now.toISOString() };
    for (const p of placed.skipped) results.push(stepSkipped(base(), p.node, p.dueAt));
    clock = placed.clock;
  }

  while (cont.cursor !== null) {
    const node = nodeById(def, cont.cursor);
    if (!node) return failed(stepError('node_missing', `node ${cont.cursor} is not in the definition`));
    if (cont.steps >= MAX_STEPS_PER_EXECUTION) return failed(stepError('max_steps_exceeded', `more than ${MAX_STEPS_PER_EXECUTION} steps`));
    const scope: Record<string, unknown> = { ...cont.vars, ...context, vars: cont.vars };
    const stepStarted = deps.now();
    const step = (n: Exclude<WorkflowNode, { type: 'trigger' }>) => stepTiming(n, cont.attempt, stepStarted, deps.now());
    try {
      if (node.type === 'trigger') {
        cont = advance(def, cont, { kind: 'next' });
        continue;
      }
      if (node.type === 'condition' || node.type === 'loop' || node.type === 'delay') {
        const r = runControl(node, scope, context, clock ?? now);
        if (r.kind === 'error') {
          results.push(stepFailed(base(), step(node), r.error, null));
          return failed(r.error);
        }
        results.push(stepSucceeded(base(), step(node), r.output, 'none', null));
        cont = advance(def, cont, r.outcome);
        if (r.until && r.until.getTime() > deps.now().getTime() + 5) {
          results.push(executionWaiting(base(), node.id, r.until.toISOString(), 'delay'));
          return park(cont, 'delay', r.until) ?? { results, timers, state: 'waiting' };
        }
        if (r.until && clock) clock = r.until;
        continue;
      }
      const iteration = iterationKey(cont);
      const stepKey = stepKeyOf(cmd.executionId, node.id, iteration);
      const deadline = opts.deadline;
      if (deadline?.passed()) {
        // the batch is out of time: start no new work, come back through a timer (due now)
        const at = deps.now();
        results.push(executionWaiting(base(), node.id, isoOf(at), 'batch_deadline'));
        return park({ ...cont, steps: cont.steps + 1 }, 'fairness', at) ?? { results, timers, state: 'waiting' };
      }
      let pending: Promise<ActionOutcome>;
      try {
        // sealed secrets are opened here, for this step only: the definition everywhere else stays sealed
        const opened = deps.openSecrets ? deps.openSecrets(node, { organizationId: cmd.organizationId, workflowId: cmd.workflowId }) : node;
        // an e-mail's templates may link to its recipient's unsubscribe page: the recipient is rendered first
        const stepScope =
          node.type === 'send_email' && deps.unsubscribeUrl
            ? {
                ...scope,
                unsubscribe_url: deps.unsubscribeUrl(cmd.organizationId, renderedText((opened.config as { to?: unknown }).to, scope, renderOptions(context))),
              }
            : scope;
        const config = renderDeep(opened.config, stepScope, renderOptions(context)) as Record<string, unknown>;
        // only a start taken on for the first time may skip the ledger's pre-send check (see actions/delivery)
        const firstRun = !opts.rerun && cmd.kind === 'start';
        pending = deps
          .performAction({
            node,
            config,
            executionId: cmd.executionId,
            organizationId: cmd.organizationId,
            workflowId: cmd.workflowId,
            stepKey,
            attempt: cont.attempt,
            context,
            depth,
            firstRun,
            ...(opts.trace ? { trace: opts.trace } : {}),
          })
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
        results.push(executionWaiting(base(), node.id, isoOf(until), 'slow_action'));
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
              const error = stepError(
                'response_too_large',
                `the response is ${size} bytes; at most ${MAX_SAVED_RESPONSE_BYTES} can be saved as "${node.config.saveAs}"`,
              );
              results.push(stepFailed(base(), step(node), error, null));
              return failed(error);
            }
            vars = { [node.config.saveAs]: saved };
          }
          results.push(stepSucceeded(base(), step(node), boundOutput(outcome.output), outcome.delivery, channel));
          cont = advance(def, cont, vars ? { kind: 'next', vars } : { kind: 'next' });
          break;
        }
        case 'wait': {
          results.push(executionWaiting(base(), node.id, outcome.until.toISOString(), outcome.reason));
          // one more "step" so the resume outranks this command in the claim order
          return park({ ...cont, steps: cont.steps + 1 }, outcome.reason, outcome.until) ?? { results, timers, state: 'waiting' };
        }
        case 'failed': {
          const policy = node.retry ?? DEFAULT_RETRY_POLICY;
          if (outcome.error.retryable && cont.attempt < policy.maxAttempts) {
            const retryAt = new Date(deps.now().getTime() + retryDelayMs(policy, cont.attempt, deps.random, outcome.retryAfterMs));
            results.push(stepFailed(base(), step(node), outcome.error, retryAt.toISOString()));
            return park({ ...cont, attempt: cont.attempt + 1 }, 'retry', retryAt) ?? { results, timers, state: 'waiting' };
          }
          results.push(stepFailed(base(), step(node), outcome.error, null));
          return failed(
            outcome.error.retryable
              ? { ...outcome.error, message: `gave up after ${cont.attempt} attempts: ${outcome.error.message}`.slice(0, 2000) }
              : outcome.error,
          );
        }
      }
    } catch (e) {
      if (isInfrastructureError(e)) throw e;
      // the walker refused the graph (no loop body, max steps…): the definition's fault, not retryable
      const error = errorOf(e, 'definition_invalid');
      if (node.type !== 'trigger') results.push(stepFailed(base(), step(node), error, null));
      return failed(error);
    }
  }
  results.push(executionCompleted(base(), elapsed()));
  return { results, timers, state: 'completed' };
};

type ControlResult = { kind: 'ok'; output: Record<string, unknown>; outcome: StepOutcome; until?: Date } | { kind: 'error'; error: StepFailure };

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
