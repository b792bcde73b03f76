import type { ComparisonCondition, ChangedCondition, Condition, DomainEvent, TriggerSpec } from '@fixlify/contracts';
import { compareOrdered, containsValue, deepEqual, isEmptyValue, looseEquals } from './compare';
import { getPath, readOwn } from './path';

/** Hard stop for hand-made (unvalidated) conditions; validated ones stay within MAX_CONDITION_DEPTH. */
const EVAL_DEPTH_LIMIT = 64;

/** Nesting depth of a condition: a leaf is 1, `{ all: [leaf] }` is 2. */
export const conditionDepth = (cond: unknown, depth = 1): number => {
  if (cond === null || typeof cond !== 'object' || depth > EVAL_DEPTH_LIMIT) return depth;
  const c = cond as Record<string, unknown>;
  const children: unknown[] = Array.isArray(c['all']) ? c['all'] : Array.isArray(c['any']) ? c['any'] : 'not' in c ? [c['not']] : [];
  let max = depth;
  for (const child of children) max = Math.max(max, conditionDepth(child, depth + 1));
  return max;
};

const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

const evalComparison = (c: ComparisonCondition, scope: Record<string, unknown>): boolean => {
  const actual = getPath(scope, c.field);
  const expected = c.value;
  switch (c.op) {
    case 'eq':
      return looseEquals(actual, expected);
    case 'neq':
      return !looseEquals(actual, expected);
    case 'in':
      return listOf(expected).some((v) => looseEquals(actual, v));
    case 'not_in':
      return !listOf(expected).some((v) => looseEquals(actual, v));
    case 'gt':
      return compareOrdered(actual, expected) === 1;
    case 'gte': {
      const r = compareOrdered(actual, expected);
      return r === 1 || r === 0;
    }
    case 'lt':
      return compareOrdered(actual, expected) === -1;
    case 'lte': {
      const r = compareOrdered(actual, expected);
      return r === -1 || r === 0;
    }
    case 'contains':
      return containsValue(actual, expected);
    case 'is_empty':
      return isEmptyValue(actual);
    case 'is_not_empty':
      return !isEmptyValue(actual);
    default:
      return false;
  }
};

/** `field` changed between the before and after images, optionally from/to given values. */
const evalChanged = (c: ChangedCondition, scope: Record<string, unknown>): boolean => {
  const before = readOwn(readOwn(scope, 'before'), c.field);
  const after = readOwn(readOwn(scope, 'after'), c.field);
  if (deepEqual(before, after)) return false;
  if (c.from !== undefined && !looseEquals(before, c.from)) return false;
  if (c.to !== undefined && !looseEquals(after, c.to)) return false;
  return true;
};

const evaluate = (cond: unknown, scope: Record<string, unknown>, depth: number): boolean => {
  if (cond === null || typeof cond !== 'object' || depth > EVAL_DEPTH_LIMIT) return false;
  const c = cond as Record<string, unknown>;
  if (Array.isArray(c['all'])) return c['all'].every((x) => evaluate(x, scope, depth + 1));
  if (Array.isArray(c['any'])) return c['any'].some((x) => evaluate(x, scope, depth + 1));
  if ('not' in c) return !evaluate(c['not'], scope, depth + 1);
  if (typeof c['field'] !== 'string') return false;
  if (c['op'] === 'changed') return evalChanged(c as ChangedCondition, scope);
  return evalComparison(c as ComparisonCondition, scope);
};

/**
 * Evaluates the condition language over a scope of plain data. Total: whatever the shapes of the
 * condition or the scope, it answers true or false and never throws (a broken condition is false).
 */
export const evaluateCondition = (cond: Condition, scope: Record<string, unknown>): boolean => {
  try {
    return evaluate(cond, scope, 1);
  } catch {
    return false;
  }
};

/** The data a trigger filter sees: the row images, the trigger payload and the event's identity. */
export const eventScope = (event: DomainEvent): Record<string, unknown> => ({
  before: event.before ?? {},
  after: event.after ?? {},
  data: event.data ?? {},
  event: {
    type: event.type,
    entityType: event.entityType,
    entityId: event.entityId,
    organizationId: event.organizationId,
    occurredAt: event.occurredAt,
  },
});

export const matchesTrigger = (spec: TriggerSpec, event: DomainEvent): boolean =>
  spec.type === event.type && (spec.filter === undefined || evaluateCondition(spec.filter, eventScope(event)));

/** The first leaf of a condition that did not hold, with the value it saw: what "why didn't this fire?" shows. */
export interface FailedCondition {
  field: string;
  op: string;
  expected?: unknown;
  actual: unknown;
  /** true when the leaf sits under a `not` (the leaf held, so its negation failed) */
  negated?: boolean;
}

const explain = (cond: unknown, scope: Record<string, unknown>, depth: number, negated: boolean): FailedCondition | null => {
  if (cond === null || typeof cond !== 'object' || depth > EVAL_DEPTH_LIMIT) return { field: '', op: 'invalid', actual: null };
  const c = cond as Record<string, unknown>;
  const holds = evaluate(cond, scope, depth) !== negated;
  if (holds) return null;
  // all (or any under a not): the first child that decides the failure; any (or all under a not): the first child
  if (Array.isArray(c['all']) || Array.isArray(c['any'])) {
    const children = (c['all'] ?? c['any']) as unknown[];
    for (const child of children) {
      const f = explain(child, scope, depth + 1, negated);
      if (f) return f;
    }
    return { field: '', op: Array.isArray(c['all']) ? 'all' : 'any', actual: null };
  }
  if ('not' in c) return explain(c['not'], scope, depth + 1, !negated);
  const field = typeof c['field'] === 'string' ? c['field'] : '';
  const op = typeof c['op'] === 'string' ? c['op'] : 'invalid';
  if (op === 'changed') {
    const before = readOwn(readOwn(scope, 'before'), field);
    const after = readOwn(readOwn(scope, 'after'), field);
    return { field, op, ...(c['to'] !== undefined ? { expected: c['to'] } : {}), actual: { before, after }, ...(negated ? { negated } : {}) };
  }
  return { field, op, ...('value' in c ? { expected: c['value'] } : {}), actual: getPath(scope, field), ...(negated ? { negated } : {}) };
};

/** Why a condition is false over a scope (null when it holds). Total like evaluateCondition. */
export const explainCondition = (cond: Condition, scope: Record<string, unknown>): FailedCondition | null => {
  try {
    return explain(cond, scope, 1, false);
  } catch {
    return { field: '', op: 'invalid', actual: null };
  }
};
