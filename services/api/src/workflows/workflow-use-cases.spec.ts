import type { Pool } from 'pg';
import { Command, DomainEvent, TOPICS, WorkflowDetail, executionId, requestEventId } from '@fixlify/contracts';
import { publishWorkflowVersion } from '@fixlify/db';
import type { ApiDeps } from '../deps';
import type { Principal } from '../auth/principal';
import { publishWorkflow } from './publish-workflow';
import { showWorkflow } from './show-workflow';
import { testRunWorkflow } from './test-run-workflow';
import { triggerWorkflow } from './trigger-workflow';

jest.mock('@fixlify/db', () => ({ ...jest.requireActual<object>('@fixlify/db'), publishWorkflowVersion: jest.fn() }));

const org = '00000000-0000-4000-8000-0000000000aa';
const wf = '00000000-0000-4000-8000-0000000000bb';
const ver = '00000000-0000-4000-8000-0000000000cc';
const job = '00000000-0000-4000-8000-0000000000dd';
const editor: Principal = { organizationId: org, role: 'editor', userId: null, apiKeyId: null, actor: 'ed@example.com' };
const viewer: Principal = { ...editor, role: 'viewer' };

const manual = {
  nodes: [
    { id: 't', type: 'trigger', trigger: { type: 'manual' } },
    { id: 'h', type: 'webhook', config: { url: 'https://example.com', headers: { 'x-api-key': 'fxsecret:v1:sealed' } } },
  ],
  edges: [{ id: 'e1', source: 't', target: 'h' }],
};
const jobCompleted = {
  nodes: [
    { id: 't', type: 'trigger', trigger: { type: 'job_completed', filter: { field: 'after.total', op: 'gte', value: 100 } } },
    { id: 's', type: 'send_sms', config: { body: 'Thanks' } },
  ],
  edges: [{ id: 'e1', source: 't', target: 's' }],
};
const workflowRow = (over: Record<string, unknown> = {}) => ({
  id: wf,
  name: 'W',
  description: null,
  status: 'active',
  isActive: true,
  triggerType: 'manual',
  currentVersion: 1,
  publishedVersionId: ver,
  templateId: null,
  executionCount: 0,
  successCount: 0,
  failureCount: 0,
  lastTriggeredAt: null,
  createdAt: new Date('2030-01-01T00:00:00Z'),
  updatedAt: new Date('2030-01-01T00:00:05Z'),
  definition: manual,
  publishedDefinition: manual,
  webhookSecret: 'whsec',
  reenrollment: 'every_time',
  ...over,
});

/** A pool answering the workflow read with `row`, the other reads with `others` (by table), and recording what was sent. */
const fakeDeps = (row: Record<string, unknown> | null, others: Record<string, unknown[]> = {}) => {
  const sent: { topic: string; key: string | null; value: string }[] = [];
  const query = jest.fn((sql: string, _params?: unknown[]) => {
    const table = Object.keys(others).find((t) => sql.includes(t));
    const rows = table ? others[table]! : sql.includes('FROM automation_workflows WHERE id = $1 AND organization_id = $2') ? (row ? [row] : []) : [];
    return Promise.resolve({ rows, rowCount: rows.length });
  });
  const deps = {
    pool: { query } as unknown as Pool,
    publisher: { send: (topic: string, key: string | null, value: string) => Promise.resolve(void sent.push({ topic, key, value })) },
    cfg: { WORKFLOW_ACTIVATION_GRACE_MS: 0 },
  } as unknown as ApiDeps;
  return { deps, sent, query };
};

describe('showWorkflow', () => {
  it("answers the workflow with its steps' secrets as the placeholder, times as ISO", async () => {
    const w = await showWorkflow(fakeDeps(workflowRow()).deps.pool, editor, wf);
    expect(WorkflowDetail.parse(w)).toEqual(w);
    expect(w).toMatchObject({ createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:05.000Z', webhookSecret: 'whsec' });
    expect(JSON.stringify(w)).not.toContain('fxsecret:v1:sealed');
  });
  it('hides the inbound-webhook secret from viewers', async () => {
    expect((await showWorkflow(fakeDeps(workflowRow()).deps.pool, viewer, wf)).webhookSecret).toBeNull();
  });
  it('answers 404 for a workflow that is not the caller organization’s', async () => {
    const { deps, query } = fakeDeps(null);
    await expect(showWorkflow(deps.pool, editor, wf)).rejects.toMatchObject({ code: 'not_found' });
    expect(query.mock.calls[0]![1]).toEqual([wf, org]);
  });
});

describe('triggerWorkflow', () => {
  const now = new Date('2030-01-02T00:00:00Z');
  it('sends a manual event keyed by organization and workflow, and names the execution the matcher starts for it', async () => {
    const { deps, sent } = fakeDeps(workflowRow());
    const r = await triggerWorkflow(deps, editor, wf, { requestId: 'req-1', context: { note: 'x' } }, () => now);
    const eventId = requestEventId({ workflowId: wf, requestId: 'req-1', kind: 'manual' });
    expect(r).toEqual({ eventId, executionId: executionId(ver, eventId) });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: TOPICS.events, key: `${org}:${wf}` });
    expect(DomainEvent.parse(JSON.parse(sent[0]!.value))).toMatchObject({ eventId, type: 'manual', organizationId: org, workflowId: wf, data: { note: 'x' } });
  });
  it('enrolls once per record when the workflow says so', async () => {
    const { deps } = fakeDeps(workflowRow({ reenrollment: 'once_per_entity' }), { 'FROM jobs': [{ '?column?': 1 }] });
    const r = await triggerWorkflow(deps, editor, wf, { requestId: 'req-2', context: {}, entity: { type: 'job', id: job } }, () => now);
    expect(r.executionId).toBe(executionId(wf, `entity:${job}`));
  });
  it('refuses an inactive workflow and one that does not start manually, and sends nothing', async () => {
    for (const [row, message] of [
      [workflowRow({ isActive: false }), 'the workflow is not active'],
      [workflowRow({ publishedVersionId: null }), 'the workflow is not active'],
      [workflowRow({ triggerType: 'job_completed' }), 'the workflow starts on job_completed, not manually; use a test run instead'],
    ] as const) {
      const { deps, sent } = fakeDeps(row);
      await expect(triggerWorkflow(deps, editor, wf, { context: {} }, () => now)).rejects.toMatchObject({ code: 'conflict', message });
      expect(sent).toEqual([]);
    }
  });
  it("answers 404 for a record that is not the organization's, and sends nothing", async () => {
    const { deps, sent } = fakeDeps(workflowRow(), { 'FROM jobs': [] });
    await expect(triggerWorkflow(deps, editor, wf, { context: {}, entity: { type: 'job', id: job } }, () => now)).rejects.toMatchObject({ code: 'not_found' });
    expect(sent).toEqual([]);
  });
});

describe('testRunWorkflow', () => {
  const now = new Date('2030-01-02T00:00:00Z');
  it('starts the draft directly with the sample, and says whether the sample passes the trigger filter', async () => {
    const { deps, sent } = fakeDeps(workflowRow({ definition: jobCompleted, triggerType: 'job_completed' }), { 'FROM jobs': [{ '?column?': 1 }] });
    const low = await testRunWorkflow(deps, editor, wf, { requestId: 'a', after: { id: job, total: 50 } }, () => now);
    const high = await testRunWorkflow(deps, editor, wf, { requestId: 'b', after: { id: job, total: 500 } }, () => now);
    expect([low.filterMatched, high.filterMatched]).toEqual([false, true]);
    const cmd = Command.parse(JSON.parse(sent[0]!.value));
    expect(sent[0]).toMatchObject({ topic: TOPICS.commands, key: low.executionId });
    expect(cmd).toMatchObject({
      kind: 'start',
      executionId: low.executionId,
      event: { type: 'job_completed', entityType: 'job', entityId: job, data: { testRun: true } },
    });
  });
  it('keeps the version id of a draft revision derived as it always was (from the stored time as String() writes it)', async () => {
    const { deps, sent } = fakeDeps(workflowRow({ definition: jobCompleted }), { 'FROM jobs': [{ '?column?': 1 }] });
    await testRunWorkflow(deps, editor, wf, { requestId: 'a', entityId: job }, () => now);
    const { v5 } = jest.requireActual<typeof import('uuid')>('uuid');
    expect(JSON.parse(sent[0]!.value).versionId).toBe(v5(`draft|${wf}|${String(new Date('2030-01-01T00:00:05Z'))}`, 'b8a7c0c4-5f7e-4c8e-8d0b-2f4b1f6f9a11'));
  });
  it('refuses an invalid draft with 422 naming its problems, and sends nothing', async () => {
    const { deps, sent } = fakeDeps(workflowRow({ definition: { nodes: [{ id: 's', type: 'send_sms', config: { body: '' } }], edges: [] } }));
    await expect(testRunWorkflow(deps, editor, wf, {}, () => now)).rejects.toMatchObject({
      code: 'invalid_workflow',
      message: expect.stringMatching(/fix them before a test run$/),
    });
    expect(sent).toEqual([]);
  });
});

describe('publishWorkflow', () => {
  it('publishes the validated draft with its trigger type, and answers the version and the workflow after it', async () => {
    jest.mocked(publishWorkflowVersion).mockResolvedValue({ workflowId: wf, versionId: ver, version: 2 });
    const { deps } = fakeDeps(workflowRow({ definition: jobCompleted }));
    const r = await publishWorkflow(deps, editor, wf, { activate: true });
    expect(publishWorkflowVersion).toHaveBeenCalledWith(
      deps.pool,
      expect.objectContaining({ workflowId: wf, organizationId: org, triggerType: 'job_completed', publishedBy: 'ed@example.com', activate: true }),
    );
    expect(r).toMatchObject({ workflowId: wf, versionId: ver, version: 2, workflow: { id: wf } });
  });
  it('refuses an invalid draft before publishing anything', async () => {
    jest.mocked(publishWorkflowVersion).mockReset();
    const { deps } = fakeDeps(workflowRow({ definition: { nodes: [], edges: [] } }));
    await expect(publishWorkflow(deps, editor, wf, {})).rejects.toMatchObject({
      code: 'invalid_workflow',
      message: expect.stringMatching(/fix them before publishing$/),
    });
    expect(publishWorkflowVersion).not.toHaveBeenCalled();
  });
});
