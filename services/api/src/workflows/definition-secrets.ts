import { redactWorkflowSecrets, sealWorkflowSecrets } from '@fixlify/channels';
import type { WorkflowDetail } from '@fixlify/contracts';
import { ApiError } from '../http/errors';

/** A workflow as answers show it: the secrets of its draft and published definitions as the placeholder. */
export const shownWorkflow = (w: WorkflowDetail): WorkflowDetail => ({
  ...w,
  definition: redactWorkflowSecrets(w.definition),
  publishedDefinition: redactWorkflowSecrets(w.publishedDefinition),
});

/**
 * The definition to store: secrets sealed for this organization and workflow, placeholders resolved
 * against the stored definition (libs/channels sealWorkflowSecrets). A placeholder that cannot be
 * kept, a sealed value sent in or a secret over its limit is a 422 naming the step and field.
 */
export const definitionToStore = <D extends Record<string, unknown>>(
  incoming: D,
  stored: unknown,
  scope: { organizationId: string; workflowId: string },
  key: Buffer,
): D => {
  const r = sealWorkflowSecrets(incoming, stored, scope, key);
  if (r.issues.length > 0) {
    const first = r.issues[0]!;
    throw new ApiError('invalid_workflow', `step ${first.nodeId}, ${first.path}: ${first.message}`, r.issues);
  }
  return r.definition;
};
