import type { PublishedWorkflow } from '@fixlify/contracts';
import { WorkflowIndex } from './workflow-index';

const wf = (id: string, org: string, type: PublishedWorkflow['triggerType']): PublishedWorkflow => ({
  v: 1,
  workflowId: id,
  organizationId: org,
  name: id,
  version: 1,
  versionId: id,
  triggerType: type,
  definition: { schemaVersion: 1, nodes: [{ id: 't', type: 'trigger', trigger: { type } as never }], edges: [], settings: { reenrollment: 'every_time' } },
  updatedAt: new Date(0).toISOString(),
});

describe('WorkflowIndex', () => {
  it('indexes by organization and trigger type, and moves a workflow whose trigger changed', () => {
    const idx = new WorkflowIndex();
    idx.upsert(wf('a', 'o1', 'job_created'));
    idx.upsert(wf('b', 'o1', 'job_created'));
    idx.upsert(wf('c', 'o2', 'job_created'));
    expect(idx.candidates('o1', 'job_created').map((w) => w.workflowId)).toEqual(['a', 'b']);
    idx.upsert(wf('a', 'o1', 'invoice_paid'));
    expect(idx.candidates('o1', 'job_created').map((w) => w.workflowId)).toEqual(['b']);
    expect(idx.candidates('o1', 'invoice_paid').map((w) => w.workflowId)).toEqual(['a']);
    idx.remove('b');
    expect(idx.candidates('o1', 'job_created')).toEqual([]);
    expect(idx.size).toBe(2);
  });
});
