import { WorkflowDefinition, type Continuation, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { WorkflowEngineError } from './errors';
import {
  MAX_STEPS_PER_EXECUTION,
  advance,
  edgeTarget,
  initialContinuation,
  iterationKey,
  loopItems,
  nextAttempt,
  nodeById,
  outcomeKindFor,
  type StepOutcome,
} from './walker';

const trigger = { id: 't', type: 'trigger', trigger: { type: 'job_created' } } as const;
const sms = (id: string) => ({ id, type: 'send_sms', config: { body: 'hi' } }) as const;
const loop = (id: string, as = 'item', maxIterations = 100) => ({ id, type: 'loop', config: { over: 'job.items', as, maxIterations } }) as const;
const cond = (id: string) => ({ id, type: 'condition', config: { when: { field: 'a', op: 'is_empty' } } }) as const;
const edge = (source: string, target: string, branch: 'next' | 'true' | 'false' | 'body' | 'done' = 'next') => ({
  id: `${source}-${branch}-${target}`,
  source,
  target,
  branch,
});
const def = (nodes: WorkflowDefinitionInput['nodes'], edges: WorkflowDefinitionInput['edges']): WorkflowDefinition =>
  WorkflowDefinition.parse({ nodes, edges });

const next: StepOutcome = { kind: 'next' };

/** Runs the workflow, answering each node with `answer`, and returns the visited cursors. */
const run = (d: WorkflowDefinition, answer: (id: string, c: Continuation) => StepOutcome): { trail: string[]; last: Continuation } => {
  let c = initialContinuation(d);
  const trail: string[] = [];
  while (c.cursor !== null) {
    trail.push(iterationKey(c) ? `${c.cursor}@${iterationKey(c)}` : c.cursor);
    c = advance(d, c, answer(c.cursor, c));
  }
  return { trail, last: c };
};

describe('walker: linear and branches', () => {
  const d = def(
    [trigger, sms('a'), cond('c'), sms('yes'), sms('no'), sms('after')],
    [edge('t', 'a'), edge('a', 'c'), edge('c', 'yes', 'true'), edge('c', 'no', 'false'), edge('yes', 'after')],
  );

  it('starts at the trigger target', () => {
    expect(initialContinuation(d)).toEqual({ cursor: 'a', vars: {}, loops: [], steps: 0, attempt: 1, seq: 0 });
    expect(initialContinuation(d, '2026-03-08T10:00:00.000Z').startedAt).toBe('2026-03-08T10:00:00.000Z');
    expect(initialContinuation(def([trigger], [])).cursor).toBeNull();
  });

  it('follows next and the chosen branch, and ends with a null cursor', () => {
    expect(run(d, (id) => (id === 'c' ? { kind: 'branch', branch: 'true' } : next)).trail).toEqual(['a', 'c', 'yes', 'after']);
    const r = run(d, (id) => (id === 'c' ? { kind: 'branch', branch: 'false' } : next));
    expect(r.trail).toEqual(['a', 'c', 'no']);
    expect(r.last).toMatchObject({ cursor: null, steps: 3, attempt: 1 });
  });

  it('merges step variables and resets the attempt', () => {
    const c = advance(d, { ...initialContinuation(d), attempt: 3, seq: 7, startedAt: 'T', vars: { x: 1 } }, { kind: 'next', vars: { api: { total: 2 } } });
    expect(c).toEqual({ cursor: 'c', vars: { x: 1, api: { total: 2 } }, loops: [], steps: 1, attempt: 1, seq: 7, startedAt: 'T' });
  });

  it('is pure', () => {
    const c0 = { ...initialContinuation(d), vars: { x: 1 } };
    const snapshot = JSON.stringify(c0);
    advance(d, c0, { kind: 'next', vars: { y: 2 } });
    expect(JSON.stringify(c0)).toBe(snapshot);
  });

  it('keeps a __proto__ variable as data', () => {
    const c = advance(d, initialContinuation(d), { kind: 'next', vars: JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown> });
    expect(Object.getPrototypeOf(c.vars)).toBe(Object.prototype);
    expect(Object.keys(c.vars)).toEqual(['__proto__']);
  });

  it('rejects an outcome that does not fit the node', () => {
    expect(() => advance(d, initialContinuation(d), { kind: 'branch', branch: 'true' })).toThrow(expect.objectContaining({ code: 'walker_state_invalid' }));
    const atCond = advance(d, initialContinuation(d), next);
    expect(() => advance(d, atCond, next)).toThrow(/expected "branch"/);
    expect(() => advance(d, { ...atCond, cursor: null }, next)).toThrow(/already finished/);
    expect(() => advance(d, { ...atCond, cursor: 'ghost' }, next)).toThrow(/not in this workflow/);
  });

  it('guards against runaway executions', () => {
    const c = { ...initialContinuation(d), steps: MAX_STEPS_PER_EXECUTION };
    expect(() => advance(d, c, next)).toThrow(expect.objectContaining({ code: 'max_steps_exceeded' }));
    expect(() => advance(d, { ...c, steps: MAX_STEPS_PER_EXECUTION - 1 }, next)).not.toThrow();
  });

  it('helpers', () => {
    expect(nodeById(d, 'c')?.type).toBe('condition');
    expect(nodeById(d, 'zz')).toBeUndefined();
    expect(edgeTarget(d, 'c', 'false')).toBe('no');
    expect(edgeTarget(d, 'no', 'next')).toBeNull();
    expect(outcomeKindFor(nodeById(d, 'c')!)).toBe('branch');
    expect(nextAttempt(initialContinuation(d)).attempt).toBe(2);
  });
});

describe('walker: loops', () => {
  // t → before → L(body: b1 → b2; done: after)
  const d = def(
    [trigger, sms('before'), loop('L'), sms('b1'), sms('b2'), sms('after')],
    [edge('t', 'before'), edge('before', 'L'), edge('L', 'b1', 'body'), edge('b1', 'b2'), edge('L', 'after', 'done')],
  );

  it('runs the body once per item, then the done path', () => {
    const seen: unknown[] = [];
    const r = run(d, (id, c) => {
      if (id === 'L') return { kind: 'loop_enter', items: ['x', 'y', 'z'] };
      if (id === 'b2') seen.push([c.vars['item'], c.vars['loop']]);
      return next;
    });
    expect(r.trail).toEqual(['before', 'L', 'b1@L#0', 'b2@L#0', 'b1@L#1', 'b2@L#1', 'b1@L#2', 'b2@L#2', 'after']);
    expect(seen).toEqual([
      ['x', { index: 0, count: 3 }],
      ['y', { index: 1, count: 3 }],
      ['z', { index: 2, count: 3 }],
    ]);
    expect(r.last.vars).toEqual({});
    expect(r.last.loops).toEqual([]);
    expect(r.last.steps).toBe(2 + 6 + 1);
  });

  it('goes straight to done on an empty list', () => {
    expect(run(d, (id) => (id === 'L' ? { kind: 'loop_enter', items: [] } : next)).trail).toEqual(['before', 'L', 'after']);
  });

  it('drops items beyond maxIterations', () => {
    const small = def([trigger, loop('L', 'item', 2), sms('b')], [edge('t', 'L'), edge('L', 'b', 'body')]);
    const r = run(small, (id) => (id === 'L' ? { kind: 'loop_enter', items: [1, 2, 3, 4] } : next));
    expect(r.trail).toEqual(['L', 'b@L#0', 'b@L#1']);
    expect(r.last.cursor).toBeNull();
  });

  it('a condition inside the body can end the iteration early', () => {
    const withCond = def(
      [trigger, loop('L'), cond('c'), sms('yes'), sms('after')],
      [edge('t', 'L'), edge('L', 'c', 'body'), edge('c', 'yes', 'true'), edge('L', 'after', 'done')],
    );
    const r = run(withCond, (id, c) =>
      id === 'L' ? { kind: 'loop_enter', items: [true, false, true] } : id === 'c' ? { kind: 'branch', branch: c.vars['item'] ? 'true' : 'false' } : next,
    );
    expect(r.trail).toEqual(['L', 'c@L#0', 'yes@L#0', 'c@L#1', 'c@L#2', 'yes@L#2', 'after']);
  });

  it('nested loops restore the outer item and position', () => {
    // t → O(body: I(body: x; done: y); done: end)
    const nested = def(
      [trigger, loop('O', 'row'), loop('I', 'cell'), sms('x'), sms('y'), sms('end')],
      [edge('t', 'O'), edge('O', 'I', 'body'), edge('I', 'x', 'body'), edge('I', 'y', 'done'), edge('O', 'end', 'done')],
    );
    const atY: unknown[] = [];
    const r = run(nested, (id, c) => {
      if (id === 'O') return { kind: 'loop_enter', items: [['a', 'b'], []] };
      if (id === 'I') return { kind: 'loop_enter', items: c.vars['row'] as unknown[] };
      if (id === 'y') atY.push({ row: c.vars['row'], loop: c.vars['loop'], cell: c.vars['cell'] });
      return next;
    });
    expect(r.trail).toEqual(['O', 'I@O#0', 'x@O#0/I#0', 'x@O#0/I#1', 'y@O#0', 'I@O#1', 'y@O#1', 'end']);
    expect(atY).toEqual([
      { row: ['a', 'b'], loop: { index: 0, count: 2 }, cell: undefined },
      { row: [], loop: { index: 1, count: 2 }, cell: undefined },
    ]);
    expect(r.last.vars).toEqual({});
  });

  it('an inner loop without done returns to the outer loop', () => {
    const nested = def([trigger, loop('O', 'v'), loop('I', 'v'), sms('x')], [edge('t', 'O'), edge('O', 'I', 'body'), edge('I', 'x', 'body')]);
    const items: unknown[] = [];
    const r = run(nested, (id, c) => {
      if (id === 'O') return { kind: 'loop_enter', items: [1, 2] };
      if (id === 'I') return { kind: 'loop_enter', items: ['a'] };
      items.push(c.vars['v']);
      return next;
    });
    expect(r.trail).toEqual(['O', 'I@O#0', 'x@O#0/I#0', 'I@O#1', 'x@O#1/I#0']);
    expect(items).toEqual(['a', 'a']);
  });

  it('rejects re-entering a running loop and non-list items', () => {
    const c = advance(d, initialContinuation(d), next);
    expect(() => advance(d, c, { kind: 'loop_enter', items: 'abc' as unknown as unknown[] })).toThrow(WorkflowEngineError);
    expect(() => advance(d, { ...c, loops: [{ nodeId: 'L', items: [1], index: 0 }] }, { kind: 'loop_enter', items: [1] })).toThrow(/already running/);
  });

  it('a long loop hits the step guard', () => {
    const big = def([trigger, loop('L', 'i', 1000), sms('a'), sms('b')], [edge('t', 'L'), edge('L', 'a', 'body'), edge('a', 'b')]);
    expect(() => run(big, (id) => (id === 'L' ? { kind: 'loop_enter', items: Array.from({ length: 1000 }, (_, i) => i) } : next))).toThrow(
      expect.objectContaining({ code: 'max_steps_exceeded' }),
    );
  });
});

describe('loopItems / iterationKey', () => {
  it('resolves the list safely', () => {
    expect(loopItems({ over: 'job.items' }, { job: { items: [1, 2] } })).toEqual([1, 2]);
    expect(loopItems({ over: 'job.items' }, { job: {} })).toEqual([]);
    expect(loopItems({ over: 'job.items' }, { job: { items: null } })).toEqual([]);
    expect(() => loopItems({ over: 'job.items' }, { job: { items: 'nope' } })).toThrow(expect.objectContaining({ code: 'loop_items_invalid' }));
    expect(loopItems({ over: 'job.constructor' }, { job: {} })).toEqual([]);
  });

  it('iterationKey is empty outside loops and stable inside', () => {
    expect(iterationKey({ loops: [] })).toBe('');
    expect(
      iterationKey({
        loops: [
          { nodeId: 'loop1', items: [], index: 2 },
          { nodeId: 'in', items: [], index: 0 },
        ],
      }),
    ).toBe('loop1#2/in#0');
  });
});
