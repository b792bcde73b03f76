import { clockEventId, type DomainEvent, type EntityType } from '@fixlify/contracts';
import type { ClockWorkflow } from './clock-workflows';

export interface DueOccurrence {
  workflow: ClockWorkflow;
  /** '' for scheduled and recurring (no record) */
  entityId: string;
  entityType: EntityType;
  occurrence: string;
  dueAt: Date;
  row: Record<string, unknown> | null;
  data: Record<string, unknown>;
}

/**
 * The domain event of one clock occurrence, aimed at its workflow. Its id comes from workflow,
 * entity and occurrence only, so any instance that emits it (again) emits the same event.
 */
export const clockEvent = (d: DueOccurrence, now: Date): DomainEvent => ({
  v: 1,
  eventId: clockEventId({ workflowId: d.workflow.workflowId, entityId: d.entityId, occurrence: d.occurrence }),
  type: d.workflow.trigger.type,
  organizationId: d.workflow.organizationId,
  entityType: d.entityId ? d.entityType : 'none',
  entityId: d.entityId || null,
  before: null,
  after: d.row,
  occurredAt: d.dueAt.toISOString(),
  emittedAt: now.toISOString(),
  workflowId: d.workflow.workflowId,
  causation: null,
  data: d.data,
  source: { kind: 'clock' },
});

/** Claim key of an occurrence, in the order claims take their row locks. */
export const claimKey = (d: Pick<DueOccurrence, 'entityId' | 'occurrence'> & { workflowId: string }): string => `${d.workflowId}|${d.entityId}|${d.occurrence}`;
