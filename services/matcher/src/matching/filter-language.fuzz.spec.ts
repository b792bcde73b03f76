import fc from 'fast-check';
import { COMPARISON_OPS, Condition, TriggerNode, TriggerSpec, type DomainEvent } from '@fixlify/contracts';
import { evaluateCondition, matchesTrigger, validateWorkflow } from '@fixlify/workflow';
import { QuickTriggerNode } from '../index/indexed-workflow';

/**
 * The trigger filter language under generated bad input: a filter is refused with a clear
 * validation error when a workflow is saved (validateWorkflow), and evaluating any filter —
 * even one that never went through validation — answers true or false, never throws.
 */
const FIELDS = ['after.status', 'before.status', 'after.total', 'data.to', 'event.type', 'status', 'after.__proto__', 'constructor', 'a..b', '', '1x'];
const fieldArb = fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 20 }));
const literalArb = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
const opArb = fc.oneof(fc.constantFrom(...COMPARISON_OPS, 'changed'), fc.string({ maxLength: 8 }));

/** Mostly-well-formed conditions with random damage: wrong ops, missing values, extra keys, bad nesting. */
const { cond } = fc.letrec<{ cond: unknown; leaf: unknown }>((tie) => ({
  leaf: fc.oneof(
    fc.record({ field: fieldArb, op: opArb, value: fc.oneof(literalArb, fc.array(literalArb, { maxLength: 3 })) }, { requiredKeys: ['field', 'op'] }),
    fc.record({ field: fieldArb, op: fc.constant('changed'), from: literalArb, to: literalArb }, { requiredKeys: ['field', 'op'] }),
    fc.record({ field: fieldArb, op: opArb, value: literalArb, extra: literalArb }),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.record({ all: fc.array(tie('cond'), { maxLength: 3 }) }),
    fc.record({ any: fc.oneof(fc.array(tie('cond'), { maxLength: 3 }), literalArb) }),
    fc.record({ not: tie('cond') }),
    fc.record({ all: fc.array(tie('cond'), { maxLength: 2 }), any: fc.array(tie('cond'), { maxLength: 2 }) }),
  ),
}));

/** well-formed conditions only */
const validLeaf = fc.oneof(
  fc.record({
    field: fc.constantFrom('after.status', 'data.to', 'job.total'),
    op: fc.constantFrom('eq', 'neq', 'contains'),
    value: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)),
  }),
  fc.record({ field: fc.constant('after.total'), op: fc.constantFrom('gt', 'lte'), value: fc.oneof(fc.integer(), fc.constant('2026-01-01')) }),
  fc.record({ field: fc.constant('after.status'), op: fc.constantFrom('in', 'not_in'), value: fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }) }),
  fc.record({ field: fc.constant('after.email'), op: fc.constantFrom('is_empty', 'is_not_empty') }),
  fc.record(
    { field: fc.constant('status'), op: fc.constant('changed'), from: fc.string({ maxLength: 5 }), to: fc.string({ maxLength: 5 }) },
    { requiredKeys: ['field', 'op'] },
  ),
);
const { valid } = fc.letrec<{ valid: unknown }>((tie) => ({
  valid: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    validLeaf,
    fc.record({ all: fc.array(tie('valid'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('valid'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('valid') }),
  ),
}));

const scopeArb = fc.record({
  before: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })), fc.constant(null)),
  after: fc.dictionary(fc.constantFrom('status', 'total', 'tags', '__proto__', 'x'), fc.jsonValue({ maxDepth: 2 })),
  data: fc.jsonValue({ maxDepth: 2 }),
});

const definitionWith = (filter: unknown): unknown => ({
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: { type: 'job_status_changed', filter } },
    { id: 'sms', type: 'send_sms', config: { body: 'hi' } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'sms' }],
});

const event = (scope: { before: unknown; after: unknown; data: unknown }): DomainEvent =>
  ({
    v: 1,
    eventId: '00000000-0000-4000-8000-000000000001',
    type: 'job_status_changed',
    organizationId: '00000000-0000-4000-8000-000000000002',
    entityType: 'job',
    entityId: 'j',
    before: scope.before,
    after: scope.after,
    occurredAt: '2026-11-27T04:01:05.291Z',
    emittedAt: '2026-11-27T04:01:05.291Z',
    workflowId: null,
    causation: null,
    data: scope.data,
    source: { kind: 'cdc' },
  }) as DomainEvent;

describe('filter language fuzz', () => {
  it('saving a workflow with any filter gives a definition or clear validation errors, never a throw', () => {
    let refused = 0;
    fc.assert(
      fc.property(cond, (filter) => {
        const r = validateWorkflow(definitionWith(filter));
        if (!r.ok) {
          refused++;
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(typeof e.message === 'string' && e.message.length > 0).toBe(true);
        } else {
          // what validation lets through is a valid Condition
          const t = r.definition.nodes[0];
          expect(t?.type === 'trigger' && (t.trigger.filter === undefined || Condition.safeParse(t.trigger.filter).success)).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
    expect(refused).toBeGreaterThan(0);
  });

  it('the Condition schema answers (success or issues) for any JSON of reasonable depth', () => {
    fc.assert(
      fc.property(fc.oneof(cond, fc.jsonValue({ maxDepth: 6 })), (c) => {
        const r = Condition.safeParse(c);
        if (!r.success) expect(r.error.issues.length).toBeGreaterThan(0);
        expect(TriggerSpec.safeParse({ type: 'job_created', filter: c }).success).toBe(r.success);
      }),
      { numRuns: 1500 },
    );
  });

  it('a hostile, deeply nested filter is refused at save time with a clear error', () => {
    let c: unknown = { field: 'after.status', op: 'eq', value: 'x' };
    for (let i = 0; i < 50_000; i++) c = { not: c };
    const r = validateWorkflow(definitionWith(c));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]?.code).toBe('condition_too_deep');
    let nine: unknown = { field: 'after.status', op: 'eq', value: 'x' };
    for (let i = 0; i < 9; i++) nine = { all: [nine] };
    const r9 = validateWorkflow(definitionWith(nine));
    expect(!r9.ok && r9.errors.map((e) => e.code)).toEqual(['condition_too_deep']);
  });

  it('the index reads a filter quickly only when the Condition schema accepts it, with the same output', () => {
    let quick = 0;
    fc.assert(
      fc.property(fc.oneof(cond, valid, fc.jsonValue({ maxDepth: 6 })), fc.constantFrom('job_status_changed', 'job_overdue'), (filter, type) => {
        const node = { id: 'trigger', type: 'trigger', trigger: { type, filter, ...(type === 'job_overdue' ? { config: {} } : {}) } };
        const q = QuickTriggerNode.safeParse(node);
        const full = TriggerNode.safeParse(node);
        if (q.success) {
          quick++;
          expect(full.success && full.data).toEqual(q.data);
        }
      }),
      { numRuns: 3000 },
    );
    expect(quick).toBeGreaterThan(100);
  });

  it('and it reads every valid filter quickly (up to 32 levels), so the contract parse is only for what fails', () => {
    fc.assert(
      fc.property(valid, (filter) => {
        const node = { id: 'trigger', type: 'trigger', trigger: { type: 'job_status_changed', filter } };
        expect(TriggerNode.safeParse(node).success).toBe(true);
        expect(QuickTriggerNode.safeParse(node).success).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('evaluating any condition (validated or not) over any event answers a boolean', () => {
    fc.assert(
      fc.property(cond, scopeArb, (c, scope) => {
        expect(typeof evaluateCondition(c as Condition, scope)).toBe('boolean');
        expect(typeof matchesTrigger({ type: 'job_status_changed', filter: c as Condition }, event(scope))).toBe('boolean');
      }),
      { numRuns: 1500 },
    );
  });
});
