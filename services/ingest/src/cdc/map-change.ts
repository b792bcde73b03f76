import { cdcEventId, type BusinessTable, type DebeziumChangeEvent, type DomainEvent, type EntityType, type TriggerType, isUuid } from '@fixlify/contracts';
import { normalizeRow } from './normalize-row';

const ENTITY: Record<BusinessTable, EntityType> = {
  organizations: 'organization',
  clients: 'client',
  technicians: 'technician',
  jobs: 'job',
  invoices: 'invoice',
  estimates: 'estimate',
  tasks: 'task',
};

/** Columns whose change alone does not make a business update (bookkeeping). */
const BOOKKEEPING = new Set(['updated_at', 'automation_execution_id', 'automation_depth']);

const changedColumns = (before: Record<string, unknown> | null, after: Record<string, unknown> | null): string[] => {
  if (!before || !after) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

/** Which catalogue triggers a row change is. Snapshot reads (`r`), deletes and truncates fire nothing. */
export const triggersOf = (
  table: BusinessTable,
  op: DebeziumChangeEvent['op'],
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): { type: TriggerType; data: Record<string, unknown> }[] => {
  if (op !== 'c' && op !== 'u') return [];
  const status = str(after?.status);
  const prevStatus = str(before?.status);
  const statusChanged = op === 'u' && before !== null && prevStatus !== status;
  const out: { type: TriggerType; data: Record<string, unknown> }[] = [];
  switch (table) {
    case 'jobs':
      if (op === 'c') out.push({ type: 'job_created', data: {} });
      if (statusChanged) out.push({ type: 'job_status_changed', data: { from: prevStatus, to: status } });
      if ((op === 'c' && status === 'completed') || (statusChanged && status === 'completed')) out.push({ type: 'job_completed', data: {} });
      break;
    case 'invoices':
      if (op === 'c') out.push({ type: 'invoice_created', data: {} });
      if ((op === 'c' && status === 'sent') || (statusChanged && status === 'sent')) out.push({ type: 'invoice_sent', data: {} });
      if ((op === 'c' && status === 'paid') || (statusChanged && status === 'paid')) out.push({ type: 'invoice_paid', data: {} });
      break;
    case 'clients': {
      if (op === 'c') out.push({ type: 'client_created', data: {} });
      const changed = changedColumns(before, after).filter((c) => !BOOKKEEPING.has(c));
      if (op === 'u' && changed.length > 0) out.push({ type: 'client_updated', data: { changed } });
      break;
    }
    case 'estimates':
      if (op === 'c') out.push({ type: 'estimate_created', data: {} });
      if ((op === 'c' && status === 'sent') || (statusChanged && status === 'sent')) out.push({ type: 'estimate_sent', data: {} });
      if ((op === 'c' && status === 'accepted') || (statusChanged && status === 'accepted')) out.push({ type: 'estimate_accepted', data: {} });
      if ((op === 'c' && status === 'declined') || (statusChanged && status === 'declined')) out.push({ type: 'estimate_declined', data: {} });
      break;
    case 'organizations':
    case 'technicians':
    case 'tasks':
      break;
  }
  return out;
};

/**
 * The causation of a change made by an automation: the executor stamps the step key it wrote
 * with into `automation_execution_id` and the chain depth into `automation_depth`. A human edit
 * leaves those columns as they were, so only a change of them marks the change as caused.
 */
export const causationOf = (
  op: DebeziumChangeEvent['op'],
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
): DomainEvent['causation'] => {
  const stamp = str(after?.automation_execution_id);
  if (!stamp) return null;
  if (op === 'u' && before && str(before.automation_execution_id) === stamp) return null;
  const depth = typeof after?.automation_depth === 'number' ? after.automation_depth : 1;
  const depthOk = Number.isInteger(depth) ? Math.min(Math.max(1, depth), 1_000_000) : 1;
  return { executionId: (stamp.split(':')[0] ?? stamp).slice(0, 200), depth: depthOk };
};

/** A change that cannot become a domain event (the pipeline dead-letters it with this message). */
export class UnmappableChange extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappableChange';
  }
}

/** source.ts_ms must be a time an ISO string can show without a sign (years 1970..9999). */
const MAX_TS_MS = 253_402_300_799_999;

/** A Debezium change of a business table → the domain events it means (possibly none). */
export const mapChange = (table: BusinessTable, change: DebeziumChangeEvent, now: Date): DomainEvent[] => {
  const before = normalizeRow(change.before);
  const after = normalizeRow(change.after);
  const types = triggersOf(table, change.op, before, after);
  if (types.length === 0) return [];
  const row = after ?? before;
  const organizationId = table === 'organizations' ? str(row?.id) : str(row?.organization_id);
  const entityId = str(row?.id);
  if (!organizationId || !entityId) throw new UnmappableChange(`${table} change without id or organization_id`);
  if (!isUuid(organizationId)) throw new UnmappableChange(`${table} change with an organization id that is not a UUID`);
  if (entityId.length > 200) throw new UnmappableChange(`${table} change with an id longer than 200 characters`);
  const lsn = change.source.lsn;
  const txId = change.source.txId;
  if (lsn === null || lsn === undefined) throw new UnmappableChange(`${table} change without source.lsn`);
  if (change.source.ts_ms < 0 || change.source.ts_ms > MAX_TS_MS) throw new UnmappableChange(`${table} change with source.ts_ms out of range`);
  const causation = causationOf(change.op, before, after);
  const occurredAt = new Date(change.source.ts_ms).toISOString();
  return types.map(({ type, data }) => ({
    v: 1 as const,
    eventId: cdcEventId({ lsn: String(lsn), txId: String(txId ?? ''), table, key: entityId, type }),
    type,
    organizationId,
    entityType: ENTITY[table],
    entityId,
    before,
    after,
    occurredAt,
    emittedAt: now.toISOString(),
    workflowId: null,
    causation,
    data,
    source: { kind: 'cdc' as const, table, lsn: String(lsn), txId: txId === null || txId === undefined ? undefined : String(txId) },
  }));
};
