import { executionId, triggerEntity } from '@fixlify/contracts';
import { enrollmentExecutionId } from './enrollment';

const base = { workflowId: 'w1', versionId: 'v1', eventId: 'e1', entityId: 'j1' };

describe('enrollmentExecutionId', () => {
  it('every_time: one execution per version and event', () => {
    expect(enrollmentExecutionId({ ...base, reenrollment: 'every_time' })).toBe(executionId('v1', 'e1'));
    expect(enrollmentExecutionId({ ...base, reenrollment: 'every_time', eventId: 'e2' })).not.toBe(
      enrollmentExecutionId({ ...base, reenrollment: 'every_time' }),
    );
  });

  it('once_per_entity: the same id for every event and version of one record', () => {
    const a = enrollmentExecutionId({ ...base, reenrollment: 'once_per_entity' });
    expect(a).toBe(executionId('w1', 'entity:j1'));
    expect(enrollmentExecutionId({ ...base, reenrollment: 'once_per_entity', eventId: 'e9', versionId: 'v2' })).toBe(a);
    expect(enrollmentExecutionId({ ...base, reenrollment: 'once_per_entity', entityId: 'j2' })).not.toBe(a);
  });

  it('once_per_entity without an entity falls back to per event', () => {
    expect(enrollmentExecutionId({ ...base, reenrollment: 'once_per_entity', entityId: null })).toBe(executionId('v1', 'e1'));
  });
});

describe('triggerEntity', () => {
  it.each([
    ['job_completed', 'job'],
    ['job_overdue', 'job'],
    ['invoice_overdue', 'invoice'],
    ['client_inactive', 'client'],
    ['estimate_declined', 'estimate'],
    ['scheduled', null],
    ['manual', null],
    ['webhook', null],
    [undefined, null],
  ])('%s → %s', (t, e) => expect(triggerEntity(t)).toBe(e));
});
