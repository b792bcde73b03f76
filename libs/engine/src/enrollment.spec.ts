import { WorkflowDefinition, type DomainEvent, type RunnableStart, type StepResult, type WorkflowDefinitionInput } from '@fixlify/contracts';
import type { ExecutionContext } from '@fixlify/db';
import type { ActionOutcome, ActionRequest } from './action';
import { placeEnrollment } from './enrollment';
import { runExecution } from './run-execution';

const ORG = '11111111-1111-4111-8111-111111111111';
const INVOICE = '66666666-6666-4666-8666-666666666666';
const NOW = new Date('2026-03-20T12:00:00.000Z');
const DAY = 86_400_000;
const daysAgo = (d: number): Date => new Date(NOW.getTime() - d * DAY);

const event: DomainEvent = {
  v: 1,
  eventId: '55555555-5555-4555-8555-555555555555',
  type: 'invoice_overdue',
  organizationId: ORG,
  entityType: 'invoice',
  entityId: INVOICE,
  before: null,
  after: { id: INVOICE, amount: '250.00', status: 'sent' },
  occurredAt: NOW.toISOString(),
  emittedAt: NOW.toISOString(),
  workflowId: '22222222-2222-4222-8222-222222222222',
  causation: null,
  data: {},
  source: { kind: 'clock' },
};

const context: ExecutionContext = {
  event: { id: event.eventId, type: event.type, entityType: 'invoice', entityId: INVOICE },
  trigger: {},
  before: null,
  after: event.after,
  organization: { id: ORG, locale: 'en-US', currency: 'USD', time_zone: 'UTC' },
  client: { id: 'c1', name: 'Grace', phone: '+15550001111', tags: ['a', 'b', 'c'] },
  job: null,
  invoice: { id: INVOICE, amount: '250.00', status: 'sent' },
  estimate: null,
  technician: null,
};

const def = (nodes: WorkflowDefinitionInput['nodes'], edges: [string, string, ('true' | 'false' | 'body' | 'done')?][]): WorkflowDefinition =>
  WorkflowDefinition.parse({
    nodes: [{ id: 't', type: 'trigger', trigger: { type: 'invoice_overdue', config: { daysOverdue: 0 } } }, ...nodes],
    edges: edges.map(([source, target, branch], i) => ({ id: `e${i}`, source, target, ...(branch ? { branch } : {}) })),
  });
const hook = (id: string) => ({ id, type: 'webhook' as const, config: { url: 'https://hooks.example.com/x', payload: '{}' } });
const wait = (id: string, days: number) => ({ id, type: 'delay' as const, config: { mode: 'duration' as const, seconds: days * 86_400 } });

/** Reminders at day 0, 3 and 14 after the invoice fell due. */
const reminders = def(
  [hook('day0'), wait('w3', 3), hook('day3'), wait('w14', 11), hook('day14')],
  [
    ['t', 'day0'],
    ['day0', 'w3'],
    ['w3', 'day3'],
    ['day3', 'w14'],
    ['w14', 'day14'],
  ],
);

const start = (definition: WorkflowDefinition, asOf: Date | null): RunnableStart => ({
  v: 1,
  kind: 'start',
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: ORG,
  workflowId: event.workflowId!,
  versionId: '33333333-3333-4333-8333-333333333333',
  version: 1,
  issuedAt: NOW.toISOString(),
  definition,
  event,
  triggeredAt: NOW.toISOString(),
  ...(asOf ? { enrollment: { asOf: asOf.toISOString() } } : {}),
});

const run = async (definition: WorkflowDefinition, asOf: Date | null) => {
  const calls: ActionRequest[] = [];
  const out = await runExecution(start(definition, asOf), context, {
    now: () => NOW,
    random: () => 0.5,
    performAction: async (req): Promise<ActionOutcome> => {
      calls.push(req);
      return { kind: 'ok', output: {}, delivery: 'delivered' };
    },
  });
  const skipped = out.results.filter((r): r is Extract<StepResult, { kind: 'step_skipped' }> => r.kind === 'step_skipped');
  return { out, calls, ran: calls.map((c) => c.node.id), skipped: skipped.map((s) => [s.stepId, s.dueAt]), due: out.timers[0]?.dueAt ?? null };
};

describe('enrollment: an enrolled record starts at the step its age implies', () => {
  it.each([
    // age in days, steps run now, steps skipped with their due time (days ago), the next timer (days from now)
    [0, ['day0'], [], 3],
    [1, [], [['day0', 1]], 2],
    [
      5,
      [],
      [
        ['day0', 5],
        ['w3', 2],
        ['day3', 2],
      ],
      9,
    ],
    [
      12,
      [],
      [
        ['day0', 12],
        ['w3', 9],
        ['day3', 9],
      ],
      2,
    ],
    [
      20,
      ['day14'],
      [
        ['day0', 20],
        ['w3', 17],
        ['day3', 17],
        ['w14', 6],
      ],
      null,
    ],
  ] as const)('%s days overdue: runs %j now', async (age, ran, skipped, nextInDays) => {
    const r = await run(reminders, daysAgo(age));
    expect(r.ran).toEqual(ran);
    expect(r.skipped).toEqual(skipped.map(([id, ago]) => [id, daysAgo(ago).toISOString()]));
    expect(r.due ? (r.due.getTime() - NOW.getTime()) / DAY : null).toBe(nextInDays);
    expect(r.out.state).toBe(nextInDays === null ? 'completed' : 'waiting');
    // results stay totally ordered: started, skipped…, the run
    expect(r.out.results.map((x) => x.seq)).toEqual(r.out.results.map((_, i) => i));
  });

  it('without an enrollment nothing changes: the first step runs and the first delay ends from now', async () => {
    const r = await run(reminders, null);
    expect(r.ran).toEqual(['day0']);
    expect(r.skipped).toEqual([]);
    expect(r.due?.getTime()).toBe(NOW.getTime() + 3 * DAY);
  });

  it('a record that met the trigger "in the future" (a clock ahead) starts now', async () => {
    const r = await run(reminders, new Date(NOW.getTime() + DAY));
    expect(r.ran).toEqual(['day0']);
    expect(r.due?.getTime()).toBe(NOW.getTime() + 3 * DAY);
  });

  it('follows the branch the current data takes', async () => {
    const branched = def(
      [
        { id: 'big', type: 'condition', config: { when: { field: 'invoice.amount', op: 'gt', value: 100 } } },
        wait('w1', 1),
        hook('after1'),
        wait('w30', 30),
        hook('after30'),
      ],
      [
        ['t', 'big'],
        ['big', 'w1', 'true'],
        ['w1', 'after1'],
        ['big', 'w30', 'false'],
        ['w30', 'after30'],
      ],
    );
    const r = await run(branched, daysAgo(4));
    expect(r.ran).toEqual(['after1']);
    expect(r.skipped.map(([id]) => id)).toEqual(['big', 'w1']);
  });

  it('places a record inside a loop: iterations whose delay has ended are skipped', async () => {
    const looped = def(
      [
        { id: 'each', type: 'loop', config: { over: 'client.tags', as: 'tag', maxIterations: 10 } },
        { ...hook('h'), config: { url: 'https://hooks.example.com/x', payload: '{{ tag }}' } },
        wait('w', 1),
        hook('end'),
      ],
      [
        ['t', 'each'],
        ['each', 'h', 'body'],
        ['h', 'w'],
        ['each', 'end', 'done'],
      ],
    );
    const r = await run(looped, new Date(NOW.getTime() - 1.5 * DAY));
    // tag a: h and its delay passed; tag b: its h is 12 h late (skipped), its delay ends half a day from now
    expect(r.ran).toEqual([]);
    expect(r.skipped.map(([id]) => id)).toEqual(['each', 'h', 'w', 'h']);
    // when tag b's delay ends, the resume goes on with tag c
    expect(r.out.timers[0]?.command.continuation.loops[0]).toMatchObject({ nodeId: 'each', index: 2 });
    expect(r.due?.getTime()).toBe(NOW.getTime() + 0.5 * DAY);
  });

  it('a step due moments ago is not late: within the grace it runs', async () => {
    const r = await run(reminders, new Date(NOW.getTime() - 10 * 60_000));
    expect(r.ran).toEqual(['day0']);
    expect(r.skipped).toEqual([]);
  });

  it('stops at a delay it cannot compute: the engine reports it when it runs the step', async () => {
    const unreadable = def(
      [hook('first'), { id: 'w', type: 'delay', config: { mode: 'until', at: '{{ invoice.nothing }}' } }, hook('after')],
      [
        ['t', 'first'],
        ['first', 'w'],
        ['w', 'after'],
      ],
    );
    const p = placeEnrollment(unreadable, () => ({ ...context, vars: {} }), { locale: 'en-US', timeZone: 'UTC', currency: 'USD' }, daysAgo(5), NOW);
    expect(p.cont.cursor).toBe('first');
    expect(p.skipped).toEqual([]);
    const r = await run(unreadable, daysAgo(5));
    expect(r.ran).toEqual(['first']);
    expect(r.out.state).toBe('failed');
  });

  it('a delay "until" a record time is measured against real time, and passed ones are skipped', async () => {
    const until = def(
      [hook('first'), { id: 'w', type: 'delay', config: { mode: 'until', at: '2026-03-19T00:00:00Z' } }, hook('after')],
      [
        ['t', 'first'],
        ['first', 'w'],
        ['w', 'after'],
      ],
    );
    const r = await run(until, daysAgo(5));
    expect(r.ran).toEqual(['after']);
    expect(r.skipped).toEqual([
      ['first', daysAgo(5).toISOString()],
      ['w', '2026-03-19T00:00:00.000Z'],
    ]);
  });
});
