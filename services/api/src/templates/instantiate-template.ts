import { randomUUID } from 'node:crypto';
import type { InstantiateBody, WorkflowDetail } from '@fixlify/contracts';
import { createWorkflowDraft, withTransaction } from '@fixlify/db';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { definitionToStore, shownWorkflow } from '../workflows/definition-secrets';
import { getWorkflow } from '../workflows/workflow-queries';
import { showTemplate } from './show-template';

/** POST /api/templates/:id/instantiate: a draft in the caller's organization from a template; the template's usage count goes up with it. */
export const instantiateTemplate = async (
  deps: Pick<ApiDeps, 'pool' | 'credentialsKey'>,
  p: Principal,
  idOrSlug: string,
  b: InstantiateBody,
): Promise<WorkflowDetail> => {
  const t = await showTemplate(deps.pool, idOrSlug);
  const newId = randomUUID();
  const definition = definitionToStore(t.definition, null, { organizationId: p.organizationId, workflowId: newId }, deps.credentialsKey);
  const wid = await withTransaction(deps.pool, async (client) => {
    const id = await createWorkflowDraft(client, {
      id: newId,
      organizationId: p.organizationId,
      name: b.name ?? t.name,
      description: t.description,
      definition,
      triggerType: t.triggerType,
      templateId: t.id,
      createdBy: p.actor,
    });
    await client.query('UPDATE automation_templates SET usage_count = usage_count + 1 WHERE id = $1', [t.id]);
    return id;
  });
  // read after the commit: the pool's other connections see the draft only then
  return shownWorkflow(await getWorkflow(deps.pool, p.organizationId, wid));
};
