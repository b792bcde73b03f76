import { WorkflowDefinition } from '@fixlify/contracts';
import { graphIssues } from './graph-rules';
import { schemaIssues } from './schema-issues';
import type { ValidationIssue } from './validation-issue';

export type { ValidationIssue } from './validation-issue';

export type ValidationResult = { ok: true; definition: WorkflowDefinition } | { ok: false; errors: ValidationIssue[] };

/** Deeper than any valid definition (a condition at MAX_CONDITION_DEPTH is ~25 levels); stops hostile nesting before zod recurses. */
const MAX_INPUT_DEPTH = 64;

const deeperThan = (value: unknown, limit: number): boolean => {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
};

const depthIssues = (input: unknown): ValidationIssue[] => {
  const nodes = (input as { nodes?: unknown } | null)?.nodes;
  const issues: ValidationIssue[] = [];
  if (Array.isArray(nodes)) {
    nodes.forEach((n: unknown, i) => {
      if (!deeperThan(n, MAX_INPUT_DEPTH - 2)) return;
      const id = (n as { id?: unknown }).id;
      issues.push({
        ...(typeof id === 'string' && id !== '' ? { nodeId: id, path: '' } : { nodeId: null, path: `nodes.${i}` }),
        code: 'condition_too_deep',
        message: 'This step is nested too deeply to be read (a condition with too many groups inside groups)',
      });
    });
  }
  if (issues.length === 0 && deeperThan(input, MAX_INPUT_DEPTH)) {
    issues.push({ nodeId: null, path: '', code: 'too_deep', message: 'The workflow is nested too deeply to be read' });
  }
  return issues;
};

/**
 * Checks a workflow as the builder sends it: first its shape (zod), then the graph rules.
 * Never throws; every problem comes back as an issue tied to a step where possible.
 */
export const validateWorkflow = (input: unknown): ValidationResult => {
  try {
    const tooDeep = depthIssues(input);
    if (tooDeep.length > 0) return { ok: false, errors: tooDeep };
    const parsed = WorkflowDefinition.safeParse(input);
    if (!parsed.success) return { ok: false, errors: schemaIssues(parsed.error.issues, input) };
    const errors = graphIssues(parsed.data);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, definition: parsed.data };
  } catch {
    // Only exotic inputs get here (throwing getters, proxies); JSON never does.
    return { ok: false, errors: [{ nodeId: null, path: '', code: 'unreadable', message: 'The workflow definition could not be read' }] };
  }
};
