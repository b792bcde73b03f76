import type { Pool } from 'pg';
import type { ValidationResult } from '@fixlify/contracts';
import { validateWorkflow } from '@fixlify/workflow';
import { getWorkflow } from './workflow-queries';

/** POST /api/workflows/validate: a definition checked without saving it (errors point at the step and field). */
export const validateDefinition = (definition: unknown): ValidationResult => {
  const r = validateWorkflow(definition);
  return r.ok ? { ok: true, errors: [] } : { ok: false, errors: r.errors };
};

/** POST /api/workflows/:id/validate: the saved draft checked as publish would. */
export const validateSavedDraft = async (pool: Pool, organizationId: string, id: string): Promise<ValidationResult> =>
  validateDefinition((await getWorkflow(pool, organizationId, id)).definition);
