import { WorkflowDefinition } from '@fixlify/contracts';
import { graphIssues } from './graph-rules';
import { schemaIssues, type ZodIssue } from './schema-issues';
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

/** Every key some variant of the condition language has: which variant an unfinished condition meant is a guess. */
const CONDITION_KEYS = new Set(['all', 'any', 'not', 'field', 'op', 'value', 'from', 'to']);

/**
 * The issue if it is a field the contract does not know, or a step/trigger/mode type it does not know
 * (a discriminator with a value no variant has); null for every other problem.
 */
const unknownOnly = (issue: ZodIssue, input: unknown): ZodIssue | null => {
  if (issue.code === 'unrecognized_keys') {
    // inside a condition, keys of another variant than the one guessed are not unknown
    const inCondition = issue.path.includes('when') || issue.path.includes('filter');
    const keys = inCondition ? issue.keys.filter((k) => !CONDITION_KEYS.has(k)) : issue.keys;
    return keys.length === 0 ? null : { ...issue, keys };
  }
  if (issue.code !== 'invalid_union' || !issue.discriminator) return null;
  // the issue's path ends at the discriminator; not chosen yet is an unfinished draft, not an unknown type
  let cur: unknown = input;
  for (const seg of issue.path) {
    if (cur === null || typeof cur !== 'object' || typeof seg === 'symbol') return null;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur === undefined ? null : issue;
};

/**
 * What even an unfinished draft may not contain: fields the contract does not know (anywhere: a
 * step, its settings, its trigger, a condition, a connection) and types it does not know. Missing or
 * invalid values are left to validate/publish; the builder saves work in progress.
 */
export const draftIssues = (input: unknown): ValidationIssue[] => {
  try {
    const tooDeep = depthIssues(input);
    if (tooDeep.length > 0) return tooDeep;
    const parsed = WorkflowDefinition.safeParse(input);
    if (parsed.success) return [];
    return schemaIssues(parsed.error.issues, input, (issue) => unknownOnly(issue, input)).map((i) =>
      i.code === 'unrecognized_keys' ? { ...i, code: 'unknown_field' } : i.code === 'invalid_union' ? { ...i, code: 'unknown_type' } : i,
    );
  } catch {
    return [{ nodeId: null, path: '', code: 'unreadable', message: 'The workflow definition could not be read' }];
  }
};
