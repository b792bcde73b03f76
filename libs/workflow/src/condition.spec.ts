import fc from 'fast-check';
import { COMPARISON_OPS, Condition, type DomainEvent } from '@fixlify/contracts';
import { conditionDepth, evaluateCondition, eventScope, matchesTrigger } from './condition';

const scope = {
  before: { status: 'scheduled', total: '100.00', tags: ['a'] },
  after: { status: 'completed', total: '120.50', tags: ['VIP', 'north'], notes: '', due_at: '2026-03-08T10:00:00Z', meta: {} },
  client: { email: 'Ann@Example.com', phone: null },
  vars: { api: { total: 3 } },
};
const ev = (c: Condition): boolean => evaluateCondition(c, scope);

describe('evaluateCondition: comparisons', () => {
  it('eq / neq with numeric strings', () => {
    expect(ev({ field: 'after.total', op: 'eq', value: 120.5 })).toBe(true);
    expect(ev({ field: 'after.total', op: 'eq', value: '120.50' })).toBe(true);
    expect(ev({ field: 'after.total', op: 'neq', value: 120.5 })).toBe(false);
    expect(ev({ field: 'after.status', op: 'eq', value: 'completed' })).toBe(true);
    expect(ev({ field: 'after.status', op: 'neq', value: 'scheduled' })).toBe(true);
    expect(ev({ field: 'client.missing', op: 'eq', value: null })).toBe(true);
  });

  it('gt / gte / lt / lte on numbers and dates', () => {
    expect(ev({ field: 'after.total', op: 'gt', value: 100 })).toBe(true);
    expect(ev({ field: 'after.total', op: 'gte', value: '120.5' })).toBe(true);
    expect(ev({ field: 'after.total', op: 'lt', value: 120.5 })).toBe(false);
    expect(ev({ field: 'after.total', op: 'lte', value: 120.5 })).toBe(true);
    expect(ev({ field: 'vars.api.total', op: 'lt', value: 4 })).toBe(true);
    expect(ev({ field: 'after.due_at', op: 'lt', value: '2026-03-09' })).toBe(true);
    expect(ev({ field: 'after.due_at', op: 'gte', value: '2026-03-08T05:00:00-05:00' })).toBe(true);
    expect(ev({ field: 'after.status', op: 'gt', value: 1 })).toBe(false);
    expect(ev({ field: 'client.missing', op: 'lt', value: 1 })).toBe(false);
  });

  it('contains on text (case-insensitive) and lists', () => {
    expect(ev({ field: 'client.email', op: 'contains', value: 'example.COM' })).toBe(true);
    expect(ev({ field: 'after.tags', op: 'contains', value: 'vip' })).toBe(true);
    expect(ev({ field: 'after.tags', op: 'contains', value: 'south' })).toBe(false);
  });

  it('is_empty / is_not_empty', () => {
    expect(ev({ field: 'after.notes', op: 'is_empty' })).toBe(true);
    expect(ev({ field: 'after.meta', op: 'is_empty' })).toBe(true);
    expect(ev({ field: 'client.phone', op: 'is_empty' })).toBe(true);
    expect(ev({ field: 'client.nothing', op: 'is_empty' })).toBe(true);
    expect(ev({ field: 'after.tags', op: 'is_not_empty' })).toBe(true);
  });

  it('in / not_in', () => {
    expect(ev({ field: 'after.status', op: 'in', value: ['completed', 'cancelled'] })).toBe(true);
    expect(ev({ field: 'after.total', op: 'in', value: [120.5] })).toBe(true);
    expect(ev({ field: 'after.status', op: 'not_in', value: ['completed'] })).toBe(false);
    expect(ev({ field: 'client.missing', op: 'not_in', value: ['x'] })).toBe(true);
  });

  it('never reads the prototype chain', () => {
    expect(ev({ field: 'after.constructor', op: 'is_not_empty' })).toBe(false);
    expect(ev({ field: 'after.__proto__', op: 'is_empty' })).toBe(true);
    expect(ev({ field: 'after.status.length', op: 'eq', value: 9 })).toBe(false);
  });
});

describe('evaluateCondition: changed', () => {
  it('detects a change, optionally from/to', () => {
    expect(ev({ field: 'status', op: 'changed' })).toBe(true);
    expect(ev({ field: 'status', op: 'changed', from: 'scheduled', to: 'completed' })).toBe(true);
    expect(ev({ field: 'status', op: 'changed', to: 'cancelled' })).toBe(false);
    expect(ev({ field: 'status', op: 'changed', from: 'in_progress' })).toBe(false);
    expect(ev({ field: 'tags', op: 'changed' })).toBe(true);
    expect(ev({ field: 'nothing', op: 'changed' })).toBe(false);
  });

  it('compares structurally, and null means "was empty"', () => {
    const s = { before: { tags: ['a'], x: null }, after: { tags: ['a'], x: 5 } };
    expect(evaluateCondition({ field: 'tags', op: 'changed' }, s)).toBe(false);
    expect(evaluateCondition({ field: 'x', op: 'changed', from: null, to: '5' }, s)).toBe(true);
    expect(evaluateCondition({ field: 'x', op: 'changed' }, { after: { x: 1 } })).toBe(true);
    expect(evaluateCondition({ field: 'x', op: 'changed' }, { before: { x: null }, after: {} })).toBe(false);
  });
});

describe('evaluateCondition: all / any / not', () => {
  const yes: Condition = { field: 'after.status', op: 'eq', value: 'completed' };
  const no: Condition = { field: 'after.status', op: 'eq', value: 'x' };
  it('combines', () => {
    expect(ev({ all: [yes, yes] })).toBe(true);
    expect(ev({ all: [yes, no] })).toBe(false);
    expect(ev({ any: [no, yes] })).toBe(true);
    expect(ev({ any: [no, no] })).toBe(false);
    expect(ev({ not: no })).toBe(true);
    expect(ev({ not: { all: [yes, { any: [no, { not: no }] }] } })).toBe(false);
  });
});

describe('conditionDepth', () => {
  it('counts nesting', () => {
    expect(conditionDepth({ field: 'a', op: 'is_empty' })).toBe(1);
    expect(conditionDepth({ all: [{ field: 'a', op: 'is_empty' }, { not: { field: 'a', op: 'is_empty' } }] })).toBe(3);
  });
});

describe('evaluateCondition: fuzz', () => {
  const field = fc.oneof(
    fc.constantFrom('after.status', 'after.total', 'after.tags', 'before.status', 'data.x', 'client.email', 'after.__proto__', 'after.constructor', 'x.0.y'),
    fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}(\.[a-z0-9_]{1,5}){0,3}$/),
  );
  const literal = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('120.50', '2026-03-08T10:00:00Z'),
  );
  const comparison = fc.record({ field, op: fc.constantFrom(...COMPARISON_OPS), value: fc.oneof(literal, fc.array(literal, { maxLength: 5 })) }).map((c) => {
    if (c.op === 'in' || c.op === 'not_in') return { ...c, value: Array.isArray(c.value) ? c.value : [c.value] };
    if (c.op === 'is_empty' || c.op === 'is_not_empty') return { field: c.field, op: c.op };
    const single = Array.isArray(c.value) ? (c.value[0] ?? 1) : c.value;
    const ordered = c.op === 'gt' || c.op === 'gte' || c.op === 'lt' || c.op === 'lte';
    return { ...c, value: ordered && typeof single !== 'number' && typeof single !== 'string' ? 1 : single };
  });
  const changed = fc.record(
    { field: fc.constantFrom('status', 'total', 'tags', '__proto__', 'constructor'), op: fc.constant('changed' as const), from: literal, to: literal },
    { requiredKeys: ['field', 'op'] },
  );
  const { cond } = fc.letrec<{ cond: Condition }>((tie) => ({
    cond: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      comparison as fc.Arbitrary<Condition>,
      changed as fc.Arbitrary<Condition>,
      fc.record({ all: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ any: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ not: tie('cond') }),
    ),
  }));
  const json = fc.jsonValue({ maxDepth: 4 });
  const scopeArb = fc.record({
    before: fc.oneof(json, fc.dictionary(fc.constantFrom('status', 'total', 'tags', '__proto__'), json)),
    after: fc.oneof(json, fc.dictionary(fc.constantFrom('status', 'total', 'tags', 'constructor'), json)),
    data: json,
    client: json,
  });

  it('generated conditions are valid contract conditions', () => {
    fc.assert(
      fc.property(cond, (c) => Condition.safeParse(c).success),
      { numRuns: 200 },
    );
  });

  it('never throws and always answers a boolean for valid conditions over arbitrary JSON', () => {
    fc.assert(
      fc.property(cond, scopeArb, (c, s) => typeof evaluateCondition(c, s as Record<string, unknown>) === 'boolean'),
      { numRuns: 1000 },
    );
  });

  it('never throws for arbitrary condition shapes', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (c, s) => typeof evaluateCondition(c as Condition, s as Record<string, unknown>) === 'boolean'),
      { numRuns: 500 },
    );
  });

  it('not(c) is the negation of c', () => {
    fc.assert(
      fc.property(cond, scopeArb, (c, s) => evaluateCondition({ not: c }, s) === !evaluateCondition(c, s)),
      { numRuns: 300 },
    );
  });

  it('survives hostile depth', () => {
    let c: unknown = { field: 'a', op: 'is_empty' };
    for (let i = 0; i < 10_000; i++) c = { not: c };
    expect(evaluateCondition(c as Condition, {})).toBe(false);
  });
});

describe('matchesTrigger / eventScope', () => {
  const event: DomainEvent = {
    v: 1,
    eventId: '2b7e4c7a-1d2e-4f5a-9b8c-0d1e2f3a4b5c',
    type: 'job_status_changed',
    organizationId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    entityType: 'job',
    entityId: 'job-1',
    before: { status: 'scheduled' },
    after: { status: 'completed', total: '99.90' },
    occurredAt: '2026-03-08T10:00:00.000Z',
    emittedAt: '2026-03-08T10:00:01.000Z',
    workflowId: null,
    causation: null,
    data: { source: 'ui' },
    source: { kind: 'cdc', table: 'jobs' },
  };

  it('builds the filter scope', () => {
    expect(eventScope(event)).toEqual({
      before: { status: 'scheduled' },
      after: { status: 'completed', total: '99.90' },
      data: { source: 'ui' },
      event: { type: 'job_status_changed', entityType: 'job', entityId: 'job-1', organizationId: event.organizationId, occurredAt: event.occurredAt },
    });
    expect(eventScope({ ...event, before: null, after: null })).toMatchObject({ before: {}, after: {} });
  });

  it('matches on type and filter', () => {
    expect(matchesTrigger({ type: 'job_status_changed' }, event)).toBe(true);
    expect(matchesTrigger({ type: 'job_created' }, event)).toBe(false);
    expect(matchesTrigger({ type: 'job_status_changed', filter: { field: 'status', op: 'changed', to: 'completed' } }, event)).toBe(true);
    expect(
      matchesTrigger(
        {
          type: 'job_status_changed',
          filter: {
            all: [
              { field: 'after.total', op: 'gte', value: 100 },
              { field: 'event.entityType', op: 'eq', value: 'job' },
            ],
          },
        },
        event,
      ),
    ).toBe(false);
    expect(matchesTrigger({ type: 'job_status_changed', filter: { field: 'data.source', op: 'eq', value: 'ui' } }, event)).toBe(true);
  });
});
