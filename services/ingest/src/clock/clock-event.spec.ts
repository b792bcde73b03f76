import { DomainEvent, clockEventId } from '@fixlify/contracts';
import { clockEvent } from './clock-event';
import { clockTriggerOf, type ClockWorkflow } from './clock-workflows';

const wf: ClockWorkflow = {
  workflowId: '5b1d3c2a-8f7e-4d6c-9b5a-4e3d2c1b0a99',
  organizationId: '69a4b6ca-844a-4ff0-aea2-faa4983a6d9c',
  versionId: '7c2e4d3b-9a8f-4e7d-8c6b-5f4e3d2c1b0a',
  activatedAt: new Date('2026-01-01T00:00:00Z'),
  changedAt: new Date('2026-01-01T00:00:00Z'),
  timeZone: 'UTC',
  trigger: { type: 'job_overdue', config: { graceMinutes: 30 } },
};

describe('clockEvent', () => {
  it('is aimed at its workflow, with an id from workflow, entity and occurrence only', () => {
    const due = {
      workflow: wf,
      entityId: 'j1',
      entityType: 'job' as const,
      occurrence: '2027-06-01T15:00:00.000Z',
      dueAt: new Date('2027-06-01T15:30:00Z'),
      row: { id: 'j1' },
      data: { graceMinutes: 30 },
    };
    const a = clockEvent(due, new Date('2027-06-01T15:31:00Z'));
    const b = clockEvent(due, new Date('2027-06-01T15:45:00Z'));
    expect(DomainEvent.parse(a)).toEqual(a);
    expect(a).toMatchObject({
      type: 'job_overdue',
      workflowId: wf.workflowId,
      entityType: 'job',
      entityId: 'j1',
      after: { id: 'j1' },
      occurredAt: '2027-06-01T15:30:00.000Z',
      source: { kind: 'clock' },
    });
    expect(a.eventId).toBe(b.eventId);
    expect(a.eventId).toBe(clockEventId({ workflowId: wf.workflowId, entityId: 'j1', occurrence: '2027-06-01T15:00:00.000Z' }));
  });

  it('scheduled and recurring occurrences have no entity', () => {
    const ev = clockEvent(
      {
        workflow: { ...wf, trigger: { type: 'scheduled', config: { at: '2027-01-01T00:00:00Z' } } },
        entityId: '',
        entityType: 'none',
        occurrence: 'o',
        dueAt: new Date(0),
        row: null,
        data: {},
      },
      new Date(),
    );
    expect(ev).toMatchObject({ entityType: 'none', entityId: null, after: null });
  });
});

describe('clockTriggerOf', () => {
  it('reads the clock trigger of a published definition, nothing else', () => {
    const def = (trigger: unknown) => ({ nodes: [{ id: 't', type: 'trigger', trigger }], edges: [] });
    expect(clockTriggerOf(def({ type: 'recurring', config: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } }))).toEqual({
      type: 'recurring',
      config: { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
    });
    expect(clockTriggerOf(def({ type: 'invoice_overdue', config: {} }))).toEqual({ type: 'invoice_overdue', config: { daysOverdue: 0 } });
    expect(clockTriggerOf(def({ type: 'job_created' }))).toBeNull();
    expect(clockTriggerOf({ nodes: 'x' })).toBeNull();
    expect(clockTriggerOf(null)).toBeNull();
  });
});
