import { issueList, isUuid } from '@fixlify/contracts';
import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from './errors';

export interface FieldProblem {
  path: string;
  message: string;
}

export const zodProblems = (error: z.ZodError): FieldProblem[] => issueList(error);

/** Parses a value with a zod schema; on failure a 400 that names every field at fault. */
export const parseOr400 = <S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.infer<S> => {
  const r = schema.safeParse(value);
  if (!r.success) {
    const problems = zodProblems(r.error);
    const first = problems[0];
    throw new ApiError('validation_failed', `invalid ${what}${first ? `: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}`, problems);
  }
  return r.data;
};

/** `@Body(zod(Schema))`: the handler only ever sees a parsed value. */
export const zod = <S extends z.ZodType>(schema: S, what = 'request body'): PipeTransform<unknown, z.infer<S>> => ({
  transform: (value: unknown) => parseOr400(schema, value ?? {}, what),
});

/** `@Param('id', idOr404('workflow'))`: an id that cannot exist is simply not found (never another tenant's). */
export const idOr404 = (what: string): PipeTransform<unknown, string> => ({
  transform: (value: unknown) => {
    if (!isUuid(value)) throw new ApiError('not_found', `${what} not found`);
    return (value as string).toLowerCase();
  },
});
