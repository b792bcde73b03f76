import type { Pool } from 'pg';
import { Command, TOPICS, WorkflowDefinition, triggerDataOf, type ResumeCommand } from '@fixlify/contracts';
import { loadContexts } from '@fixlify/db';
import { continuationProgress } from '@fixlify/workflow';
import type { ApiDeps } from '../deps';
import { cancelExecution } from './cancel-execution';
import { retryExecution } from './retry-execution';

jest.mock('@fixlify/db', () => ({ ...jest.requireActual<object>('@fixlify/db'), loadContexts: jest.fn() }));

const ids = {
  org: '00000000-0000-4000-8000-0000000000aa',
  wf: '00000000-0000-4000-8000-0000000000bb',
  ver: '00000000-0000-4000-8000-0000000000cc',
  ex: '00000000-0000-4000-8000-0000000000dd',
  ev: '00000000-0000-4000-8000-0000000000ee',
};
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
const now = new Date('2030-01-01T00:00:00Z');
const logRow = (status: string) => ({
  id: ids.ex,
  organizationId: ids.org,
  workflowId: ids.wf,
  versionId: ids.ver,
  status,
  triggerType: 'job_completed',
  triggerData: triggerDataOf({ eventId: ids.ev, entityType: 'job', entityId: 'job-1', data: {} }),
  lastSeq: 6,
  triggeredAt: new Date('2029-12-31T23:00:00Z'),
  startedAt: new Date('2029-12-31T23:00:01Z'),
  version: 2,
});

/** A pool answering each statement by what it reads; every statement is recorded. */
const fakeDeps = (answers: { log: unknown[]; timer?: unknown[]; progress?: unknown[]; definition?: unknown[] }) => {
  const sent: { topic: string; key: string | null; value: string }[] = [];
  const query = jest.fn((sql: string, _params?: unknown[]) => {
    const rows = sql.includes('FROM automation_execution_logs')
      ? answers.log
      : sql.includes('FROM automation_timers')
        ? (answers.timer ?? [])
        : sql.includes('FROM automation_executions')
          ? (answers.progress ?? [])
          : sql.includes('AS definition')
            ? (answers.definition ?? [])
            : [];
    return Promise.resolve({ rows, rowCount: rows.length });
  });
  const deps = {
    pool: { query } as unknown as Pool,
    publisher: { send: (topic: string, key: string | null, value: string) => Promise.resolve(void sent.push({ topic, key, value })) },
  } as unknown as ApiDeps;
  return { deps, sent, query };
};

describe('retryExecution', () => {
  beforeEach(() => jest.mocked(loadContexts).mockReset());

  it('retries only a failed execution, and sends nothing otherwise', async () => {
    for (const status of ['completed', 'waiting', 'unknown']) {
      const { deps, sent } = fakeDeps({ log: [logRow(status)] });
      await expect(retryExecution(deps, ids.org, ids.ex, () => now)).rejects.toMatchObject({
        code: 'conflict',
        message: `only a failed execution can be retried; this one is ${status}`,
      });
      expect(sent).toEqual([]);
    }
  });

  it('answers 404 for an execution of another organization (the log read is scoped to the caller)', async () => {
    const { deps, query } = fakeDeps({ log: [] });
    await expect(retryExecution(deps, ids.org, ids.ex, () => now)).rejects.toMatchObject({ code: 'not_found' });
    expect(query.mock.calls[0]![1]).toEqual([ids.ex, ids.org]);
  });

  it("goes on from the timer's last continuation, past the recorded progress, with a fresh attempt count", async () => {
    const last: ResumeCommand = {
      v: 1,
      kind: 'resume',
      executionId: ids.ex,
      organizationId: ids.org,
      workflowId: ids.wf,
      versionId: ids.ver,
      version: 2,
      issuedAt: now.toISOString(),
      commandId: `${ids.ex}:retry`,
      definition,
      event: {
        v: 1,
        eventId: ids.ev,
        type: 'job_completed',
        organizationId: ids.org,
        entityType: 'job',
        entityId: 'job-1',
        before: null,
        after: null,
        occurredAt: now.toISOString(),
        emittedAt: now.toISOString(),
        workflowId: null,
        causation: null,
        data: {},
        source: { kind: 'cdc' },
      },
      context: { job: { title: 'Sink' } },
      continuation: { cursor: 'b', vars: { x: 1 }, loops: [], steps: 1, attempt: 5, seq: 6 },
      reason: 'retry',
    };
    const { deps, sent } = fakeDeps({ log: [logRow('failed')], timer: [{ command: last }], progress: [{ progress: '1005' }] });
    const answer = await retryExecution(deps, ids.org, ids.ex, () => now);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: TOPICS.commands, key: ids.ex });
    const cmd = Command.parse(JSON.parse(sent[0]!.value)) as ResumeCommand;
    expect(cmd).toMatchObject({
      kind: 'resume',
      reason: 'manual_retry',
      context: { job: { title: 'Sink' } },
      continuation: { cursor: 'b', vars: { x: 1 }, attempt: 1, seq: 7 },
    });
    expect(continuationProgress(cmd.continuation)).toBeGreaterThan(1005);
    expect(answer).toEqual({ executionId: ids.ex, commandId: cmd.commandId, from: 'last_continuation', cursor: 'b' });
    expect(loadContexts).not.toHaveBeenCalled();
  });

  it('without a continuation, starts again from the trigger rebuilt from the log, with a freshly loaded context', async () => {
    const context = {
      event: {},
      trigger: {},
      before: null,
      after: null,
      organization: null,
      client: null,
      job: { title: 'Reloaded' },
      invoice: null,
      estimate: null,
      technician: null,
    };
    jest.mocked(loadContexts).mockResolvedValue([context]);
    const { deps, sent } = fakeDeps({ log: [logRow('failed')], timer: [{ command: { kind: 'resume', unreadable: true } }], definition: [{ definition }] });
    const answer = await retryExecution(deps, ids.org, ids.ex, () => now);
    const cmd = Command.parse(JSON.parse(sent[0]!.value)) as ResumeCommand;
    // the event the executor recorded (its id and record), at the time it was triggered
    expect(cmd.event).toMatchObject({ eventId: ids.ev, type: 'job_completed', entityType: 'job', entityId: 'job-1', occurredAt: '2029-12-31T23:00:00.000Z' });
    expect(cmd).toMatchObject({ context: { job: { title: 'Reloaded' } }, continuation: { cursor: 'a', attempt: 1, startedAt: '2029-12-31T23:00:01.000Z' } });
    expect(answer).toMatchObject({ from: 'trigger', cursor: 'a' });
  });

  it('refuses with 409 when the version it ran is gone or no longer valid', async () => {
    const { deps, sent } = fakeDeps({ log: [logRow('failed')], definition: [{ definition: null }] });
    await expect(retryExecution(deps, ids.org, ids.ex, () => now)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/cannot be retried/),
    });
    expect(sent).toEqual([]);
  });
});

describe('cancelExecution', () => {
  const p = { organizationId: ids.org, role: 'editor' as const, userId: null, apiKeyId: null, actor: 'ops@example.com' };
  it('cancels a running or waiting execution, in the name of the caller', async () => {
    for (const status of ['pending', 'processing', 'waiting', 'retry']) {
      const { deps, sent } = fakeDeps({ log: [logRow(status)] });
      expect(await cancelExecution(deps, p, ids.ex, () => now)).toEqual({ executionId: ids.ex, commandId: `${ids.ex}:cancel` });
      expect(JSON.parse(sent[0]!.value)).toMatchObject({ kind: 'cancel', reason: 'cancelled by ops@example.com', version: 2 });
    }
  });
  it('refuses an execution that has ended', async () => {
    for (const status of ['completed', 'failed', 'unknown', 'cancelled']) {
      const { deps, sent } = fakeDeps({ log: [logRow(status)] });
      await expect(cancelExecution(deps, p, ids.ex, () => now)).rejects.toMatchObject({ code: 'conflict' });
      expect(sent).toEqual([]);
    }
  });
});
