import { executionId, type DomainEvent, type PublishedWorkflow, type TriggerSpec } from '@fixlify/contracts';
import { explainCondition } from './condition';
import { decideStart, describeFailure } from './start';

const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const WF = '11111111-2222-4333-8444-555555555555';
const VER = '22222222-2222-4333-8444-555555555555';
const REPLAY = '33333333-2222-4333-8444-555555555555';
const EV = '44444444-2222-4333-8444-555555555555';
const now = new Date('2026-11-27T04:01:06.000Z');

const wf = (trigger: TriggerSpec, reenrollment: 'every_time' | 'once_per_entity' = 'every_time'): PublishedWorkflow => ({
  v: 1,
  workflowId: WF,
  organizationId: ORG,
  name: 'wf',
  version: 3,
  versionId: VER,
  triggerType: trigger.type,
  definition: {
    schemaVersion: 1,
    nodes: [
      { id: 'trigger', type: 'trigger', trigger },
      { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'hi' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'sms', branch: 'next' }],
    settings: { reenrollment },
  },
  updatedAt: now.toISOString(),
});

const event = (o: Partial<DomainEvent> = {}): DomainEvent => ({
  v: 1,
  eventId: EV,
  type: 'job_status_changed',
  organizationId: ORG,
  entityType: 'job',
  entityId: 'job-1',
  before: { status: 'in_progress' },
  after: { status: 'scheduled', total: '80.00' },
  occurredAt: '2026-11-27T04:01:05.291Z',
  emittedAt: '2026-11-27T04:01:05.400Z',
  workflowId: null,
  causation: null,
  data: {},
  source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '2' },
  ...o,
});

const opts = { maxDepth: 3, now };

describe('decideStart', () => {
  it('starts with the live id (version + event), unmarked', () => {
    const d = decideStart(wf({ type: 'job_status_changed' }), event(), opts);
    expect(d.kind).toBe('start');
    if (d.kind !== 'start') return;
    expect(d.command.executionId).toBe(executionId(VER, EV));
    expect(d.command.origin).toBeUndefined();
  });

  it('a replay keeps the live id (so what ran is recognised) and is marked; a forced one gets its own id', () => {
    const replay = decideStart(wf({ type: 'job_status_changed' }), event(), { ...opts, origin: { kind: 'replay', replayId: REPLAY, force: false } });
    const forced = decideStart(wf({ type: 'job_status_changed' }), event(), { ...opts, origin: { kind: 'replay', replayId: REPLAY, force: true } });
    if (replay.kind !== 'start' || forced.kind !== 'start') throw new Error('expected starts');
    expect(replay.command.executionId).toBe(executionId(VER, EV));
    expect(replay.command.origin).toEqual({ kind: 'replay', replayId: REPLAY, force: false });
    expect(forced.command.executionId).toBe(executionId(`replay:${REPLAY}`, EV));
    expect(forced.command.executionId).not.toBe(replay.command.executionId);
  });

  it('once per entity: the id of the record, whatever the event', () => {
    const d = decideStart(wf({ type: 'job_status_changed' }, 'once_per_entity'), event(), opts);
    if (d.kind !== 'start') throw new Error('expected a start');
    expect(d.command.executionId).toBe(executionId(WF, 'entity:job-1'));
  });

  it.each([
    ['other_organization', event({ organizationId: '99999999-2222-4333-8444-555555555555' })],
    ['other_workflow', event({ workflowId: '99999999-2222-4333-8444-555555555555' })],
    ['trigger_type', event({ type: 'job_created' })],
    ['loop_depth', event({ causation: { executionId: EV, depth: 3 } })],
  ])('skips with %s', (reason, ev) => {
    const d = decideStart(wf({ type: 'job_status_changed' }), ev, opts);
    expect(d).toMatchObject({ kind: 'skip', reason });
  });

  it('a failed filter names the field, the operator and the value seen', () => {
    const d = decideStart(
      wf({
        type: 'job_status_changed',
        filter: {
          all: [
            { field: 'after.total', op: 'gt', value: 50 },
            { field: 'after.status', op: 'eq', value: 'completed' },
          ],
        },
      }),
      event(),
      { ...opts, explain: true },
    );
    expect(d).toMatchObject({ kind: 'skip', reason: 'filter', failed: { field: 'after.status', op: 'eq', expected: 'completed', actual: 'scheduled' } });
    if (d.kind === 'skip') expect(d.detail).toBe('filter: after.status eq "completed" failed (was "scheduled")');
  });

  it('without explain (the hot paths) a failed filter is only its reason', () => {
    const d = decideStart(wf({ type: 'job_status_changed', filter: { field: 'after.status', op: 'eq', value: 'completed' } }), event(), opts);
    expect(d).toMatchObject({ kind: 'skip', reason: 'filter' });
    expect(d.kind === 'skip' && d.failed).toBeFalsy();
  });
});

describe('explainCondition', () => {
  const scope = { after: { status: 'scheduled', total: 80 }, before: { status: 'in_progress' } };
  it('null when the condition holds', () => {
    expect(explainCondition({ field: 'after.status', op: 'eq', value: 'scheduled' }, scope)).toBeNull();
    expect(explainCondition({ not: { field: 'after.status', op: 'eq', value: 'completed' } }, scope)).toBeNull();
  });
  it('any: the first alternative', () => {
    expect(
      explainCondition(
        {
          any: [
            { field: 'after.total', op: 'gt', value: 100 },
            { field: 'after.status', op: 'eq', value: 'x' },
          ],
        },
        scope,
      ),
    ).toMatchObject({ field: 'after.total', actual: 80 });
  });
  it('not: the leaf that held, marked negated', () => {
    const f = explainCondition({ not: { field: 'after.status', op: 'eq', value: 'scheduled' } }, scope);
    expect(f).toMatchObject({ field: 'after.status', negated: true, actual: 'scheduled' });
    expect(describeFailure(f!)).toBe('filter: not after.status eq "scheduled" failed (was "scheduled")');
  });
  it('changed: both images', () => {
    expect(explainCondition({ field: 'status', op: 'changed', to: 'completed' }, scope)).toMatchObject({
      op: 'changed',
      actual: { before: 'in_progress', after: 'scheduled' },
    });
  });
  it('never throws on a broken condition', () => {
    expect(explainCondition({ all: 'x' } as never, scope)).toMatchObject({ op: 'invalid' });
  });
});
