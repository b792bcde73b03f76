import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { topicJsonSchemas } from './json-schema';
import { breakingChanges } from './schema-compat';
import { TOPIC_CATALOG } from './topic-catalog';

const json = (s: z.ZodType): unknown => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });

const Base = z.object({ v: z.literal(1), id: z.uuid(), name: z.string().max(200), status: z.enum(['open', 'done']), note: z.string().optional() });
const Results = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('started'), at: z.string() }),
  z.object({ kind: z.literal('finished'), at: z.string(), ms: z.number() }),
]);

describe('the compatibility gate', () => {
  it('lets additive changes through: an optional field, a new message kind, a new enum value, a looser limit', () => {
    expect(breakingChanges(json(Base), json(Base.extend({ extra: z.number().optional() })))).toEqual([]);
    expect(breakingChanges(json(Base), json(Base.extend({ status: z.enum(['open', 'done', 'archived']) })))).toEqual([]);
    expect(breakingChanges(json(Base), json(Base.extend({ name: z.string().max(500) })))).toEqual([]);
    expect(
      breakingChanges(json(Results), json(z.discriminatedUnion('kind', [...Results.options, z.object({ kind: z.literal('skipped'), at: z.string() })]))),
    ).toEqual([]);
    expect(breakingChanges(json(Base), json(Base))).toEqual([]);
  });

  it('stops a breaking change: a field removed or renamed, a changed type, a new required field, an enum value or a kind removed, a tighter limit', () => {
    expect(breakingChanges(json(Base), json(Base.omit({ note: true })))).toEqual(['$.note: field removed']);
    expect(breakingChanges(json(Base), json(Base.omit({ name: true }).extend({ title: z.string().max(200) })))).toEqual([
      '$.name: field removed',
      '$.title: new required field',
    ]);
    expect(breakingChanges(json(Base), json(Base.extend({ name: z.number() })))).toEqual(
      expect.arrayContaining(['$.name: type changed from string to number']),
    );
    expect(breakingChanges(json(Base), json(Base.extend({ note: z.string() })))).toEqual(['$.note: made required']);
    expect(breakingChanges(json(Base), json(Base.extend({ status: z.enum(['open']) })))).toEqual(['$.status: enum value "done" removed']);
    expect(breakingChanges(json(Base), json(Base.extend({ name: z.string().max(100) })))).toEqual(['$.name: maxLength lowered from 200 to 100']);
    expect(breakingChanges(json(Results), json(z.discriminatedUnion('kind', [Results.options[0]])))).toEqual(['$: message kind kind=finished removed']);
    expect(
      breakingChanges(json(Results), json(z.discriminatedUnion('kind', [Results.options[0], z.object({ kind: z.literal('finished'), at: z.number() })]))),
    ).toEqual(['$[kind=finished].at: type changed from string to number', '$[kind=finished].ms: field removed']);
  });

  it('a nullable field may not lose its null', () => {
    const A = z.object({ x: z.string().nullable() });
    expect(breakingChanges(json(A), json(z.object({ x: z.string() })))).toEqual(['$.x: type changed from string|null to string']);
  });
});

describe('the released topic contracts', () => {
  it('the current contracts break none of the committed schemas (a breaking change needs a new topic version)', () => {
    const current = topicJsonSchemas();
    for (const t of TOPIC_CATALOG) {
      const released: unknown = JSON.parse(readFileSync(join(__dirname, '..', 'json-schema', `${t.topic}.schema.json`), 'utf8'));
      const broken = breakingChanges(released, current[t.topic]);
      if (broken.length > 0)
        throw new Error(`breaking change to ${t.topic} (make it additive, or publish ${t.topic.replace(/v\d+$/, 'v2')}):\n  ${broken.join('\n  ')}`);
    }
  });
});
