import { WorkflowDefinition, emptyPreviewReport, previewDiff, type DomainEvent, type RunnableStart, type WorkflowDefinitionInput } from '@fixlify/contracts';
import type { ExecutionContext } from '@fixlify/db';
import { addToPreview, foldSimulation } from './preview';
import { simulateExecution, type SimulationReads } from './simulate';

const ORG = '11111111-1111-4111-8111-111111111111';
const EVENT = '55555555-5555-4555-8555-555555555555';
const T0 = new Date('2026-03-10T15:00:00.000Z');

const event: DomainEvent = {
  v: 1,
  eventId: EVENT,
  type: 'job_created',
  organizationId: ORG,
  entityType: 'job',
  entityId: '66666666-6666-4666-8666-666666666666',
  before: null,
  after: { title: 'Boiler' },
  occurredAt: T0.toISOString(),
  emittedAt: T0.toISOString(),
  workflowId: null,
  causation: null,
  data: {},
  source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
};

const context = (org: Record<string, unknown> = {}, client: Record<string, unknown> = {}): ExecutionContext => ({
  event: { id: EVENT, type: 'job_created', entityType: 'job', entityId: event.entityId },
  trigger: {},
  before: null,
  after: event.after,
  organization: { id: ORG, locale: 'en-US', currency: 'USD', time_zone: 'UTC', ...org },
  client: { id: 'c1', name: 'Grace', email: 'grace@example.com', phone: '+15550001111', sms_consent: true, ...client },
  job: { id: event.entityId, title: 'Boiler', total: '250.00' },
  invoice: null,
  estimate: null,
  technician: null,
});

const start = (input: WorkflowDefinitionInput): RunnableStart => ({
  v: 1,
  kind: 'start',
  executionId: '44444444-4444-4444-8444-444444444444',
  organizationId: ORG,
  workflowId: '22222222-2222-4222-8222-222222222222',
  versionId: '33333333-3333-4333-8333-333333333333',
  version: 1,
  issuedAt: T0.toISOString(),
  definition: WorkflowDefinition.parse(input),
  event,
  triggeredAt: T0.toISOString(),
});

const flow = (nodes: WorkflowDefinitionInput['nodes']): WorkflowDefinitionInput => ({
  nodes: [{ id: 't', type: 'trigger', trigger: { type: 'job_created' } }, ...nodes],
  edges: nodes.map((n, i) => ({ id: `e${i}`, source: i === 0 ? 't' : nodes[i - 1]!.id, target: n.id })),
});

const reads = (o: { suppressed?: string; subscriptions?: number } = {}): SimulationReads & { asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    suppressionReason: async (_org, channel, address) => {
      asked.push(`${channel}:${address}`);
      return o.suppressed ?? null;
    },
    pushSubscriptions: async () => o.subscriptions ?? 1,
  };
};

const sms = { id: 'text', type: 'send_sms' as const, config: { to: '{{ client.phone }}', body: 'Hi {{ client.name }}' } };

describe('simulateExecution', () => {
  it('renders the message it would send and sends nothing', async () => {
    const r = reads();
    const sim = await simulateExecution(start(flow([sms])), context(), r, T0);
    expect(sim.state).toBe('completed');
    expect(sim.messages).toEqual([{ stepId: 'text', channel: 'sms', to: '+15550001111', body: 'Hi Grace' }]);
    expect(r.asked).toEqual(['sms:+15550001111']);
    expect(sim.results.map((x) => x.kind)).toEqual(['execution_started', 'step_succeeded', 'execution_completed']);
  });

  it('a suppressed recipient is held back with the reason, as the executor would', async () => {
    const sim = await simulateExecution(start(flow([sms])), context(), reads({ suppressed: 'suppressed: STOP' }), T0);
    expect(sim.messages[0]).toMatchObject({ channel: 'sms', suppressed: 'suppressed: STOP' });
    expect(sim.results[1]).toMatchObject({ kind: 'step_succeeded', delivery: 'suppressed' });
  });

  it('follows a delay and quiet hours on a virtual clock, saying until when', async () => {
    // 15:00 UTC + 6 h = 21:00, inside quiet hours 20:00–08:00: the text waits for 08:00 the next day
    const sim = await simulateExecution(
      start(flow([{ id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 6 * 3600 } }, sms])),
      context({ quiet_hours_start: '20:00', quiet_hours_end: '08:00' }),
      reads(),
      T0,
    );
    expect(sim.state).toBe('completed');
    expect(sim.waits).toEqual([
      { stepId: 'wait', reason: 'delay', until: '2026-03-10T21:00:00.000Z' },
      { stepId: 'text', reason: 'quiet_hours', until: '2026-03-11T08:00:00.000Z' },
    ]);
    expect(sim.messages).toHaveLength(1);
  });

  it('a template failure fails the step as the real run would', async () => {
    const sim = await simulateExecution(
      start(flow([{ id: 'text', type: 'send_sms', config: { to: '{{ client.phone }}', body: '{{ client.name | nosuchfilter }}' } }])),
      context(),
      reads(),
      T0,
    );
    expect(sim.state).toBe('failed');
    expect(sim.messages).toEqual([]);
    const report = emptyPreviewReport(null);
    addToPreview(report, start(flow([sms])), sim);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ stepId: 'text', count: 1 });
    expect(report.failures[0]!.code).toMatch(/^template_/);
  });

  it('an empty recipient fails; a push to someone without a device is not sent and not a failure', async () => {
    const noPhone = await simulateExecution(start(flow([sms])), context({}, { phone: '' }), reads(), T0);
    expect(noPhone.results.find((x) => x.kind === 'step_failed')).toMatchObject({ error: { code: 'recipient_missing' } });
    const push = await simulateExecution(
      start(flow([{ id: 'ping', type: 'send_push_notification', config: { userRef: 'tech-1', title: 'New job', body: 'Boiler' } }])),
      context(),
      reads({ subscriptions: 0 }),
      T0,
    );
    expect(push.state).toBe('completed');
    expect(push.messages).toEqual([]);
    expect(push.results[1]).toMatchObject({ kind: 'step_succeeded', delivery: 'none' });
  });
});

describe('preview report', () => {
  it('counts per step, branch and channel, keeps samples, and compares with another version', async () => {
    const branching = (threshold: number): WorkflowDefinitionInput => ({
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'job_created' } },
        { id: 'big', type: 'condition', config: { when: { field: 'job.total', op: 'gte', value: threshold } } },
        sms,
      ],
      edges: [
        { id: 'e1', source: 't', target: 'big' },
        { id: 'e2', source: 'big', target: 'text', branch: 'true' },
      ],
    });
    const report = emptyPreviewReport(1);
    for (const total of ['100', '300', '900']) {
      const ctx = { ...context(), job: { id: event.entityId, title: 'Boiler', total } };
      addToPreview(report, start(branching(250)), await simulateExecution(start(branching(250)), ctx, reads(), T0));
      const other = await simulateExecution(start(branching(500)), ctx, reads(), T0);
      report.compare!.started++;
      foldSimulation(report.compare!.totals, other);
    }
    expect(report.steps.big).toEqual({ type: 'condition', reached: 3, succeeded: 3, failed: 0, branches: { true: 2, false: 1 } });
    expect(report.channels.sms).toEqual({ sent: 2, suppressed: 0 });
    expect(report.samples).toHaveLength(3);
    expect(report.samples[1]!.steps).toEqual([
      { stepId: 'big', type: 'condition', outcome: 'succeeded', detail: 'went true' },
      { stepId: 'text', type: 'send_sms', outcome: 'succeeded' },
    ]);
    expect(previewDiff(report, 3)).toEqual([
      { what: 'executions started', previewed: 3, other: 3, delta: 0 },
      { what: 'sms sent', previewed: 2, other: 1, delta: 1 },
      { what: 'big → true', previewed: 2, other: 1, delta: 1 },
      { what: 'big → false', previewed: 1, other: 2, delta: -1 },
      { what: 'failed', previewed: 0, other: 0, delta: 0 },
    ]);
  });
});
