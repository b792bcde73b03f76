import type { Pool } from 'pg';
import type { WorkflowDetail } from '@fixlify/contracts';
import type { Principal } from '../auth/principal';
import { shownWorkflow } from './definition-secrets';
import { getWorkflow } from './workflow-queries';

/** GET /api/workflows/:id: the workflow with its definitions, steps' secrets as the placeholder. */
export const showWorkflow = async (pool: Pool, p: Principal, id: string): Promise<WorkflowDetail> => {
  const w = shownWorkflow(await getWorkflow(pool, p.organizationId, id));
  // the inbound-webhook secret is for people who can change the workflow; the steps' secrets are shown to nobody
  return p.role === 'viewer' ? { ...w, webhookSecret: null } : w;
};
