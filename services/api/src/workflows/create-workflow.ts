import { randomUUID } from 'node:crypto';
import type { CreateWorkflowBody, WorkflowDetail } from '@fixlify/contracts';
import { createWorkflowDraft } from '@fixlify/db';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { definitionToStore, shownWorkflow } from './definition-secrets';
import { assertDraftAcceptable } from './draft-limits';
import { draftTriggerType, getWorkflow } from './workflow-queries';

export const EMPTY_DRAFT = { schemaVersion: 1 as const, nodes: [], edges: [] };

/** POST /api/workflows: a new draft in the caller's organization (413/422 before anything is written). */
export const createWorkflow = async (deps: Pick<ApiDeps, 'pool' | 'credentialsKey'>, p: Principal, b: CreateWorkflowBody): Promise<WorkflowDetail> => {
  assertDraftAcceptable(b.definition ?? EMPTY_DRAFT);
  // the id is chosen here: the draft's secrets are sealed for this workflow before anything is stored
  const id = randomUUID();
  const definition = definitionToStore(b.definition ?? EMPTY_DRAFT, null, { organizationId: p.organizationId, workflowId: id }, deps.credentialsKey);
  // and what is stored is checked again: a sealed secret is longer than the typed one
  assertDraftAcceptable(definition);
  await createWorkflowDraft(deps.pool, {
    id,
    organizationId: p.organizationId,
    name: b.name,
    ...(b.description !== undefined ? { description: b.description } : {}),
    definition,
    triggerType: draftTriggerType(definition),
    createdBy: p.actor,
  });
  return shownWorkflow(await getWorkflow(deps.pool, p.organizationId, id));
};
