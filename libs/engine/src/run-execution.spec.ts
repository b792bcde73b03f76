import { randomBytes } from 'node:crypto';
import { sealWorkflowSecrets, secretOpener } from '@fixlify/channels';
import {
  WorkflowDefinition,
  type DomainEvent,
  type RunnableCommand,
  type RunnableResume,
  type RunnableStart,
  type StepResult,
  type WorkflowDefinitionInput,
} from '@fixlify/contracts';
import { continuationProgress } from '@fixlify/workflow';
import type { ExecutionContext } from '@fixlify/db';
import type { ActionOutcome, ActionRequest } from './action';
import { MAX_COMMAND_BYTES } from './park';
import { DETACHED_RESUME_AFTER_MS, MAX_SAVED_RESPONSE_BYTES, runExecution, type RunDeps } from './run-execution';
import { boundOutput } from './step-results';

const progressOf = (c: RunnableCommand): number => (c.kind === 'start' ? 0 : continuationProgress(c.continuation));

const ORG = '11111111-1111-4111-8111-111111111111';
const WF = '22222222-2222-4222-8222-222222222222';
const VER = '33333333-3333-4333-8333-333333333333';
const EXEC = '44444444-4444-4444-8444-444444444444';
const EVENT = '55555555-5555-4555-8555-555555555555';
const T0 = new Date('2026-03-10T15:00:00.000Z');

const event: DomainEvent = {
  v: 1,
  eventId: EVENT,
  type: 'job_created',
  organizationId: ORG,
  entityType: 'job',
  entityId: '66666666-6666-4666-8666-666666666666',
  before: null,
  after: { id: '66666666-6666-4666-8666-666666666666', title: 'Boiler', total: '250.00' },
  occurredAt: T0.toISOString(),
  emittedAt: T0.toISOString(),
  workflowId: null,
  causation: null,
  data: {},
  source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
};

const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
  event: { id: EVENT, type: 'job_created', entityType: 'job', entityId: event.entityId },
  trigger: {},
  before: null,
  after: event.after,
  organization: { id: ORG, locale: 'en-US', currency: 'USD', time_zone: 'UTC' },
  client: { id: 'c1', name: 'Grace', email: 'grace@example.com', phone: '+15550001111', tags: ['vip', 'north'] },
  job: { id: event.entityId, title: 'Boiler', total: '250.00', status: 'scheduled' },
  invoice: null,
  estimate: null,
  technician: null,
  ...over,
});

const trigger = { id: 't', type: 'trigger' as const, trigger: { type: 'job_created' as const } };
const def = (nodes: WorkflowDefinitionInput['nodes'], edges: [string, string, ('true' | 'false' | 'body' | 'done')?][]): WorkflowDefinition =>
  WorkflowDefinition.parse({
    nodes: [trigger, ...nodes],
    edges: edges.map(([source, target, branch], i) => ({ id: `e${i}`, source, target, ...(branch ? { branch } : {}) })),
  });

const start = (definition: WorkflowDefinition): RunnableStart => ({
  v: 1,
  kind: 'start',
  executionId: EXEC,
  organizationId: ORG,
  workflowId: WF,
  versionId: VER,
  version: 1,
  issuedAt: T0.toISOString(),
  definition,
  event,
  triggeredAt: T0.toISOString(),
});

/** A fake performAction: records requests, answers from a script (default ok). */
const fakeActions = (script: ((req: ActionRequest) => ActionOutcome | Promise<ActionOutcome>)[] = []) => {
  const calls: ActionRequest[] = [];
  const perform = async (req: ActionRequest): Promise<ActionOutcome> => {
    calls.push(req);
    const next = script.shift();
    return next ? next(req) : { kind: 'ok', output: { ok: true }, delivery: 'delivered' };
  };
  return { calls, perform };
};

const clock = (start = T0) => {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
};

const depsWith = (perform: RunDeps['performAction'], c = clock()): RunDeps => ({ now: c.now, random: () => 0.5, performAction: perform });
const kinds = (rs: StepResult[]) => rs.map((r) => (r.kind === 'step_succeeded' || r.kind === 'step_failed' ? `${r.kind}:${r.stepId}` : r.kind));
const webhook = (id: string, payload = '{}') => ({ id, type: 'webhook' as const, config: { url: 'https://hooks.example.com/x', payload } });

describe('runExecution', () => {
  it('takes the true branch of a condition, runs the action and completes with contiguous seqs', async () => {
    const a = fakeActions();
    const d = def(
      [
        { id: 'c', type: 'condition', config: { when: { field: 'job.total', op: 'gt', value: 100 } } },
        webhook('big', '{"t":"{{ job.title }}"}'),
        webhook('small'),
      ],
      [
        ['t', 'c'],
        ['c', 'big', 'true'],
        ['c', 'small', 'false'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(r.state).toBe('completed');
    expect(kinds(r.results)).toEqual(['execution_started', 'step_succeeded:c', 'step_succeeded:big', 'execution_completed']);
    expect(r.results.map((x) => x.seq)).toEqual([0, 1, 2, 3]);
    expect(r.results.map((x) => x.resultId)).toEqual([0, 1, 2, 3].map((s) => `${EXEC}:${s}`));
    expect(a.calls).toHaveLength(1);
    expect(a.calls[0]!.config.payload).toBe('{"t":"Boiler"}');
    expect(a.calls[0]!.stepKey).toBe(`${EXEC}:big`);
    expect(r.timers).toEqual([]);
  });

  it('lets PostgreSQL being away under an action fail the batch, not the step; other action errors fail the step', async () => {
    const cmd = start(def([trigger, webhook('hook')], [['t', 'hook']]));
    const away = Object.assign(new Error('Client has encountered a connection error and is not queryable'), {});
    await expect(
      runExecution(
        cmd,
        context(),
        depsWith(async () => Promise.reject(away)),
      ),
    ).rejects.toBe(away);
    const out = await runExecution(
      cmd,
      context(),
      depsWith(async () => Promise.reject(new Error('boom'))),
    );
    expect(out.state).toBe('failed');
    expect(out.results.find((r) => r.kind === 'step_failed')).toMatchObject({ error: { code: 'action_error', message: 'boom' } });
  });

  it('takes the false branch when the condition does not hold', async () => {
    const a = fakeActions();
    const d = def(
      [{ id: 'c', type: 'condition', config: { when: { field: 'job.total', op: 'gt', value: 1000 } } }, webhook('big'), webhook('small')],
      [
        ['t', 'c'],
        ['c', 'big', 'true'],
        ['c', 'small', 'false'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(kinds(r.results)).toEqual(['execution_started', 'step_succeeded:c', 'step_succeeded:small', 'execution_completed']);
  });

  it('parks a delay as a resume command and continues from it with the same variables and seqs', async () => {
    const a = fakeActions();
    const c = clock();
    const d = def(
      [webhook('before'), { id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 3600 } }, webhook('after')],
      [
        ['t', 'before'],
        ['before', 'wait'],
        ['wait', 'after'],
      ],
    );
    const first = await runExecution(start(d), context(), depsWith(a.perform, c));
    expect(first.state).toBe('waiting');
    expect(kinds(first.results)).toEqual(['execution_started', 'step_succeeded:before', 'step_succeeded:wait', 'execution_waiting']);
    expect(first.timers).toHaveLength(1);
    const timer = first.timers[0]!;
    expect(timer.reason).toBe('delay');
    expect(timer.dueAt.toISOString()).toBe(new Date(T0.getTime() + 3600_000).toISOString());
    expect(timer.command.reason).toBe('delay');
    expect(timer.command.continuation.cursor).toBe('after');
    expect(timer.id).toBe(timer.command.commandId);
    expect(timer.command.commandId).toBe(`${EXEC}:${progressOf(timer.command)}`);
    expect(progressOf(timer.command)).toBeGreaterThan(progressOf(start(d)));

    c.advance(3600_000);
    const second = await runExecution(timer.command, null, depsWith(a.perform, c));
    expect(second.state).toBe('completed');
    expect(kinds(second.results)).toEqual(['step_succeeded:after', 'execution_completed']);
    expect(second.results.map((x) => x.seq)).toEqual([4, 5]);
    const done = second.results.at(-1)!;
    expect(done.kind === 'execution_completed' && done.durationMs).toBe(3600_000);
    expect(a.calls.map((x) => x.node.id)).toEqual(['before', 'after']);
  });

  it('does not wait for a delay until a time already past', async () => {
    const a = fakeActions();
    const d = def(
      [{ id: 'wait', type: 'delay', config: { mode: 'until', at: '{{ job.scheduled_start }}', offsetSeconds: -86400 } }, webhook('after')],
      [
        ['t', 'wait'],
        ['wait', 'after'],
      ],
    );
    const r = await runExecution(start(d), context({ job: { scheduled_start: '2026-03-10T16:00:00Z' } }), depsWith(a.perform));
    expect(r.state).toBe('completed');
    expect(a.calls).toHaveLength(1);
  });

  it('waits until a time computed from the context (2 days before the job)', async () => {
    const d = def(
      [{ id: 'wait', type: 'delay', config: { mode: 'until', at: '{{ job.scheduled_start }}', offsetSeconds: -2 * 86400 } }, webhook('after')],
      [
        ['t', 'wait'],
        ['wait', 'after'],
      ],
    );
    const r = await runExecution(start(d), context({ job: { scheduled_start: '2026-03-20T09:00:00Z' } }), depsWith(fakeActions().perform));
    expect(r.state).toBe('waiting');
    expect(r.timers[0]!.dueAt.toISOString()).toBe('2026-03-18T09:00:00.000Z');
  });

  it('fails with a clear reason when a delay time does not render to a date', async () => {
    const d = def(
      [{ id: 'wait', type: 'delay', config: { mode: 'until', at: '{{ job.nothing }}' } }, webhook('after')],
      [
        ['t', 'wait'],
        ['wait', 'after'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(fakeActions().perform));
    expect(r.state).toBe('failed');
    expect(kinds(r.results)).toEqual(['execution_started', 'step_failed:wait', 'execution_failed']);
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('delay_time_invalid');
  });

  it('runs a loop body once per item with its own step key and the item bound, then the done branch', async () => {
    const a = fakeActions();
    const d = def(
      [
        { id: 'each', type: 'loop', config: { over: 'client.tags', as: 'tag', maxIterations: 10 } },
        webhook('hook', '{"tag":"{{ tag }}","i":{{ loop.index }}}'),
        webhook('end'),
      ],
      [
        ['t', 'each'],
        ['each', 'hook', 'body'],
        ['each', 'end', 'done'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(r.state).toBe('completed');
    expect(a.calls.map((c) => [c.node.id, c.stepKey, c.config.payload])).toEqual([
      ['hook', `${EXEC}:hook:each#0`, '{"tag":"vip","i":0}'],
      ['hook', `${EXEC}:hook:each#1`, '{"tag":"north","i":1}'],
      ['end', `${EXEC}:end`, '{}'],
    ]);
  });

  it('bounds a loop by maxIterations and treats a missing list as empty', async () => {
    const a = fakeActions();
    const d = def(
      [{ id: 'each', type: 'loop', config: { over: 'vars.items', maxIterations: 2 } }, webhook('hook'), webhook('end')],
      [
        ['t', 'each'],
        ['each', 'hook', 'body'],
        ['each', 'end', 'done'],
      ],
    );
    const many = await runExecution(start(d), context({ client: null }), depsWith(a.perform));
    expect(many.state).toBe('completed');
    expect(a.calls.map((c) => c.node.id)).toEqual(['end']);
    const d2 = def(
      [{ id: 'each', type: 'loop', config: { over: 'client.tags', maxIterations: 1 } }, webhook('hook')],
      [
        ['t', 'each'],
        ['each', 'hook', 'body'],
      ],
    );
    const b = fakeActions();
    const r = await runExecution(start(d2), context(), depsWith(b.perform));
    expect(b.calls).toHaveLength(1);
    const loopResult = r.results.find((x) => x.kind === 'step_succeeded' && x.stepId === 'each');
    expect(loopResult?.kind === 'step_succeeded' && loopResult.output).toEqual({ count: 1, total: 2 });
  });

  it('fails a loop over something that is not a list', async () => {
    const d = def(
      [{ id: 'each', type: 'loop', config: { over: 'client.name' } }, webhook('hook')],
      [
        ['t', 'each'],
        ['each', 'hook', 'body'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(fakeActions().perform));
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('loop_items_invalid');
  });

  it('saves an api_call response (saveAs) for a later step template', async () => {
    const a = fakeActions([() => ({ kind: 'ok', output: { status: 200, response: { eta: '10:30', crew: { lead: 'Sam' } } }, delivery: 'delivered' })]);
    const d = def(
      [
        { id: 'ask', type: 'api_call', config: { url: 'https://api.example.com/eta', saveAs: 'eta' } },
        webhook('tell', '{"eta":"{{ eta.eta }}","lead":"{{ vars.eta.crew.lead }}"}'),
      ],
      [
        ['t', 'ask'],
        ['ask', 'tell'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(r.state).toBe('completed');
    expect(a.calls[1]!.config.payload).toBe('{"eta":"10:30","lead":"Sam"}');
  });

  it('refuses to save a response larger than the limit', async () => {
    const big = 'x'.repeat(MAX_SAVED_RESPONSE_BYTES + 10);
    const a = fakeActions([() => ({ kind: 'ok', output: { status: 200, response: big }, delivery: 'delivered' })]);
    const d = def(
      [{ id: 'ask', type: 'api_call', config: { url: 'https://api.example.com', saveAs: 'r' } }, webhook('tell')],
      [
        ['t', 'ask'],
        ['ask', 'tell'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('response_too_large');
    expect(a.calls).toHaveLength(1);
  });

  it('retries a retryable failure with back-off, then succeeds on the resumed attempt', async () => {
    const c = clock();
    const a = fakeActions([() => ({ kind: 'failed', error: { code: 'provider_unavailable', message: 'HTTP 503', retryable: true } })]);
    const d = def([{ ...webhook('hook'), retry: { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 60_000 } }], [['t', 'hook']]);
    const first = await runExecution(start(d), context(), depsWith(a.perform, c));
    expect(first.state).toBe('waiting');
    const failed = first.results.at(-1)!;
    expect(failed.kind).toBe('step_failed');
    expect(failed.kind === 'step_failed' && failed.retryAt).toBe(new Date(T0.getTime() + 500).toISOString());
    const timer = first.timers[0]!;
    expect(timer.reason).toBe('retry');
    expect(timer.command.continuation.attempt).toBe(2);
    expect(progressOf(timer.command)).toBe(progressOf({ ...timer.command, continuation: { ...timer.command.continuation, attempt: 1 } }) + 1);
    c.advance(500);
    const second = await runExecution(timer.command, null, depsWith(a.perform, c));
    expect(second.state).toBe('completed');
    const ok = second.results[0]!;
    expect(ok.kind === 'step_succeeded' && ok.attempt).toBe(2);
    expect(a.calls.map((x) => x.attempt)).toEqual([1, 2]);
    expect(a.calls[0]!.stepKey).toBe(a.calls[1]!.stepKey);
  });

  it("honours a provider's Retry-After above the back-off", async () => {
    const a = fakeActions([() => ({ kind: 'failed', error: { code: 'rate_limited', message: 'HTTP 429', retryable: true }, retryAfterMs: 7000 })]);
    const d = def([webhook('hook')], [['t', 'hook']]);
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(r.timers[0]!.dueAt.getTime()).toBe(T0.getTime() + 7000);
  });

  it('fails at once, with the reason, on a failure that is not retryable', async () => {
    const a = fakeActions([() => ({ kind: 'failed', error: { code: 'invalid_request', message: 'HTTP 400: invalid request', retryable: false } })]);
    const d = def(
      [webhook('hook'), webhook('never')],
      [
        ['t', 'hook'],
        ['hook', 'never'],
      ],
    );
    const r = await runExecution(start(d), context(), depsWith(a.perform));
    expect(r.state).toBe('failed');
    expect(kinds(r.results)).toEqual(['execution_started', 'step_failed:hook', 'execution_failed']);
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error).toEqual({ code: 'invalid_request', message: 'HTTP 400: invalid request', retryable: false });
    expect(r.timers).toEqual([]);
  });

  it('gives up after the last attempt and says so', async () => {
    const a = fakeActions([() => ({ kind: 'failed', error: { code: 'timeout', message: 'timed out', retryable: true } })]);
    const d = def([{ ...webhook('hook'), retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } }], [['t', 'hook']]);
    const last: RunnableResume = {
      ...(
        await runExecution(
          start(d),
          context(),
          depsWith(fakeActions([() => ({ kind: 'failed', error: { code: 'timeout', message: 'timed out', retryable: true } })]).perform),
        )
      ).timers[0]!.command,
    };
    const r = await runExecution(last, null, depsWith(a.perform));
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.message).toBe('gave up after 2 attempts: timed out');
    const step = r.results.at(-2)!;
    expect(step.kind === 'step_failed' && step.retryAt).toBeNull();
  });

  it('waits (quiet hours) with a resume that outranks the command it came from', async () => {
    const until = new Date(T0.getTime() + 8 * 3600_000);
    const a = fakeActions([() => ({ kind: 'wait', until, reason: 'quiet_hours' })]);
    const d = def([{ id: 'sms', type: 'send_sms', config: { body: 'Hi {{ client.name }}' } }], [['t', 'sms']]);
    const first = await runExecution(start(d), context(), depsWith(a.perform));
    expect(first.state).toBe('waiting');
    const waiting = first.results.at(-1)!;
    expect(waiting.kind === 'execution_waiting' && waiting.reason).toBe('quiet_hours');
    const t = first.timers[0]!;
    expect(t.reason).toBe('quiet_hours');
    expect(t.command.reason).toBe('quiet_hours');
    expect(t.dueAt).toEqual(until);
    expect(t.command.continuation.cursor).toBe('sms');
    // the same step again later: a retry of it would have progress +1, the quiet-hours resume +1000
    expect(progressOf(t.command)).toBe(1001);
    const again = await runExecution(t.command, null, depsWith(a.perform));
    expect(again.state).toBe('completed');
    expect(a.calls.map((c) => c.stepKey)).toEqual([`${EXEC}:sms`, `${EXEC}:sms`]);
  });

  it('maps a rate-limit wait to a fairness resume', async () => {
    const a = fakeActions([() => ({ kind: 'wait', until: new Date(T0.getTime() + 50), reason: 'rate_limit' })]);
    const r = await runExecution(start(def([webhook('hook')], [['t', 'hook']])), context(), depsWith(a.perform));
    expect(r.timers[0]!.reason).toBe('rate_limit');
    expect(r.timers[0]!.command.reason).toBe('fairness');
    expect(r.timers[0]!.command.continuation.seq).toBe(r.results.at(-1)!.seq + 1);
  });

  it('opens sealed secrets for the step it runs, then renders them; the command keeps them sealed', async () => {
    const key = randomBytes(32);
    const plain = def(
      [
        {
          id: 'ask',
          type: 'api_call',
          config: { url: 'https://api.example.com/eta', headers: { 'X-Job': 'job {{ job.title }}' }, auth: { type: 'bearer', token: 'tok-{{ job.total }}' } },
        },
        { id: 'tell', type: 'webhook', config: { url: 'https://hooks.example.com/x', headers: { Authorization: 'Bearer hook-secret' } } },
      ],
      [
        ['t', 'ask'],
        ['ask', 'tell'],
      ],
    );
    const sealed = WorkflowDefinition.parse(sealWorkflowSecrets(plain, null, { organizationId: ORG, workflowId: WF }, key).definition);
    expect(JSON.stringify(sealed)).not.toMatch(/tok-|hook-secret/);
    const a = fakeActions();
    const cmd = start(sealed);
    const r = await runExecution(cmd, context(), { ...depsWith(a.perform), openSecrets: secretOpener(key) });
    expect(r.state).toBe('completed');
    expect(a.calls[0]!.config).toMatchObject({ headers: { 'X-Job': 'job Boiler' }, auth: { type: 'bearer', token: 'tok-250.00' } });
    expect(a.calls[1]!.config).toMatchObject({ headers: { Authorization: 'Bearer hook-secret' } });
    expect(JSON.stringify(cmd)).not.toMatch(/tok-|hook-secret/);
    // another key (or a value moved to another workflow): the step fails, nothing is sent
    const b = fakeActions();
    const other = await runExecution(start(sealed), context(), { ...depsWith(b.perform), openSecrets: secretOpener(randomBytes(32)) });
    expect(b.calls).toHaveLength(0);
    const f = other.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error).toMatchObject({ code: 'secret_unreadable', retryable: false });
  });

  it('turns a throwing action into a failed step, not a crash', async () => {
    const a = fakeActions([() => Promise.reject(new Error('boom'))]);
    const r = await runExecution(start(def([webhook('hook')], [['t', 'hook']])), context(), depsWith(a.perform));
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error).toEqual({ code: 'action_error', message: 'boom', retryable: false });
  });

  it('renders hostile templates as data: no prototype or constructor is reached', async () => {
    const a = fakeActions();
    const payload =
      '{{ job.constructor.name }}|{{ __proto__ }}|{{ client.tags.constructor }}|{{ "x" | prepend: job.__proto__ }}|{% assign f = job.constructor %}{{ f }}';
    const r = await runExecution(start(def([webhook('hook', payload)], [['t', 'hook']])), context(), depsWith(a.perform));
    expect(r.state).toBe('completed');
    expect(a.calls[0]!.config.payload).toBe('|||x|');
  });

  it('refuses a template that tries to call code, before anything is sent', async () => {
    const a = fakeActions();
    const r = await runExecution(
      start(def([webhook('hook', '{{ constructor.constructor("return process")() }}')], [['t', 'hook']])),
      context(),
      depsWith(a.perform),
    );
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('template_invalid');
    expect(a.calls).toHaveLength(0);
  });

  it('fails a step whose template cannot be parsed, with the template error', async () => {
    const a = fakeActions();
    const r = await runExecution(start(def([webhook('hook', '{{ job.title | no_such_filter }}')], [['t', 'hook']])), context(), depsWith(a.perform));
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('template_invalid');
    expect(a.calls).toHaveLength(0);
  });

  it('fails on a loop without a body (a graph the validator would refuse)', async () => {
    const d = WorkflowDefinition.parse({
      nodes: [trigger, { id: 'each', type: 'loop', config: { over: 'client.tags' } }],
      edges: [{ id: 'e', source: 't', target: 'each' }],
    });
    const r = await runExecution(start(d), context(), depsWith(fakeActions().perform));
    expect(r.state).toBe('failed');
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('walker_state_invalid');
  });

  it('fails a definition without a trigger and a resume whose cursor is not in the definition', async () => {
    const noTrigger = WorkflowDefinition.parse({ nodes: [webhook('hook')], edges: [] });
    const r1 = await runExecution(start(noTrigger), context(), depsWith(fakeActions().perform));
    expect(r1.state).toBe('failed');
    expect(kinds(r1.results)).toEqual(['execution_started', 'execution_failed']);
    const d = def([webhook('hook')], [['t', 'hook']]);
    const resume: RunnableResume = {
      ...start(d),
      kind: 'resume',
      commandId: 'x',
      context: context(),
      continuation: { cursor: 'gone', vars: {}, loops: [], steps: 3, attempt: 1, seq: 7 },
      reason: 'delay',
    };
    const r2 = await runExecution(resume, null, depsWith(fakeActions().perform));
    expect(r2.state).toBe('failed');
    const f = r2.results[0]!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('node_missing');
    expect(f.seq).toBe(7);
  });

  it('stops a runaway execution at the step limit', async () => {
    const d = def([webhook('hook')], [['t', 'hook']]);
    const resume: RunnableResume = {
      ...start(d),
      kind: 'resume',
      commandId: 'x',
      context: context(),
      continuation: { cursor: 'hook', vars: {}, loops: [], steps: 1000, attempt: 1, seq: 1 },
      reason: 'delay',
    };
    const r = await runExecution(resume, null, depsWith(fakeActions().perform));
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('max_steps_exceeded');
  });

  it('refuses to park a state too large for one command', async () => {
    const d = def(
      [{ id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 60 } }, webhook('after')],
      [
        ['t', 'wait'],
        ['wait', 'after'],
      ],
    );
    const r = await runExecution(start(d), context({ after: { notes: 'n'.repeat(MAX_COMMAND_BYTES) } }), depsWith(fakeActions().perform));
    expect(r.state).toBe('failed');
    expect(r.timers).toEqual([]);
    const f = r.results.at(-1)!;
    expect(f.kind === 'execution_failed' && f.error.code).toBe('state_too_large');
  });

  it('starts from the event alone when the context could not be loaded', async () => {
    const a = fakeActions();
    const r = await runExecution(start(def([webhook('hook', '{{ after.title }}')], [['t', 'hook']])), null, depsWith(a.perform));
    expect(r.state).toBe('completed');
    expect(a.calls[0]!.config.payload).toBe('Boiler');
  });

  it('tells actions whether the command is a re-run after a crash (the ledger is consulted first then)', async () => {
    const a = fakeActions();
    const cmd = start(def([webhook('hook')], [['t', 'hook']]));
    await runExecution(cmd, context(), depsWith(a.perform));
    await runExecution(cmd, context(), depsWith(a.perform), { rerun: true });
    expect(a.calls.map((c) => c.firstRun)).toEqual([true, false]);
  });

  it('detaches an action still running at the batch deadline, and is told when it finished', async () => {
    let finish!: () => void;
    const slow = new Promise<void>((r) => (finish = r));
    const a = fakeActions([
      async () => {
        await slow;
        return { kind: 'ok', output: {}, delivery: 'delivered' };
      },
    ]);
    let reach!: () => void;
    const reached = new Promise<void>((r) => (reach = r));
    let passed = false;
    const done: string[] = [];
    const running = runExecution(
      start(
        def(
          [webhook('hook'), webhook('next')],
          [
            ['t', 'hook'],
            ['hook', 'next'],
          ],
        ),
      ),
      context(),
      depsWith(a.perform),
      {
        deadline: { passed: () => passed, reached },
        onDetachedDone: (id) => done.push(id),
      },
    );
    await new Promise((r) => setImmediate(r));
    passed = true;
    reach();
    const r = await running;
    expect(r.state).toBe('waiting');
    const w = r.results.at(-1)!;
    expect(w.kind === 'execution_waiting' && w.reason).toBe('slow_action');
    const t = r.timers[0]!;
    expect(t.reason).toBe('slow_action');
    expect(t.command.continuation.cursor).toBe('hook');
    expect(t.dueAt.getTime()).toBe(T0.getTime() + DETACHED_RESUME_AFTER_MS);
    expect(done).toEqual([]);
    finish();
    await new Promise((r2) => setImmediate(r2));
    expect(done).toEqual([t.id]);
    // the resume runs the step again (the ledger deduplicates it) and goes on
    const b = fakeActions();
    const again = await runExecution(t.command, null, depsWith(b.perform));
    expect(again.state).toBe('completed');
    // sequence numbers go on after the waiting result, never reused
    expect([...r.results, ...again.results].map((x) => x.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(b.calls.map((c) => [c.node.id, c.firstRun])).toEqual([
      ['hook', false],
      ['next', false],
    ]);
  });

  it('starts no action once the batch deadline has passed', async () => {
    const a = fakeActions();
    const r = await runExecution(start(def([webhook('hook')], [['t', 'hook']])), context(), depsWith(a.perform), {
      deadline: { passed: () => true, reached: Promise.resolve() },
    });
    expect(a.calls).toHaveLength(0);
    expect(r.state).toBe('waiting');
    expect(r.timers[0]!.dueAt).toEqual(T0);
    expect(r.timers[0]!.command.reason).toBe('fairness');
    expect(r.timers[0]!.command.continuation.seq).toBe(r.results.at(-1)!.seq + 1);
  });

  it('passes the causation depth one deeper than the event that started it', async () => {
    const a = fakeActions();
    const cmd = start(def([webhook('hook')], [['t', 'hook']]));
    await runExecution({ ...cmd, event: { ...event, causation: { executionId: 'x', depth: 2 } } }, context(), depsWith(a.perform));
    expect(a.calls[0]!.depth).toBe(3);
  });
});

describe('boundOutput', () => {
  it('keeps small fields and cuts large ones, naming them', () => {
    const out = boundOutput({ status: 200, response: 'y'.repeat(10_000), url: 'https://x' });
    expect(out.status).toBe(200);
    expect(out.url).toBe('https://x');
    expect(String(out.response).length).toBeLessThan(4100);
    expect(out.truncated).toEqual(['response']);
    expect(boundOutput({ a: 1 })).toEqual({ a: 1 });
  });
});
