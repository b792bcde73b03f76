import type { WorkflowDefinition } from '@fixlify/contracts';
import { validateWorkflow } from '@fixlify/workflow';
import { ApiError } from '../http/errors';
import { draftSizeIssues } from './draft-limits';

/**
 * A stored draft that may run (publish, test run): within the size limit and valid; otherwise a 422
 * invalid_workflow with the issues, saying what to do before `what` ("publishing", "a test run").
 */
export const runnableDraft = (definition: unknown, what: string): WorkflowDefinition => {
  const tooLarge = draftSizeIssues(definition);
  if (tooLarge.length > 0) throw new ApiError('invalid_workflow', `${tooLarge[0]!.message}; make it smaller before ${what}`, tooLarge);
  const r = validateWorkflow(definition);
  if (!r.ok) throw new ApiError('invalid_workflow', `the draft has ${r.errors.length} problem(s); fix them before ${what}`, r.errors);
  return r.definition;
};
