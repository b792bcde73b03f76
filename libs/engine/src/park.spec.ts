import type { Continuation, RunnableCommand } from '@fixlify/contracts';
import type { ExecutionContext } from '@fixlify/db';
import { MAX_COMMAND_BYTES, parkContinuation } from './park';

const cmd = {
  v: 1,
  kind: 'resume',
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: '11111111-1111-4111-8111-111111111111',
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: '33333333-3333-4333-8333-333333333333',
  version: 2,
  definition: { nodes: [], edges: [] },
  event: { eventId: '55555555-5555-4555-8555-555555555555' },
} as unknown as RunnableCommand;
const context = { event: { id: 'e' } } as unknown as ExecutionContext;
const cont = (vars: Record<string, unknown> = {}): Continuation => ({ cursor: 'b', vars, loops: [], steps: 3, attempt: 1, seq: 5 });
const DUE = new Date('2030-01-01T00:05:00.000Z');
const ISSUED = new Date('2030-01-01T00:00:00.000Z');

describe('parkContinuation', () => {
  it('makes the timer whose command resumes the execution where it stopped', () => {
    const p = parkContinuation(cmd, context, cont(), 'rate_limit', DUE, ISSUED);
    if (!('timer' in p)) throw new Error('expected a timer');
    const { timer } = p;
    expect(timer).toMatchObject({ organizationId: cmd.organizationId, executionId: cmd.executionId, dueAt: DUE, reason: 'rate_limit' });
    expect(timer.id).toBe(timer.command.commandId);
    expect(timer.command).toMatchObject({ kind: 'resume', version: 2, issuedAt: ISSUED.toISOString(), context, continuation: cont(), reason: 'fairness' });
    expect(timer.command.commandId.startsWith(`${cmd.executionId}:`)).toBe(true);
  });

  it('names the continuation by its progress: another step count is another command', () => {
    const a = parkContinuation(cmd, context, cont(), 'delay', DUE, ISSUED);
    const b = parkContinuation(cmd, context, { ...cont(), steps: 4 }, 'delay', DUE, ISSUED);
    expect('timer' in a && 'timer' in b && a.timer.id !== b.timer.id).toBe(true);
  });

  it('refuses a state too large to travel in one command', () => {
    const p = parkContinuation(cmd, context, cont({ big: 'x'.repeat(MAX_COMMAND_BYTES) }), 'retry', DUE, ISSUED);
    expect('error' in p && p.error).toMatchObject({ code: 'state_too_large', retryable: false });
  });
});
