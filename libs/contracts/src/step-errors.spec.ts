import { StepError, StepResult } from './messages';
import { STEP_ERROR_CODES, STEP_ERROR_MEANINGS, isStepErrorCode, upgradeStepError } from './step-errors';

const failedResult = (error: unknown): unknown => ({
  v: 1,
  resultId: 'x:3',
  executionId: '00000000-0000-4000-8000-000000000001',
  organizationId: '00000000-0000-4000-8000-000000000002',
  workflowId: '00000000-0000-4000-8000-000000000003',
  versionId: '00000000-0000-4000-8000-000000000004',
  seq: 3,
  at: '2030-01-01T00:00:00.000Z',
  kind: 'execution_failed',
  durationMs: 5,
  error,
});

describe('STEP_ERROR_CODES', () => {
  it('gives every code a meaning, and each code once', () => {
    expect(new Set(STEP_ERROR_CODES).size).toBe(STEP_ERROR_CODES.length);
    for (const c of STEP_ERROR_CODES) expect(STEP_ERROR_MEANINGS[c].length).toBeGreaterThan(10);
  });

  it('knows its own codes only', () => {
    expect(isStepErrorCode('outcome_unknown')).toBe(true);
    expect(isStepErrorCode('toString')).toBe(false);
    expect(isStepErrorCode('23505')).toBe(false);
    expect(isStepErrorCode(undefined)).toBe(false);
  });
});

describe('StepError (reading)', () => {
  it('takes a code of the set as it is', () => {
    expect(StepError.parse({ code: 'timeout', message: 'timed out', retryable: true })).toEqual({ code: 'timeout', message: 'timed out', retryable: true });
  });

  it('reads the old spelling of a renamed code as the new one', () => {
    expect(StepError.parse({ code: 'step_limit', message: 'more than 1000 steps', retryable: false })).toEqual({
      code: 'max_steps_exceeded',
      message: 'more than 1000 steps',
      retryable: false,
    });
  });

  it('reads a foreign code of an old result as action_error, keeping it in the message', () => {
    const r = StepResult.parse(failedResult({ code: '23505', message: 'duplicate key', retryable: false }));
    expect(r.kind === 'execution_failed' && r.error).toEqual({ code: 'action_error', message: '23505: duplicate key', retryable: false });
  });

  it('still refuses what is not a step error at all', () => {
    expect(StepError.safeParse({ code: 'timeout', retryable: true }).success).toBe(false);
    expect(StepError.safeParse({ code: 42, message: 'm', retryable: true }).success).toBe(false);
    expect(StepError.safeParse({ code: 'x'.repeat(101), message: 'm', retryable: true }).success).toBe(false);
    expect(StepError.safeParse(null).success).toBe(false);
  });

  it('leaves a value of the set untouched (the same object)', () => {
    const e = { code: 'network', message: 'm', retryable: true };
    expect(upgradeStepError(e)).toBe(e);
  });
});
