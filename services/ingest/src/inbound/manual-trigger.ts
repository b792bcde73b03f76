import type { Pool } from 'pg';
import { requestEventId, type DomainEvent, type ManualTriggerRequest, type TriggerAccepted } from '@fixlify/contracts';
import type { EventEmitter } from '../emit/event-emitter';
import { InboundTriggerError } from './errors';
import { findWorkflow, waitUntilIndexed } from './workflow-lookup';

const TABLE_OF: Record<NonNullable<ManualTriggerRequest['entity']>['type'], string> = {
  job: 'jobs',
  invoice: 'invoices',
  client: 'clients',
  estimate: 'estimates',
  technician: 'technicians',
  task: 'tasks',
  organization: 'organizations',
};

/** The record a run is about must belong to the caller's organization: the executor loads it by id. */
const entityBelongs = async (pool: Pool, organizationId: string, entity: NonNullable<ManualTriggerRequest['entity']>): Promise<boolean> => {
  if (!/^[0-9a-f-]{36}$/i.test(entity.id)) return false;
  const table = TABLE_OF[entity.type];
  const column = entity.type === 'organization' ? 'id' : 'organization_id';
  // table and column come from the fixed map above, never from input
  const res = await pool.query(`SELECT 1 FROM ${table} WHERE id = $1 AND ${column} = $2`, [entity.id, organizationId]);
  return res.rowCount === 1;
};

export const manualEvent = (req: ManualTriggerRequest, now: Date): DomainEvent => ({
  v: 1,
  eventId: requestEventId({ workflowId: req.workflowId, requestId: req.requestId, kind: 'manual' }),
  type: 'manual',
  organizationId: req.organizationId,
  entityType: req.entity?.type ?? 'none',
  entityId: req.entity?.id ?? null,
  before: null,
  after: null,
  occurredAt: now.toISOString(),
  emittedAt: now.toISOString(),
  workflowId: req.workflowId,
  causation: null,
  data: req.context,
  source: { kind: 'manual' },
});

/**
 * Manual trigger (from the API): an active manual-trigger workflow of the caller's organization
 * runs with the given context. Resolves once the broker acknowledged the event; the event id comes
 * from the request id, so a retried request is the same event and the same execution.
 */
export const runManualTrigger = async (deps: { pool: Pool; emitter: EventEmitter; activationGraceMs: number }, req: ManualTriggerRequest, now: Date): Promise<TriggerAccepted> => {
  const wf = await findWorkflow(deps.pool, req.workflowId);
  // another organization's workflow is "not found", never "forbidden": its existence is not the caller's business
  if (!wf || wf.organizationId !== req.organizationId) throw new InboundTriggerError('not_found', 'no such workflow in this organization');
  if (!wf.active) throw new InboundTriggerError('not_found', 'the workflow is not active');
  if (wf.triggerType !== 'manual') throw new InboundTriggerError('not_manual', `the workflow starts on ${wf.triggerType ?? 'nothing'}, not manually`);
  if (req.entity && !(await entityBelongs(deps.pool, req.organizationId, req.entity))) throw new InboundTriggerError('not_found', `no such ${req.entity.type} in this organization`);
  await waitUntilIndexed(wf, deps.activationGraceMs, now);
  const ev = manualEvent(req, now);
  await deps.emitter.emit([ev]);
  return { eventId: ev.eventId, workflowId: ev.workflowId! };
};
