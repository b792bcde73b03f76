import type { PublishBody, PublishResult } from '@fixlify/contracts';
import { publishWorkflowVersion } from '@fixlify/db';
import { triggerNode } from '@fixlify/workflow';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { shownWorkflow } from './definition-secrets';
import { getWorkflow } from './workflow-queries';
import { runnableDraft } from './runnable-draft';

/** POST /api/workflows/:id/publish: the draft as a new immutable version (the matcher learns it through CDC). */
export const publishWorkflow = async (deps: Pick<ApiDeps, 'pool'>, p: Principal, id: string, b: PublishBody): Promise<PublishResult> => {
  const w = await getWorkflow(deps.pool, p.organizationId, id);
  const definition = runnableDraft(w.definition, 'publishing');
  const version = await publishWorkflowVersion(deps.pool, {
    workflowId: id,
    organizationId: p.organizationId,
    definition,
    triggerType: triggerNode(definition)?.trigger.type ?? 'manual',
    publishedBy: p.actor,
    ...(b.activate !== undefined ? { activate: b.activate } : {}),
  });
  return { ...version, workflow: shownWorkflow(await getWorkflow(deps.pool, p.organizationId, id)) };
};
