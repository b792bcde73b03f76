import type { z } from 'zod';

/** zod's issues as `{path, message}` pairs (the API's `details`), at most `max` of them. */
export const issueList = (error: z.ZodError, max = 50): { path: string; message: string }[] =>
  error.issues.slice(0, max).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));

/**
 * zod's issues as one line: `path: message; …`, at most `max` of them; an issue of the value
 * itself is named `root`. The one way every service, library and tool reports a failed parse.
 */
export const formatIssues = (error: z.ZodError, o: { max?: number; root?: string } = {}): string =>
  issueList(error, o.max ?? 10)
    .map((i) => `${i.path || (o.root ?? '(root)')}: ${i.message}`)
    .join('; ');

/**
 * Reads a component's settings from the environment with its zod schema; a bad value stops the
 * process at start with every problem named (`invalid <what> settings: PORT: …; …`).
 */
export const parseSettings = <S extends z.ZodType>(schema: S, what: string, env: NodeJS.ProcessEnv): z.output<S> => {
  const r = schema.safeParse(env);
  if (!r.success) throw new Error(`invalid ${what} settings: ${formatIssues(r.error, { max: 50 })}`);
  return r.data;
};
