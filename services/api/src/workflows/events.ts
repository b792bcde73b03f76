import { v5 as uuidv5 } from 'uuid';
import {
  executionId,
  requestEventId,
  type DomainEvent,
  type EntityType,
  type StartCommand,
  triggerEntity,
  type TriggerType,
  type WorkflowDefinition,
} from '@fixlify/contracts';
import { triggerNode } from '@fixlify/workflow';

const DRAFT_NAMESPACE = 'b8a7c0c4-5f7e-4c8e-8d0b-2f4b1f6f9a11';

export const entityTypeOf = (t: TriggerType): EntityType => triggerEntity(t) ?? 'none';

export interface ManualInput {
  organizationId: string;
  workflowId: string;
  requestId: string;
  context: Record<string, unknown>;
  entity?: { type: EntityType; id: string } | undefined;
  now: Date;
}

/** The domain event of a manual trigger; its id comes from the request id, so a retried request is deduplicated. */
export const manualEvent = (p: ManualInput): DomainEvent => ({
  v: 1,
  eventId: requestEventId({ workflowId: p.workflowId, requestId: p.requestId, kind: 'manual' }),
  type: 'manual',
  organizationId: p.organizationId,
  entityType: p.entity?.type ?? 'none',
  entityId: p.entity?.id ?? null,
  before: null,
  after: null,
  occurredAt: p.now.toISOString(),
  emittedAt: p.now.toISOString(),
  workflowId: p.workflowId,
  causation: null,
  data: p.context,
  source: { kind: 'manual' },
});

export interface TestRunInput {
  organizationId: string;
  workflow: { id: string; publishedVersionId: string | null; currentVersion: number; updatedAt: string };
  definition: WorkflowDefinition;
  requestId: string;
  sample: {
    entityId?: string | undefined;
    after?: Record<string, unknown> | undefined;
    before?: Record<string, unknown> | undefined;
    data?: Record<string, unknown> | undefined;
  };
  now: Date;
}

/**
 * A test run starts the draft directly (a start command, not an event): the matcher only knows
 * published versions. The event is the workflow's own trigger with the sample as its images; the
 * trigger data carries `testRun: true` so the monitor can tell test runs apart.
 */
export const testRunCommand = (p: TestRunInput): StartCommand => {
  const trigger = triggerNode(p.definition);
  const type = trigger?.trigger.type ?? 'manual';
  const now = p.now.toISOString();
  const eventId = requestEventId({ workflowId: p.workflow.id, requestId: `test-run:${p.requestId}`, kind: 'manual' });
  const event: DomainEvent = {
    v: 1,
    eventId,
    type,
    organizationId: p.organizationId,
    entityType: entityTypeOf(type),
    entityId: p.sample.entityId ?? (typeof p.sample.after?.id === 'string' ? p.sample.after.id : null),
    before: p.sample.before ?? null,
    after: p.sample.after ?? null,
    occurredAt: now,
    emittedAt: now,
    workflowId: p.workflow.id,
    causation: null,
    data: { ...(p.sample.data ?? {}), testRun: true },
    source: { kind: 'manual' },
  };
  // drafts have no version row: a stable id per draft revision keeps the execution log's version_id meaningful
  const versionId = uuidv5(`draft|${p.workflow.id}|${p.workflow.updatedAt}`, DRAFT_NAMESPACE);
  return {
    v: 1,
    kind: 'start',
    executionId: executionId(`test-run|${p.workflow.id}`, eventId),
    organizationId: p.organizationId,
    workflowId: p.workflow.id,
    versionId,
    version: Math.max(1, p.workflow.currentVersion),
    issuedAt: now,
    definition: p.definition,
    event,
    triggeredAt: now,
  };
};
