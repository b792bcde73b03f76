import type { Pool } from 'pg';
import { ExecutionDetail, ExecutionList, ExecutionsQuery } from '@fixlify/contracts';
import { listExecutions } from './list-executions';
import { showExecution } from './show-execution';

const org = '00000000-0000-4000-8000-0000000000aa';
const row = (i: number, startedAt: Date | null) => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  workflowId: '00000000-0000-4000-8000-0000000000bb',
  workflowName: 'Thank you',
  versionId: '00000000-0000-4000-8000-0000000000cc',
  version: 1,
  status: 'completed',
  triggerType: 'job_completed',
  errorMessage: null,
  retryCount: 0,
  stepCount: 2,
  triggeredAt: startedAt,
  startedAt,
  completedAt: startedAt,
  executionTimeMs: 12,
  testRun: false,
  replayId: null,
  replayMode: null,
  updatedAt: new Date('2030-01-01T00:00:09Z'),
});
const poolAnswering = (...answers: unknown[][]) => {
  const query = jest.fn();
  for (const rows of answers) query.mockResolvedValueOnce({ rows, rowCount: rows.length });
  return { query } as unknown as Pool & { query: jest.Mock };
};

describe('listExecutions', () => {
  it('names the next page only when this one is full: the start of its last execution', async () => {
    const rows = [row(1, new Date('2030-01-01T00:00:02Z')), row(2, new Date('2030-01-01T00:00:01Z'))];
    const full = await listExecutions(poolAnswering(rows), org, ExecutionsQuery.parse({ limit: '2' }));
    expect(full.nextBefore).toBe('2030-01-01T00:00:01.000Z');
    expect(ExecutionList.parse(full)).toEqual(full);
    const short = await listExecutions(poolAnswering(rows), org, ExecutionsQuery.parse({ limit: '3' }));
    expect(short.nextBefore).toBeNull();
    // a full page ending on an execution that has not started (no time to page by) is the last
    expect((await listExecutions(poolAnswering([row(1, null)]), org, ExecutionsQuery.parse({ limit: '1' }))).nextBefore).toBeNull();
  });
  it('passes the filters as parameters, statuses as a list', async () => {
    const pool = poolAnswering([]);
    await listExecutions(pool, org, ExecutionsQuery.parse({ status: 'failed,unknown', workflowId: '00000000-0000-4000-8000-0000000000bb' }));
    expect(pool.query.mock.calls[0]![1]).toEqual([org, '00000000-0000-4000-8000-0000000000bb', ['failed', 'unknown'], null, null, null, 50, null, null]);
  });
});

describe('showExecution', () => {
  it('answers the timeline with its deliveries and pending timers, times as ISO and secrets as the placeholder', async () => {
    const definition = { nodes: [{ id: 'h', type: 'webhook', config: { url: 'https://example.com', headers: { 'x-api-key': 'do-not-show' } } }], edges: [] };
    const steps = [
      { stepId: 'h', type: 'webhook', status: 'succeeded', attempt: 1, startedAt: '2030-01-01T00:00:01.000Z', durationMs: 5, delivery: 'delivered' },
    ];
    const pool = poolAnswering(
      [{ ...row(1, new Date('2030-01-01T00:00:01Z')), triggerData: { eventId: 'e' }, steps, lastSeq: 3, definition }],
      [
        {
          stepKey: 'k',
          channel: 'webhook',
          status: 'delivered',
          attempts: 1,
          providerMessageId: null,
          error: null,
          updatedAt: new Date('2030-01-01T00:00:02Z'),
        },
      ],
      [{ id: 't', dueAt: new Date('2030-01-02T00:00:00Z'), reason: 'delay' }],
    );
    const d = await showExecution(pool, org, row(1, null).id);
    expect(ExecutionDetail.parse(d)).toEqual(d);
    expect(d.deliveries[0]!.updatedAt).toBe('2030-01-01T00:00:02.000Z');
    expect(d.pendingTimers).toEqual([{ id: 't', dueAt: '2030-01-02T00:00:00.000Z', reason: 'delay' }]);
    expect(JSON.stringify(d.definition)).not.toContain('do-not-show');
  });
  it('answers 404 when the execution is not the caller organization’s', async () => {
    await expect(showExecution(poolAnswering([]), org, row(1, null).id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
