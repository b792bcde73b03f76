import type { Pool } from 'pg';
import type { DomainEvent } from '@fixlify/contracts';

const TABLE_OF_ENTITY: Record<string, string> = { job: 'jobs', invoice: 'invoices', estimate: 'estimates', client: 'clients', technician: 'technicians' };

const json = (r: Record<string, unknown> | undefined): Record<string, unknown> | null => {
  if (!r) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
};

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * The context of a resumed execution, loaded as the executor loads it for a start command (same
 * shape as services/executor load-context; a service cannot import another). Used by a manual retry
 * that has no earlier continuation: the retry sees the records as they are now. Every row is read
 * within the execution's organization.
 */
export const loadContext = async (pool: Pool, ev: DomainEvent): Promise<Record<string, unknown>> => {
  const row = async (table: string, id: string | null): Promise<Record<string, unknown> | null> => {
    if (!id || !/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await pool.query(`SELECT * FROM ${table} WHERE id = $1 AND organization_id = $2`, [id, ev.organizationId]);
    return json(r.rows[0] as Record<string, unknown> | undefined);
  };
  const table = TABLE_OF_ENTITY[ev.entityType];
  const entity = table ? ((await row(table, ev.entityId)) ?? ev.after) : null;
  const job = ev.entityType === 'job' ? entity : await row('jobs', str(entity?.job_id));
  const client = ev.entityType === 'client' ? entity : await row('clients', str(entity?.client_id) ?? str(job?.client_id));
  const org = await pool.query('SELECT * FROM organizations WHERE id = $1', [ev.organizationId]);
  return {
    event: { id: ev.eventId, type: ev.type, entityType: ev.entityType, entityId: ev.entityId, occurredAt: ev.occurredAt, organizationId: ev.organizationId },
    trigger: ev.data,
    before: ev.before,
    after: ev.after,
    organization: json(org.rows[0] as Record<string, unknown> | undefined),
    client,
    job,
    invoice: ev.entityType === 'invoice' ? entity : null,
    estimate: ev.entityType === 'estimate' ? entity : null,
    technician: await row('technicians', str(job?.technician_id) ?? (ev.entityType === 'technician' ? ev.entityId : null)),
  };
};
