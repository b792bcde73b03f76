import type { Pool } from 'pg';
import type { WorkflowDetail } from '@fixlify/contracts';
import { setWorkflowActive } from '@fixlify/db';
import { ApiError } from '../http/errors';
import { shownWorkflow } from './definition-secrets';
import { getWorkflow } from './workflow-queries';

/** POST /api/workflows/:id/activate: the published version starts running again (409 before a first publish). */
export const activateWorkflow = async (pool: Pool, organizationId: string, id: string): Promise<WorkflowDetail> => {
  await getWorkflow(pool, organizationId, id);
  if (!(await setWorkflowActive(pool, { workflowId: id, organizationId, active: true })))
    throw new ApiError('conflict', 'publish the workflow before activating it');
  return shownWorkflow(await getWorkflow(pool, organizationId, id));
};

/** POST /api/workflows/:id/deactivate: new events no longer start it; running executions go on. */
export const deactivateWorkflow = async (pool: Pool, organizationId: string, id: string): Promise<WorkflowDetail> => {
  await getWorkflow(pool, organizationId, id);
  await setWorkflowActive(pool, { workflowId: id, organizationId, active: false });
  return shownWorkflow(await getWorkflow(pool, organizationId, id));
};
