import fc from 'fast-check';
import type { StepResult } from '@fixlify/contracts';
import { applyStepResult, emptyLog, summarize, type ExecutionLogRow } from './execution-log';

const ORG = '11111111-1111-4111-8111-111111111111';
const WF = '22222222-2222-4222-8222-222222222222';
const VER = '33333333-3333-4333-8333-333333333333';
const EXEC = '44444444-4444-4444-8444-444444444444';
const EVENT = '55555555-5555-4555-8555-555555555555';

const at = (s: number): string => new Date(Date.UTC(2025, 0, 1, 10, 0, s)).toISOString();
const base = (seq: number) => ({
  v: 1 as const,
  resultId: `${EXEC}:${seq}`,
  executionId: EXEC,
  organizationId: ORG,
  workflowId: WF,
  versionId: VER,
  seq,
  at: at(seq),
});

const started = (seq = 0): StepResult => ({
  ...base(seq),
  kind: 'execution_started',
  triggerType: 'job_created',
  triggerData: { eventId: EVENT, title: 'Boiler' },
  eventId: EVENT,
  triggeredAt: at(0),
});
const succeeded = (seq: number, stepId = 'notify', extra: Partial<Extract<StepResult, { kind: 'step_succeeded' }>> = {}): StepResult => ({
  ...base(seq),
  kind: 'step_succeeded',
  stepId,
  stepType: 'webhook',
  attempt: 1,
  startedAt: at(seq),
  durationMs: 12,
  output: { status: 200 },
  delivery: 'delivered',
  channel: 'webhook',
  ...extra,
});
const failed = (seq: number, retryAt: string | null, attempt = 1): StepResult => ({
  ...base(seq),
  kind: 'step_failed',
  stepId: 'notify',
  stepType: 'webhook',
  attempt,
  startedAt: at(seq),
  durationMs: 30,
  error: { code: 'provider_unavailable', message: `503 on attempt ${attempt}`, retryable: true },
  retryAt,
});
const waiting = (seq: number): StepResult => ({ ...base(seq), kind: 'execution_waiting', stepId: 'wait', until: at(seq + 60), reason: 'delay' });
const completed = (seq: number, durationMs = 1234.4): StepResult => ({ ...base(seq), kind: 'execution_completed', durationMs });
const execFailed = (seq: number): StepResult => ({
  ...base(seq),
  kind: 'execution_failed',
  durationMs: 99.6,
  error: { code: 'provider_unavailable', message: 'gave up after 3 attempts', retryable: true },
});
const cancelled = (): StepResult => ({ ...base(1_000_000), kind: 'execution_cancelled', reason: 'workflow deactivated' });

const fold = (results: StepResult[]): ExecutionLogRow => results.reduce((log, r) => applyStepResult(log, r), emptyLog(results[0]!));

describe('execution log reducer', () => {
  it('step_skipped (an enrolled record started past it) is on the timeline as skipped, with when it was due, and changes no status', () => {
    const skipped: StepResult = {
      ...base(1),
      kind: 'step_skipped',
      stepId: 'day0',
      stepType: 'send_sms',
      reason: 'time_passed',
      dueAt: '2024-12-20T00:00:00.000Z',
    };
    const log = fold([started(), skipped, succeeded(2, 'day3')]);
    expect(log.status).toBe('processing');
    expect(log.actionsExecuted.map((a) => [a.stepId, a.status])).toEqual([
      ['day0', 'skipped'],
      ['day3', 'succeeded'],
    ]);
    expect(log.actionsExecuted[0]).toMatchObject({ type: 'send_sms', attempt: 0, durationMs: 0, dueAt: '2024-12-20T00:00:00.000Z' });
  });

  it('execution_started sets the trigger, start time and processing status', () => {
    const log = fold([started()]);
    expect(log).toMatchObject({
      id: EXEC,
      organizationId: ORG,
      workflowId: WF,
      versionId: VER,
      status: 'processing',
      triggerType: 'job_created',
      triggerData: { eventId: EVENT, title: 'Boiler' },
      triggeredAt: at(0),
      startedAt: at(0),
      createdAt: at(0),
      updatedAt: at(0),
      lastSeq: 0,
      actionsExecuted: [],
    });
  });

  it('step_succeeded appends the step with its timing, output and delivery', () => {
    const log = fold([started(), succeeded(1)]);
    expect(log.status).toBe('processing');
    expect(log.actionsExecuted).toEqual([
      { stepId: 'notify', type: 'webhook', status: 'succeeded', attempt: 1, startedAt: at(1), durationMs: 12, output: { status: 200 }, delivery: 'delivered' },
    ]);
    expect(log.updatedAt).toBe(at(1));
  });

  it('step_failed with a retry time counts a retry and sets status retry; without one it records a failed step', () => {
    const retrying = fold([started(), failed(1, at(30))]);
    expect(retrying.status).toBe('retry');
    expect(retrying.retryCount).toBe(1);
    expect(retrying.errorMessage).toBe('503 on attempt 1');
    expect(retrying.actionsExecuted[0]).toMatchObject({ status: 'retrying', attempt: 1, error: { code: 'provider_unavailable', message: '503 on attempt 1' } });

    const final = fold([started(), failed(1, at(30)), failed(2, null, 2)]);
    expect(final.retryCount).toBe(1);
    expect(final.actionsExecuted.map((a) => [a.status, a.attempt])).toEqual([
      ['retrying', 1],
      ['failed', 2],
    ]);
  });

  it('a retried step that succeeds ends completed, keeps the retry count and clears the error', () => {
    const log = fold([started(), failed(1, at(30)), failed(2, at(60), 2), succeeded(3, 'notify', { attempt: 3 }), completed(4)]);
    expect(log.status).toBe('completed');
    expect(log.retryCount).toBe(2);
    expect(log.errorMessage).toBeNull();
    expect(log.actionsExecuted.map((a) => a.status)).toEqual(['retrying', 'retrying', 'succeeded']);
  });

  it('execution_waiting sets waiting, but not over a pending retry', () => {
    expect(fold([started(), waiting(1)]).status).toBe('waiting');
    expect(fold([started(), failed(1, at(30)), waiting(2)]).status).toBe('retry');
  });

  it('a message whose delivery is unknown ends the execution "unknown", its step "unknown" — not failed', () => {
    const unknownError = {
      code: 'outcome_unknown' as const,
      message: 'an earlier attempt of this sms was on the wire when it stopped without an answer',
      retryable: false,
    };
    const stepUnknown: StepResult = {
      ...base(1),
      kind: 'step_failed',
      stepId: 'sms',
      stepType: 'send_sms',
      attempt: 1,
      startedAt: at(1),
      durationMs: 3,
      error: unknownError,
      retryAt: null,
    };
    const execUnknown: StepResult = { ...base(2), kind: 'execution_failed', durationMs: 50, error: unknownError };
    const log = [started(0), stepUnknown, execUnknown].reduce(applyStepResult, emptyLog(started(0)));
    expect(log.status).toBe('unknown');
    expect(log.actionsExecuted).toEqual([
      expect.objectContaining({ stepId: 'sms', status: 'unknown', error: { code: 'outcome_unknown', message: unknownError.message } }),
    ]);
    expect(log.errorMessage).toBe(unknownError.message);
    // terminal like failed: a late result of an earlier attempt does not reopen it
    expect(applyStepResult(log, { ...waiting(3) }).status).toBe('unknown');
    // any other code is a failure
    expect(applyStepResult(emptyLog(started(0)), execFailed(2)).status).toBe('failed');
  });

  it('execution_completed and execution_failed end the execution with its rounded duration', () => {
    const ok = fold([started(), succeeded(1), completed(2)]);
    expect(ok).toMatchObject({ status: 'completed', completedAt: at(2), executionTimeMs: 1234, errorMessage: null, lastSeq: 2 });
    const ko = fold([started(), failed(1, null), execFailed(2)]);
    expect(ko).toMatchObject({ status: 'failed', completedAt: at(2), executionTimeMs: 100, errorMessage: 'gave up after 3 attempts' });
  });

  it('execution_cancelled cancels a running execution, once, and never an ended one', () => {
    const c = fold([started(), waiting(1), cancelled()]);
    expect(c).toMatchObject({ status: 'cancelled', completedAt: at(1_000_000), errorMessage: 'workflow deactivated' });
    expect(applyStepResult(c, cancelled())).toBe(c);
    const done = fold([started(), completed(1)]);
    expect(applyStepResult(done, cancelled())).toBe(done);
  });

  it('a duplicate or out-of-order result (seq at or below the last applied) is a no-op', () => {
    const log = fold([started(), succeeded(1), succeeded(2, 'second')]);
    expect(applyStepResult(log, succeeded(2, 'second'))).toBe(log);
    expect(applyStepResult(log, succeeded(1))).toBe(log);
    expect(applyStepResult(log, started())).toBe(log);
  });

  it('is pure: the input row is not modified', () => {
    const log = fold([started()]);
    const copy = structuredClone(log);
    applyStepResult(log, succeeded(1));
    expect(log).toEqual(copy);
  });

  it('keeps output summaries small', () => {
    expect(summarize({ a: 1 })).toEqual({ a: 1 });
    const big = summarize({ body: 'x'.repeat(5000) });
    expect(big.truncated).toBe(true);
    expect(String(big.summary).length).toBeLessThan(2100);
  });

  it('property: redelivering any earlier results, anywhere, gives the same row as the clean sequence', () => {
    const clean = [started(), succeeded(1), failed(2, at(30)), waiting(3), succeeded(4, 'notify', { attempt: 2 }), succeeded(5, 'sms'), completed(6)];
    const expected = fold(clean);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(clean.length - 1), fc.nat(clean.length - 1)), { maxLength: 20 }), (dups) => {
        // after position p has been delivered, redeliver result q <= p
        const stream: StepResult[] = [];
        clean.forEach((r, p) => {
          stream.push(r);
          for (const [at, q] of dups) if (at === p && q <= p) stream.push(clean[q]!);
        });
        expect(fold(stream)).toEqual(expected);
      }),
    );
  });
});
