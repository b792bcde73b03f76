import { z } from 'zod';

/**
 * The condition language used by trigger filters and condition nodes.
 * A leaf compares the value at a dotted path of the event/context (e.g. `after.status`,
 * `job.total`, `client.email`) with a literal. `changed` and `changed_from_to` look at the
 * before and after images of a change event (`before.<field>` vs `after.<field>`).
 */
export const COMPARISON_OPS = ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'contains', 'is_empty', 'is_not_empty'] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

const fieldPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, 'a dotted path such as after.status or client.email');

const literal = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const ComparisonCondition = z
  .object({
    field: fieldPath,
    op: z.enum(COMPARISON_OPS),
    value: z.union([literal, z.array(literal).max(100)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const needsList = c.op === 'in' || c.op === 'not_in';
    const needsNone = c.op === 'is_empty' || c.op === 'is_not_empty';
    if (needsList && !Array.isArray(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${c.op} needs a list value` });
    if (!needsList && !needsNone && (c.value === undefined || Array.isArray(c.value)))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${c.op} needs a single value` });
    if ((c.op === 'gt' || c.op === 'gte' || c.op === 'lt' || c.op === 'lte') && typeof c.value !== 'number' && typeof c.value !== 'string')
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${c.op} needs a number or a date string` });
  });
export type ComparisonCondition = z.infer<typeof ComparisonCondition>;

/** `field` is the column name of the changed row (not a path): compares before.field with after.field. */
export const ChangedCondition = z
  .object({
    field: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a column name'),
    op: z.literal('changed'),
    from: literal.optional(),
    to: literal.optional(),
  })
  .strict();
export type ChangedCondition = z.infer<typeof ChangedCondition>;

export type Condition = ComparisonCondition | ChangedCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(Condition).min(1).max(50) }).strict(),
    z.object({ any: z.array(Condition).min(1).max(50) }).strict(),
    z.object({ not: Condition }).strict(),
    ChangedCondition,
    ComparisonCondition,
  ]),
);

export const MAX_CONDITION_DEPTH = 8;
