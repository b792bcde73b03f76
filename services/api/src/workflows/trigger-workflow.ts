import { randomUUID } from 'node:crypto';
import { TOPICS, domainEventHeaders, eventKey, type TriggerBody, type TriggerResult } from '@fixlify/contracts';
import { findWorkflow, waitUntilIndexed } from '@fixlify/db';
import { enrollmentExecutionId } from '@fixlify/workflow';
import type { Principal } from '../auth/principal';
import type { ApiDeps } from '../deps';
import { ApiError } from '../http/errors';
import { manualEvent } from './events';
import { assertOwnedEntity } from './ownership';
import { getWorkflow } from './workflow-queries';

/**
 * POST /api/workflows/:id/trigger: the one way to start a manual run. An active manual-trigger
 * workflow gets a manual event (its id from the request id, so a retried request starts nothing
 * twice); the answer names the execution the matcher will start for it.
 */
export const triggerWorkflow = async (
  deps: Pick<ApiDeps, 'pool' | 'publisher' | 'cfg'>,
  p: Principal,
  id: string,
  b: TriggerBody,
  now: () => Date = () => new Date(),
): Promise<TriggerResult> => {
  const w = await getWorkflow(deps.pool, p.organizationId, id);
  if (!w.isActive || !w.publishedVersionId) throw new ApiError('conflict', 'the workflow is not active');
  if (w.triggerType !== 'manual') throw new ApiError('conflict', `the workflow starts on ${w.triggerType ?? 'nothing'}, not manually; use a test run instead`);
  if (b.entity) await assertOwnedEntity(deps.pool, p.organizationId, b.entity.type, b.entity.id);
  // a just-published or re-activated workflow: wait until every matcher has indexed it (the rule ingest applies to webhooks)
  const indexed = await findWorkflow(deps.pool, id);
  if (indexed) await waitUntilIndexed(indexed, deps.cfg.WORKFLOW_ACTIVATION_GRACE_MS, now());
  const ev = manualEvent({
    organizationId: p.organizationId,
    workflowId: id,
    requestId: b.requestId ?? randomUUID(),
    context: b.context,
    entity: b.entity,
    now: now(),
  });
  await deps.publisher.send(TOPICS.events, eventKey(ev), JSON.stringify(ev), domainEventHeaders(ev));
  return {
    eventId: ev.eventId,
    executionId: enrollmentExecutionId({
      workflowId: id,
      versionId: w.publishedVersionId,
      reenrollment: w.reenrollment,
      eventId: ev.eventId,
      entityId: ev.entityId,
    }),
  };
};
