import { DomainEvent, type BusinessTable, type DebeziumChangeEvent } from '@fixlify/contracts';
import { ORG, change, jobRow } from '../testing/debezium-fixture';
import { UnmappableChange, causationOf, mapChange, triggersOf } from './map-change';

const now = new Date('2026-11-27T04:01:05.400Z');
const types = (table: BusinessTable, c: DebeziumChangeEvent): string[] => mapChange(table, c, now).map((e) => e.type);
const row = (o: Record<string, unknown>): Record<string, unknown> => ({
  id: 'a1c0e8f4-0000-4000-8000-000000000001',
  organization_id: ORG,
  status: 'draft',
  ...o,
});

describe('mapChange: jobs', () => {
  it('an insert is job_created, with org, entity, images, commit time and a deterministic id', () => {
    const c = change('jobs', 'c', null, jobRow());
    const [ev, ...rest] = mapChange('jobs', c, now);
    expect(rest).toEqual([]);
    expect(ev).toMatchObject({
      v: 1,
      type: 'job_created',
      organizationId: ORG,
      entityType: 'job',
      entityId: jobRow().id,
      before: null,
      after: { title: 'Replace boiler', total: '120.50' },
      occurredAt: new Date(c.source.ts_ms).toISOString(),
      emittedAt: now.toISOString(),
      workflowId: null,
      causation: null,
      source: { kind: 'cdc', table: 'jobs', lsn: String(c.source.lsn), txId: '734' },
    });
    expect(DomainEvent.safeParse(ev).success).toBe(true);
    // a redelivery of the same change has the same id; another position another id
    expect(mapChange('jobs', c, new Date())[0]!.eventId).toBe(ev!.eventId);
    expect(mapChange('jobs', { ...c, source: { ...c.source, lsn: Number(c.source.lsn) + 1 } }, now)[0]!.eventId).not.toBe(ev!.eventId);
  });

  it('a status change is job_status_changed from → to, and job_completed when it reaches completed', () => {
    const before = jobRow({ status: 'in_progress' });
    const evs = mapChange('jobs', change('jobs', 'u', before, jobRow({ status: 'completed' })), now);
    expect(evs.map((e) => [e.type, e.data])).toEqual([
      ['job_status_changed', { from: 'in_progress', to: 'completed' }],
      ['job_completed', {}],
    ]);
    expect(new Set(evs.map((e) => e.eventId)).size).toBe(2);
    expect(types('jobs', change('jobs', 'u', before, jobRow({ status: 'on_hold' })))).toEqual(['job_status_changed']);
  });

  it('an update that leaves the status alone, a snapshot read, a delete and a truncate fire nothing', () => {
    expect(types('jobs', change('jobs', 'u', jobRow(), jobRow({ title: 'Other' })))).toEqual([]);
    expect(types('jobs', change('jobs', 'r', null, jobRow(), { snapshot: 'true' }))).toEqual([]);
    expect(types('jobs', change('jobs', 'd', jobRow(), null))).toEqual([]);
    expect(types('jobs', change('jobs', 't', null, null))).toEqual([]);
  });

  it('a job inserted as completed is created and completed', () => {
    expect(types('jobs', change('jobs', 'c', null, jobRow({ status: 'completed' })))).toEqual(['job_created', 'job_completed']);
  });
});

describe('mapChange: invoices, clients, estimates', () => {
  it('invoices: created, sent, paid (also when inserted in that state)', () => {
    expect(types('invoices', change('invoices', 'c', null, row({})))).toEqual(['invoice_created']);
    expect(types('invoices', change('invoices', 'c', null, row({ status: 'sent' })))).toEqual(['invoice_created', 'invoice_sent']);
    expect(types('invoices', change('invoices', 'u', row({}), row({ status: 'sent' })))).toEqual(['invoice_sent']);
    expect(types('invoices', change('invoices', 'u', row({ status: 'partially_paid' }), row({ status: 'paid' })))).toEqual(['invoice_paid']);
    expect(types('invoices', change('invoices', 'u', row({ status: 'sent' }), row({ status: 'sent', amount_paid: '10.00' })))).toEqual([]);
  });

  it('invoices: a due date in days since the epoch becomes an ISO date', () => {
    const [ev] = mapChange('invoices', change('invoices', 'c', null, row({ due_date: 20_000, amount: '99.90' })), now);
    expect(ev!.after).toMatchObject({ due_date: '2024-10-04', amount: '99.90' });
  });

  it('clients: created; updated with the changed columns, bookkeeping alone is no update', () => {
    const c0 = row({ name: 'Ann', email: 'a@x.io', tags: ['vip'], updated_at: '2026-01-01T00:00:00Z' });
    expect(types('clients', change('clients', 'c', null, c0))).toEqual(['client_created']);
    const [upd] = mapChange('clients', change('clients', 'u', c0, { ...c0, email: 'b@x.io', tags: ['vip', 'north'], updated_at: '2026-01-02T00:00:00Z' }), now);
    expect(upd).toMatchObject({ type: 'client_updated', entityType: 'client', data: { changed: ['email', 'tags'] } });
    expect(types('clients', change('clients', 'u', c0, { ...c0, updated_at: '2026-01-02T00:00:00Z' }))).toEqual([]);
  });

  it('estimates: created, sent, accepted, declined', () => {
    expect(types('estimates', change('estimates', 'c', null, row({})))).toEqual(['estimate_created']);
    expect(types('estimates', change('estimates', 'u', row({}), row({ status: 'sent' })))).toEqual(['estimate_sent']);
    expect(types('estimates', change('estimates', 'u', row({ status: 'sent' }), row({ status: 'accepted' })))).toEqual(['estimate_accepted']);
    expect(types('estimates', change('estimates', 'u', row({ status: 'sent' }), row({ status: 'declined' })))).toEqual(['estimate_declined']);
    expect(types('estimates', change('estimates', 'u', row({ status: 'sent' }), row({ status: 'expired' })))).toEqual([]);
  });

  it('organizations, technicians and tasks are no triggers', () => {
    for (const t of ['organizations', 'technicians', 'tasks'] as const) expect(triggersOf(t, 'c', null, row({}))).toEqual([]);
  });
});

describe('causation (loop protection input)', () => {
  it('a change that stamps a new execution id is caused, at the stamped depth', () => {
    const before = jobRow({ status: 'scheduled' });
    const after = jobRow({ status: 'completed', automation_execution_id: '0b9e2c1e-3a51-5a1b-9b4f-3b7e1c2d4e5f:update', automation_depth: 2 });
    const [ev] = mapChange('jobs', change('jobs', 'u', before, after), now);
    expect(ev!.causation).toEqual({ executionId: '0b9e2c1e-3a51-5a1b-9b4f-3b7e1c2d4e5f', depth: 2 });
  });

  it('a human edit of a row an automation wrote earlier is not caused', () => {
    const stamped = { automation_execution_id: 'e1:step', automation_depth: 1 };
    expect(causationOf('u', jobRow(stamped), jobRow({ ...stamped, status: 'completed' }))).toBeNull();
    expect(causationOf('c', null, jobRow())).toBeNull();
    expect(causationOf('c', null, jobRow({ automation_execution_id: 'e2:task', automation_depth: 0 }))).toEqual({ executionId: 'e2', depth: 1 });
  });
});

describe('mapChange: changes that cannot be events', () => {
  it('throws UnmappableChange with a clear reason', () => {
    expect(() => mapChange('jobs', change('jobs', 'c', null, jobRow({ organization_id: null })), now)).toThrow(
      new UnmappableChange('jobs change without id or organization_id'),
    );
    expect(() => mapChange('jobs', change('jobs', 'c', null, jobRow({ organization_id: 'acme' })), now)).toThrow(/not a UUID/);
    expect(() => mapChange('jobs', change('jobs', 'c', null, jobRow(), { lsn: null }), now)).toThrow(/without source.lsn/);
    expect(() => mapChange('jobs', change('jobs', 'c', null, jobRow(), { ts_ms: 9e15 }), now)).toThrow(/ts_ms out of range/);
    expect(() => mapChange('jobs', change('jobs', 'c', null, jobRow({ id: 'x'.repeat(201) })), now)).toThrow(/longer than 200/);
  });
});
