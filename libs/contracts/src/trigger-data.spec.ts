import { SHADOWED_PAYLOAD_KEY, splitTriggerData, triggerDataOf } from './trigger-data';

const EVENT = '11111111-1111-4111-8111-111111111111';
const JOB = '22222222-2222-4222-8222-222222222222';

describe('trigger data', () => {
  it('keeps the payload beside the ids the system derived', () => {
    const td = triggerDataOf({ eventId: EVENT, entityType: 'job', entityId: JOB, data: { reason: 'vip', n: 2 } });
    expect(td).toEqual({ reason: 'vip', n: 2, eventId: EVENT, entityType: 'job', entityId: JOB });
    expect(splitTriggerData(td)).toEqual({ eventId: EVENT, entityType: 'job', entityId: JOB, payload: { reason: 'vip', n: 2 } });
  });

  it('a payload key named like a system id does not replace it, and is given back on the way out', () => {
    const hostile = {
      entityId: 'someone-elses-job',
      eventId: 'chosen-event',
      entityType: 'invoice',
      [SHADOWED_PAYLOAD_KEY]: { entityId: 'nested' },
      note: 'x',
    };
    const td = triggerDataOf({ eventId: EVENT, entityType: 'none', entityId: null, data: hostile });
    expect([td.eventId, td.entityType, td.entityId]).toEqual([EVENT, 'none', null]);
    const back = splitTriggerData(JSON.parse(JSON.stringify(td)) as Record<string, unknown>);
    expect([back.eventId, back.entityType, back.entityId]).toEqual([EVENT, 'none', null]);
    expect(back.payload).toEqual(hostile);
  });

  it('reads trigger data recorded before the split (flat, no shadowed keys)', () => {
    expect(splitTriggerData({ eventId: EVENT, entityType: 'client', entityId: JOB, testRun: true })).toEqual({
      eventId: EVENT,
      entityType: 'client',
      entityId: JOB,
      payload: { testRun: true },
    });
  });
});
