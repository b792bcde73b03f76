import type { Pool } from 'pg';
import type { DomainEvent } from '@fixlify/contracts';

export interface ExecutionContext extends Record<string, unknown> {
  event: Record<string, unknown>;
  trigger: Record<string, unknown>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  organization: Record<string, unknown> | null;
  client: Record<string, unknown> | null;
  job: Record<string, unknown> | null;
  invoice: Record<string, unknown> | null;
  estimate: Record<string, unknown> | null;
  technician: Record<string, unknown> | null;
}

const TABLE_OF_ENTITY: Record<string, string> = { job: 'jobs', invoice: 'invoices', estimate: 'estimates', client: 'clients', technician: 'technicians' };

const rowJson = (r: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
};

const fetchRows = async (pool: Pool, table: string, ids: Set<string>): Promise<Map<string, Record<string, unknown>>> => {
  const list = [...ids].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (list.length === 0) return new Map();
  // table names come from the fixed map above, never from input
  const res = await pool.query(`SELECT * FROM ${table} WHERE id = ANY($1::uuid[])`, [list]);
  return new Map(res.rows.map((r: Record<string, unknown>) => [String(r.id), rowJson(r)]));
};

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * Loads what templates and conditions may refer to — the entity, its client, job, invoice,
 * estimate, technician and organization — for all the executions of a batch in a few queries.
 */
export const loadContexts = async (pool: Pool, events: DomainEvent[]): Promise<ExecutionContext[]> => {
  const want: Record<string, Set<string>> = { jobs: new Set(), invoices: new Set(), estimates: new Set(), clients: new Set(), technicians: new Set(), organizations: new Set() };
  for (const ev of events) {
    want.organizations!.add(ev.organizationId);
    const table = TABLE_OF_ENTITY[ev.entityType];
    if (table && ev.entityId) want[table]!.add(ev.entityId);
  }
  // first round: the entities; second: what they point at
  const first = Object.fromEntries(await Promise.all(Object.entries(want).map(async ([t, ids]) => [t, await fetchRows(pool, t, ids)] as const)));
  const second: Record<string, Set<string>> = { jobs: new Set(), clients: new Set(), technicians: new Set() };
  for (const t of ['jobs', 'invoices', 'estimates'] as const)
    for (const r of first[t]!.values()) {
      const c = str(r.client_id);
      if (c) second.clients!.add(c);
      const j = str(r.job_id);
      if (j) second.jobs!.add(j);
      const tech = str(r.technician_id);
      if (tech) second.technicians!.add(tech);
    }
  const more = Object.fromEntries(await Promise.all(Object.entries(second).map(async ([t, ids]) => [t, await fetchRows(pool, t, ids)] as const)));
  const get = (t: string, id: string | null): Record<string, unknown> | null => (id ? (first[t]?.get(id) ?? more[t]?.get(id) ?? null) : null);

  return events.map((ev) => {
    const table = TABLE_OF_ENTITY[ev.entityType];
    const entity = table ? (get(table, ev.entityId) ?? ev.after) : null;
    const job = ev.entityType === 'job' ? entity : get('jobs', str(entity?.job_id));
    const client = ev.entityType === 'client' ? entity : get('clients', str(entity?.client_id) ?? str(job?.client_id));
    return {
      event: { id: ev.eventId, type: ev.type, entityType: ev.entityType, entityId: ev.entityId, occurredAt: ev.occurredAt, organizationId: ev.organizationId },
      trigger: ev.data,
      before: ev.before,
      after: ev.after,
      organization: get('organizations', ev.organizationId),
      client,
      job,
      invoice: ev.entityType === 'invoice' ? entity : null,
      estimate: ev.entityType === 'estimate' ? entity : null,
      technician: get('technicians', str(job?.technician_id) ?? (ev.entityType === 'technician' ? ev.entityId : null)),
    };
  });
};
