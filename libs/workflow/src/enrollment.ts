import { executionId, type ReenrollmentPolicy } from '@fixlify/contracts';

/**
 * The execution id an event starts, the one owner of the enrollment rule (matcher, API, replay):
 * - `once_per_entity` with an entity: one id per workflow and entity, whatever the version or event,
 *   so a record enrolls once however many of its events match (a second start is a duplicate);
 * - otherwise one id per workflow version and event, so a redelivered event starts nothing twice.
 */
export const enrollmentExecutionId = (p: {
  workflowId: string;
  versionId: string;
  reenrollment: ReenrollmentPolicy;
  eventId: string;
  entityId?: string | null | undefined;
}): string => (p.reenrollment === 'once_per_entity' && p.entityId ? executionId(p.workflowId, `entity:${p.entityId}`) : executionId(p.versionId, p.eventId));
