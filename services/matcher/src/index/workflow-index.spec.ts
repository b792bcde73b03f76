import type { TriggerType } from '@fixlify/contracts';
import type { IndexedWorkflow } from './indexed-workflow';
import { WorkflowIndex } from './workflow-index';

const wf = (id: string, org: string, type: TriggerType): IndexedWorkflow => ({
  workflowId: id,
  organizationId: org,
  version: 1,
  versionId: id,
  triggerType: type,
  trigger: { type } as IndexedWorkflow['trigger'],
  reenrollment: 'every_time',
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
