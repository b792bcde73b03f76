import { Command, WorkflowDefinition, triggerDataOf, type ResumeCommand } from '@fixlify/contracts';
import { cancelCommand, manualRetryCommand, rebuildEvent, retryContinuation } from './commands';

const ids = {
  org: '00000000-0000-4000-8000-0000000000aa',
  wf: '00000000-0000-4000-8000-0000000000bb',
  ver: '00000000-0000-4000-8000-0000000000cc',
  ex: '00000000-0000-4000-8000-0000000000dd',
};
const execution = { id: ids.ex, organizationId: ids.org, workflowId: ids.wf, versionId: ids.ver, version: 2 };
const definition = WorkflowDefinition.parse({
  nodes: [
    { id: 't', type: 'trigger', trigger: { type: 'job_completed' } },
    { id: 'a', type: 'webhook', config: { url: 'https://example.com' } },
    { id: 'b', type: 'send_sms', config: { body: 'hi' } },
  ],
  edges: [
    { id: 'e1', source: 't', target: 'a' },
    { id: 'e2', source: 'a', target: 'b' },
  ],
});
const progressOf = (c: ResumeCommand) => c.continuation.steps * 1000 + c.continuation.attempt;
const now = new Date('2030-01-01T00:00:00Z');

describe('rebuildEvent', () => {
  it('rebuilds the event from the ids the executor recorded; context keys of the same name stay payload', () => {
    const job = '00000000-0000-4000-8000-0000000000ee';
    // what the executor records for a manual run whose context tried to name another record and event
    const triggerData = triggerDataOf({ eventId: ids.ex, entityType: 'none', entityId: null, data: { entityId: job, eventId: ids.ver, reason: 'vip' } });
    const ev = rebuildEvent({ organizationId: ids.org, workflowId: ids.wf, triggerType: 'manual', triggerData, triggeredAt: null, after: null, now });
    expect(ev).toMatchObject({
      eventId: ids.ex,
      entityType: 'none',
      entityId: null,
      organizationId: ids.org,
      data: { entityId: job, eventId: ids.ver, reason: 'vip' },
    });
  });
});

describe('manual retry', () => {
  it('moves past the recorded progress and restarts the attempt count', () => {
    const c = retryContinuation({ cursor: 'b', vars: { x: 1 }, loops: [], steps: 1, attempt: 5, seq: 7 }, { recordedProgress: 1005, lastSeq: 9 });
    expect(c).toMatchObject({ cursor: 'b', vars: { x: 1 }, steps: 2, attempt: 1, seq: 10 });
    expect(c.steps * 1000 + c.attempt).toBeGreaterThan(1005);
  });
  it('continues from the last timer command when there is one', () => {
    const event = rebuildEvent({
      organizationId: ids.org,
      workflowId: ids.wf,
      triggerType: 'job_completed',
      triggerData: { eventId: ids.ex, entityType: 'job', entityId: null },
      triggeredAt: null,
      after: null,
      now,
    });
    const last: ResumeCommand = {
      ...execution,
      v: 1,
      kind: 'resume',
      executionId: ids.ex,
      issuedAt: now.toISOString(),
      commandId: 'x',
      definition,
      event,
      context: { job: { title: 'Sink' } },
      continuation: { cursor: 'b', vars: {}, loops: [], steps: 1, attempt: 5, seq: 6 },
      reason: 'retry',
    };
    const cmd = manualRetryCommand({ execution, last, rebuilt: null, recordedProgress: 1005, lastSeq: 6, now });
    expect(Command.parse(cmd)).toMatchObject({ kind: 'resume', reason: 'manual_retry', context: { job: { title: 'Sink' } }, continuation: { cursor: 'b' } });
    expect(progressOf(cmd)).toBeGreaterThan(1005);
  });
  it('restarts from the trigger with a rebuilt event when no continuation was stored', () => {
    const event = rebuildEvent({
      organizationId: ids.org,
      workflowId: ids.wf,
      triggerType: 'job_completed',
      triggerData: { eventId: ids.ex, entityType: 'job', entityId: ids.wf, extra: 1 },
      triggeredAt: '2029-12-31T00:00:00.000Z',
      after: { title: 'Sink' },
      now,
    });
    expect(event).toMatchObject({ entityType: 'job', entityId: ids.wf, data: { extra: 1 }, after: { title: 'Sink' } });
    const cmd = manualRetryCommand({
      execution,
      last: null,
      rebuilt: { definition, event, context: {}, startedAt: '2029-12-31T00:00:00.000Z' },
      recordedProgress: 0,
      lastSeq: 3,
      now,
    });
    expect(Command.parse(cmd).kind).toBe('resume');
    expect(cmd.continuation).toMatchObject({ cursor: 'a', steps: 1, attempt: 1, seq: 4, startedAt: '2029-12-31T00:00:00.000Z' });
  });
  it('builds a cancel command', () => {
    expect(Command.parse(cancelCommand(execution, 'ada@example.com', now))).toMatchObject({ kind: 'cancel', commandId: `${ids.ex}:cancel` });
  });
});
