import {
  ENROLLABLE_TRIGGER_TYPES,
  PublishedWorkflow,
  TRIGGER_TYPES,
  clockEventId,
  enrollEventId,
  executionId,
  type TriggerSpec,
  type WorkflowDefinitionInput,
} from '@fixlify/contracts';
import { decideRecords } from './run-enrollment';
import { changeRecord, clockRecord, enrollTable, triggerSpecOf, type EnrollScope } from './sources';

const ORG = '11111111-1111-4111-8111-111111111111';
const WF = '22222222-2222-4222-8222-222222222222';
const VER = '33333333-3333-4333-8333-333333333333';
const JOB = '66666666-6666-4666-8666-666666666666';
const NOW = new Date('2026-03-20T12:00:00.000Z');

const workflow = (trigger: TriggerSpec, settings?: WorkflowDefinitionInput['settings']): PublishedWorkflow =>
  PublishedWorkflow.parse({
    v: 1,
    workflowId: WF,
    organizationId: ORG,
    name: 'w',
    version: 1,
    versionId: VER,
    triggerType: trigger.type,
    definition: {
      nodes: [
        { id: 't', type: 'trigger', trigger },
        { id: 'n', type: 'webhook', config: { url: 'https://hooks.example.com/x', payload: '{}' } },
      ],
      edges: [{ id: 'e', source: 't', target: 'n' }],
      ...(settings ? { settings } : {}),
    },
    updatedAt: NOW.toISOString(),
  });

const scopeOf = (w: PublishedWorkflow): EnrollScope => ({ workflow: w, trigger: triggerSpecOf(w)!, timeZone: 'Europe/Berlin', cutoff: NOW, now: NOW });

describe('enrollment sources: which records meet a trigger now, and the event each becomes', () => {
  it('every record trigger has a table; time, manual and webhook triggers are refused with a reason', () => {
    for (const t of TRIGGER_TYPES) {
      const r = enrollTable(t);
      if ((ENROLLABLE_TRIGGER_TYPES as readonly string[]).includes(t)) expect([t, 'table' in r ? r.table : r.error]).toEqual([t, `${t.split('_')[0]}s`]);
      else expect([t, 'error' in r ? r.error : r.table]).toEqual([t, `a ${t} trigger is not about records: there are no existing records to enroll`]);
    }
  });

  it("a clock trigger's record becomes the event the clock would emit: same id (so it is claimed once), aimed at the workflow", () => {
    const s = scopeOf(workflow({ type: 'invoice_overdue', config: { daysOverdue: 3 } }));
    const dueAt = new Date('2026-03-08T23:00:00.000Z');
    const r = clockRecord(s, { row: { id: JOB, status: 'sent' }, entity_id: JOB, as_of: dueAt, occurrence: '2026-03-05', unclaimed: true });
    expect(r.event).toMatchObject({
      eventId: clockEventId({ workflowId: WF, entityId: JOB, occurrence: '2026-03-05' }),
      type: 'invoice_overdue',
      entityType: 'invoice',
      workflowId: WF,
      occurredAt: dueAt.toISOString(),
      source: { kind: 'clock' },
      data: { occurrence: '2026-03-05', dueDate: '2026-03-05', daysOverdue: 3, timeZone: 'Europe/Berlin', dueAt: dueAt.toISOString() },
    });
    expect(r.claim).toEqual({ occurrence: '2026-03-05', unclaimed: true });
    expect(r.asOf).toEqual(dueAt);
  });

  it("a record-change trigger's record: the row as change capture shows it, an id of its own per workflow and record", () => {
    const s = scopeOf(workflow({ type: 'job_status_changed' }));
    const asOf = new Date('2026-03-01T08:00:00.000Z');
    const r = changeRecord(s, 'job_status_changed', {
      row: { id: JOB, status: 'dispatched', total: '250.00', updated_at: '2026-03-01T08:00:00.123456+00:00' },
      entity_id: JOB,
      as_of: asOf,
    });
    expect(r.event).toMatchObject({
      eventId: enrollEventId({ workflowId: WF, triggerType: 'job_status_changed', entityId: JOB }),
      entityType: 'job',
      before: null,
      after: { status: 'dispatched', total: '250.00', updated_at: '2026-03-01T08:00:00.123456Z' },
      data: { from: null, to: 'dispatched' },
      occurredAt: asOf.toISOString(),
      source: { kind: 'cdc', table: 'jobs' },
    });
    expect(r.claim).toBeNull();
  });

  it("the trigger's filter decides (the live matcher's rule), once per entity gives the live path's id, and each start carries asOf", () => {
    const w = workflow({ type: 'job_completed', filter: { field: 'after.total', op: 'gt', value: 100 } }, { reenrollment: 'once_per_entity' });
    const s = scopeOf(w);
    const rec = (id: string, total: string) =>
      changeRecord(s, 'job_completed', { row: { id, status: 'completed', total }, entity_id: id, as_of: new Date('2026-03-10T00:00:00.000Z') });
    const d = decideRecords([rec(JOB, '500.00'), rec('77777777-7777-4777-8777-777777777777', '50.00')], s, { kind: 'replay', replayId: VER, force: false }, 3);
    expect(d.counts).toMatchObject({ scanned: 2, matched: 1, notMatched: { filter: 1 } });
    expect(d.starts).toHaveLength(1);
    expect(d.starts[0]!.command).toMatchObject({
      executionId: executionId(WF, `entity:${JOB}`),
      enrollment: { asOf: '2026-03-10T00:00:00.000Z' },
      origin: { kind: 'replay', replayId: VER },
    });
  });
});
