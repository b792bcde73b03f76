import type { UpdateWorkflowBody, WorkflowDetail } from '@fixlify/contracts';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { definitionToStore, shownWorkflow } from './definition-secrets';
import { assertDraftAcceptable } from './draft-limits';
import { draftTriggerType, getWorkflow } from './workflow-queries';

/**
 * PUT /api/workflows/:id: changes the draft (the running version changes only on publish). The
 * trigger type follows the draft only while nothing is published: afterwards it is the running one's.
 */
export const updateWorkflow = async (
  deps: Pick<ApiDeps, 'pool' | 'credentialsKey'>,
  p: Principal,
  id: string,
  b: UpdateWorkflowBody,
): Promise<WorkflowDetail> => {
  if (b.definition) assertDraftAcceptable(b.definition);
  const before = await getWorkflow(deps.pool, p.organizationId, id);
  // placeholders keep the stored secrets (same step and URL); typed ones are sealed; what is stored is checked again (sealed is longer)
  const definition = b.definition
    ? definitionToStore(b.definition, before.definition, { organizationId: p.organizationId, workflowId: id }, deps.credentialsKey)
    : undefined;
  if (definition) assertDraftAcceptable(definition);
  await deps.pool.query(
    `UPDATE automation_workflows SET
       name = coalesce($3, name),
       description = CASE WHEN $4::boolean THEN $5 ELSE description END,
       definition = coalesce($6::jsonb, definition),
       trigger_type = CASE WHEN $6::jsonb IS NULL OR published_version_id IS NOT NULL THEN trigger_type ELSE $7 END,
       updated_at = now()
     WHERE id = $1 AND organization_id = $2`,
    [
      id,
      p.organizationId,
      b.name ?? null,
      b.description !== undefined,
      b.description ?? null,
      definition ? JSON.stringify(definition) : null,
      definition ? draftTriggerType(definition) : null,
    ],
  );
  return shownWorkflow(await getWorkflow(deps.pool, p.organizationId, id));
};
