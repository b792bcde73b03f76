import type { Command, Continuation } from '@fixlify/contracts';
import { commandIdOf, progressOf } from './claim-commands';

const base = {
  v: 1 as const,
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: '11111111-1111-4111-8111-111111111111',
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: '33333333-3333-4333-8333-333333333333',
  version: 1,
  issuedAt: '2026-03-10T15:00:00.000Z',
};
const cont = (steps: number, attempt: number): Continuation => ({ cursor: 'x', vars: {}, loops: [], steps, attempt, seq: 0 });
const resume = (steps: number, attempt: number, reason: 'delay' | 'retry' | 'quiet_hours' | 'fairness' = 'delay') =>
  ({ ...base, kind: 'resume', commandId: `${base.executionId}:${steps * 1000 + attempt}`, continuation: cont(steps, attempt), reason }) as unknown as Command;
const start = { ...base, kind: 'start' } as unknown as Command;
const cancel = { ...base, kind: 'cancel', commandId: 'cancel-1', reason: 'user' } as unknown as Command;

describe('progressOf', () => {
  it('orders an execution’s commands: start < retries of a step < the next step < cancel', () => {
    const order = [start, resume(0, 2), resume(0, 3), resume(1, 1), resume(1, 2), resume(2, 1), cancel];
    const p = order.map(progressOf);
    expect([...p].sort((a, b) => a - b)).toEqual(p);
    expect(new Set(p).size).toBe(p.length);
  });

  it('puts a quiet-hours resume (one more step, same node) after every retry of that node', () => {
    expect(progressOf(resume(3, 1, 'quiet_hours'))).toBeGreaterThan(progressOf(resume(2, 20, 'retry')));
  });

  it('a re-emitted timer has the same progress as its first emission, so the claim drops it', () => {
    expect(progressOf(resume(2, 1))).toBe(progressOf(resume(2, 1)));
  });
});

describe('commandIdOf', () => {
  it('names a start by its execution and the others by their command id', () => {
    expect(commandIdOf(start)).toBe(`start:${base.executionId}`);
    expect(commandIdOf(resume(2, 1))).toBe(`${base.executionId}:2001`);
    expect(commandIdOf(cancel)).toBe('cancel-1');
  });
});
