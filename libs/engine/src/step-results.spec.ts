import type { Command, Continuation } from '@fixlify/contracts';
import { StepResult } from '@fixlify/contracts';
import {
  boundOutput,
  executionFailed,
  executionWaiting,
  isoOf,
  MAX_OUTPUT_FIELD_CHARS,
  resultBase,
  stepFailed,
  stepSucceeded,
  stepTiming,
} from './step-results';

const EXEC = '44444444-4444-4444-8444-444444444444';
const cmd = {
  executionId: EXEC,
  organizationId: '11111111-1111-4111-8111-111111111111',
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: '33333333-3333-4333-8333-333333333333',
} as Command;
const cont = (): Continuation => ({ cursor: 'a', vars: {}, loops: [], steps: 0, attempt: 1, seq: 7 });
const T = new Date('2030-01-01T00:00:00.000Z');
const node = { id: 'sms', type: 'send_sms', config: { to: '+1', body: 'hi' } } as const;

describe('resultBase', () => {
  it("takes the continuation's next sequence number, and the result id from it", () => {
    const c = cont();
    const a = resultBase(cmd, c, T);
    const b = resultBase(cmd, c, T);
    expect([a.seq, b.seq, c.seq]).toEqual([7, 8, 9]);
    expect(a).toEqual({
      v: 1,
      resultId: `${EXEC}:7`,
      executionId: EXEC,
      organizationId: cmd.organizationId,
      workflowId: cmd.workflowId,
      versionId: cmd.versionId,
      seq: 7,
      at: T.toISOString(),
    });
  });
});

describe('the builders', () => {
  it('make results the contract reads back as they are', () => {
    const c = cont();
    const step = stepTiming(node, 2, T, new Date(T.getTime() + 40));
    expect(step).toEqual({ stepId: 'sms', stepType: 'send_sms', attempt: 2, startedAt: T.toISOString(), durationMs: 40 });
    const results = [
      stepSucceeded(resultBase(cmd, c, T), step, { to: '+1' }, 'delivered', 'sms'),
      stepFailed(resultBase(cmd, c, T), step, { code: 'timeout', message: 'slow', retryable: true }, '2030-01-01T00:01:00.000Z'),
      executionWaiting(resultBase(cmd, c, T), 'sms', '2030-01-01T00:01:00.000Z', 'rate_limit'),
      executionFailed(resultBase(cmd, c, T), 12, { code: 'timeout', message: 'gave up after 3 attempts: slow', retryable: true }),
    ];
    for (const r of results) expect(StepResult.parse(r)).toEqual(r);
    expect(results.map((r) => r.kind)).toEqual(['step_succeeded', 'step_failed', 'execution_waiting', 'execution_failed']);
  });

  it('never report a negative duration (a clock that stepped back)', () => {
    expect(stepTiming(node, 1, T, new Date(T.getTime() - 5)).durationMs).toBe(0);
  });
});

describe('isoOf', () => {
  it('formats like toISOString, also across milliseconds', () => {
    for (const ms of [0, 0, 1, 999, 1000]) expect(isoOf(new Date(T.getTime() + ms))).toBe(new Date(T.getTime() + ms).toISOString());
  });
});

describe('boundOutput', () => {
  it('cuts large fields to a preview and names them', () => {
    const out = boundOutput({ small: 'ok', big: 'x'.repeat(MAX_OUTPUT_FIELD_CHARS + 1), obj: { a: 1 } });
    expect(out.small).toBe('ok');
    expect(out.obj).toEqual({ a: 1 });
    expect(out.big).toHaveLength(MAX_OUTPUT_FIELD_CHARS + 1);
    expect(String(out.big).endsWith('…')).toBe(true);
    expect(out.truncated).toEqual(['big']);
  });

  it('keeps a key named __proto__ as a plain field', () => {
    const out = boundOutput(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
