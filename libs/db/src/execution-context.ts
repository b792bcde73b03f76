import type { Pool } from 'pg';
import { entityTable, type DomainEvent, isUuid } from '@fixlify/contracts';

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

const rowJson = (r: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out;
};

const uuids = (ids: Set<string>): string[] => [...ids].filter(isUuid);

const rowsOf = async (pool: Pool, sql: string, params: string[][]): Promise<Map<string, Record<string, unknown>>> => {
  const res = await pool.query(sql, params);
  return new Map(res.rows.map((r: Record<string, unknown>) => [String(r.id), rowJson(r)]));
};
const none = Promise.resolve(new Map<string, Record<string, unknown>>());

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/**
 * Loads what templates and conditions may refer to — the entity, its client, job, invoice,
 * estimate, technician and organization — for all the executions of a batch in one round trip
 * (a few queries in parallel; what entities point at is found by subqueries, not a second round).
 * A row of another organization than the event's is never used.
 */
/** The tables whose rows a context carries (a task or an organization event carries its row as the event's `after`). */
const LOADED_TABLES = ['jobs', 'invoices', 'estimates', 'clients', 'technicians'] as const;
const loadedTable = (entityType: string): string | null => {
  const t = entityTable(entityType);
  return t && (LOADED_TABLES as readonly string[]).includes(t) ? t : null;
};

export const loadContexts = async (pool: Pool, events: DomainEvent[]): Promise<ExecutionContext[]> => {
  const want: Record<string, Set<string>> = Object.fromEntries(LOADED_TABLES.map((t) => [t, new Set<string>()]));
  const orgs = new Set<string>();
  for (const ev of events) {
    orgs.add(ev.organizationId);
    const table = loadedTable(ev.entityType);
    if (table && ev.entityId) want[table]!.add(ev.entityId);
  }
  const [jobIds, invoiceIds, estimateIds, clientIds, techIds, orgIds] = [
    uuids(want.jobs!),
    uuids(want.invoices!),
    uuids(want.estimates!),
    uuids(want.clients!),
    uuids(want.technicians!),
    uuids(orgs),
  ];
  const anyJobs = jobIds.length + invoiceIds.length + estimateIds.length > 0;
  // the jobs of the batch: the entities, and those the invoices and estimates belong to
  const jobSet = `(SELECT unnest($1::uuid[]) UNION SELECT job_id FROM invoices WHERE id = ANY($2::uuid[]) UNION SELECT job_id FROM estimates WHERE id = ANY($3::uuid[]))`;
  const [jobs, invoices, estimates, clients, technicians, organizations] = await Promise.all([
    anyJobs ? rowsOf(pool, `SELECT * FROM jobs WHERE id IN ${jobSet}`, [jobIds, invoiceIds, estimateIds]) : none,
    invoiceIds.length ? rowsOf(pool, 'SELECT * FROM invoices WHERE id = ANY($1::uuid[])', [invoiceIds]) : none,
    estimateIds.length ? rowsOf(pool, 'SELECT * FROM estimates WHERE id = ANY($1::uuid[])', [estimateIds]) : none,
    // one IN over a UNION of key lookups (an OR of subqueries would make PostgreSQL scan the table)
    anyJobs || clientIds.length
      ? rowsOf(
          pool,
          `SELECT * FROM clients WHERE id IN (
             SELECT unnest($4::uuid[])
             UNION SELECT client_id FROM jobs WHERE id IN ${jobSet}
             UNION SELECT client_id FROM invoices WHERE id = ANY($2::uuid[])
             UNION SELECT client_id FROM estimates WHERE id = ANY($3::uuid[]))`,
          [jobIds, invoiceIds, estimateIds, clientIds],
        )
      : none,
    anyJobs || techIds.length
      ? rowsOf(pool, `SELECT * FROM technicians WHERE id IN (SELECT unnest($4::uuid[]) UNION SELECT technician_id FROM jobs WHERE id IN ${jobSet})`, [
          jobIds,
          invoiceIds,
          estimateIds,
          techIds,
        ])
      : none,
    orgIds.length ? rowsOf(pool, 'SELECT * FROM organizations WHERE id = ANY($1::uuid[])', [orgIds]) : none,
  ]);
  const tables: Record<string, Map<string, Record<string, unknown>>> = { jobs, invoices, estimates, clients, technicians, organizations };

  return events.map((ev) => {
    const org = ev.organizationId;
    const get = (t: string, id: string | null): Record<string, unknown> | null => {
      const row = id ? tables[t]?.get(id.toLowerCase()) : undefined;
      if (!row) return null;
      return (t === 'organizations' ? row.id : row.organization_id) === org ? row : null;
    };
    const table = loadedTable(ev.entityType);
    const entity = table ? (get(table, ev.entityId) ?? ev.after) : null;
    const job = ev.entityType === 'job' ? entity : get('jobs', str(entity?.job_id));
    const client = ev.entityType === 'client' ? entity : get('clients', str(entity?.client_id) ?? str(job?.client_id));
    return {
      event: { id: ev.eventId, type: ev.type, entityType: ev.entityType, entityId: ev.entityId, occurredAt: ev.occurredAt, organizationId: ev.organizationId },
      trigger: ev.data,
      before: ev.before,
      after: ev.after,
      organization: get('organizations', org),
      client,
      job,
      invoice: ev.entityType === 'invoice' ? entity : null,
      estimate: ev.entityType === 'estimate' ? entity : null,
      technician: get('technicians', str(job?.technician_id) ?? (ev.entityType === 'technician' ? ev.entityId : null)),
    };
  });
};
