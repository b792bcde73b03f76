import { executionId, type DomainEvent, type WorkflowDefinition } from '@fixlify/contracts';
import { explainStart, type WorkflowHistory } from './explain';

const ORG = '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c';
const WF = '11111111-2222-4333-8444-555555555555';
const V1 = '22222222-2222-4333-8444-555555555555';
const V2 = '33333333-2222-4333-8444-555555555555';
const EV = '44444444-2222-4333-8444-555555555555';

const def = (minTotal: number, reenrollment: 'every_time' | 'once_per_entity' = 'every_time'): WorkflowDefinition => ({
  schemaVersion: 1,
  nodes: [
    {
      id: 'trigger',
      type: 'trigger',
      trigger: { type: 'invoice_overdue', config: { daysOverdue: 3 }, filter: { field: 'after.total', op: 'gte', value: minTotal } },
    },
    { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'reminder' } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'sms', branch: 'next' }],
  settings: { reenrollment },
});

const history = (o: Partial<WorkflowHistory> = {}): WorkflowHistory => ({
  workflowId: WF,
  organizationId: ORG,
  name: 'Overdue reminder',
  isActive: true,
  activatedAt: new Date('2026-11-01T00:00:00Z'),
  versions: [
    { versionId: V1, version: 1, publishedAt: new Date('2026-11-01T00:00:00Z'), definition: def(100) },
    { versionId: V2, version: 2, publishedAt: new Date('2026-11-20T00:00:00Z'), definition: def(500) },
  ],
  ...o,
});

const event = (o: Partial<DomainEvent> = {}): DomainEvent =>
  ({
    v: 1,
    eventId: EV,
    type: 'invoice_overdue',
    organizationId: ORG,
    entityType: 'invoice',
    entityId: 'inv-1',
    before: null,
    after: { total: 300 },
    occurredAt: '2026-11-25T09:00:00.000Z',
    emittedAt: '2026-11-25T09:00:00.000Z',
    workflowId: WF,
    causation: null,
    data: {},
    source: { kind: 'clock', workflowId: WF },
    ...o,
  }) as DomainEvent;

const none = new Map();

describe('explainStart', () => {
  it('judges an event by the version published at its time: the filter that failed, with the value', () => {
    const r = explainStart(event(), history(), none, { maxDepth: 3 });
    expect(r).toMatchObject({ outcome: 'not_started', version: 2, reason: 'filter', failed: { field: 'after.total', op: 'gte', expected: 500, actual: 300 } });
  });

  it('an older event meets the older version', () => {
    const ev = event({ occurredAt: '2026-11-10T09:00:00.000Z' });
    const id = executionId(V1, EV);
    expect(explainStart(ev, history(), new Map([[id, { status: 'completed', eventId: EV }]]), { maxDepth: 3 })).toEqual({
      outcome: 'started',
      executionId: id,
      status: 'completed',
      version: 1,
    });
  });

  it('not published yet, switched on later, switched off now, not indexed', () => {
    expect(explainStart(event({ occurredAt: '2026-10-01T00:00:00.000Z' }), history(), none, { maxDepth: 3 })).toMatchObject({
      reason: 'not_published_yet',
      version: null,
    });
    const small = { after: { total: 900 } };
    expect(explainStart(event(small), history({ activatedAt: new Date('2026-11-26T00:00:00Z') }), none, { maxDepth: 3 })).toMatchObject({
      reason: 'inactive_then',
    });
    expect(explainStart(event(small), history({ isActive: false }), none, { maxDepth: 3 })).toMatchObject({ reason: 'inactive_now' });
    expect(explainStart(event(small), history(), none, { maxDepth: 3 })).toMatchObject({ reason: 'not_indexed', version: 2 });
  });

  it('once per entity: a later event of an enrolled record names the execution that enrolled it', () => {
    const h = history({ versions: [{ versionId: V1, version: 1, publishedAt: new Date('2026-11-01T00:00:00Z'), definition: def(100, 'once_per_entity') }] });
    const id = executionId(WF, 'entity:inv-1');
    const r = explainStart(event(), h, new Map([[id, { status: 'completed', eventId: 'an-earlier-event' }]]), { maxDepth: 3 });
    expect(r).toMatchObject({ outcome: 'not_started', reason: 'already_enrolled', executionId: id });
  });

  it('loop protection', () => {
    expect(explainStart(event({ after: { total: 900 }, causation: { executionId: EV, depth: 5 } }), history(), none, { maxDepth: 3 })).toMatchObject({
      reason: 'loop_depth',
    });
  });
});
