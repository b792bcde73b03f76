import { z } from 'zod';
import { formatIssues, issueList, parseSettings } from './issues';

describe('issue formatting', () => {
  const schema = z.object({ PORT: z.coerce.number().int().min(1), NAME: z.string().min(2) });

  it('names every problem with its path, and the value itself as root', () => {
    const r = schema.safeParse({ PORT: 'x', NAME: 'a' });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(issueList(r.error).map((i) => i.path)).toEqual(['PORT', 'NAME']);
    expect(formatIssues(r.error)).toMatch(/^PORT: .+; NAME: .+$/);
    const root = z.string().safeParse(3);
    if (!root.success) expect(formatIssues(root.error, { root: 'body' })).toMatch(/^body: /);
  });

  it('keeps at most max issues', () => {
    const r = z.array(z.string()).safeParse([1, 2, 3, 4]);
    if (!r.success) expect(formatIssues(r.error, { max: 2 }).split('; ')).toHaveLength(2);
  });

  it('parseSettings returns the parsed settings or stops with what is wrong', () => {
    expect(parseSettings(schema, 'test', { PORT: '8080', NAME: 'api' })).toEqual({ PORT: 8080, NAME: 'api' });
    expect(() => parseSettings(schema, 'test', { PORT: '0', NAME: 'api' })).toThrow(/^invalid test settings: PORT: /);
  });
});
