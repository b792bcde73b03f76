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
