import { entityTable, isUuid } from '@fixlify/contracts';
import type { Pool } from 'pg';
import { ApiError } from '../http/errors';

/**
 * The executor loads records by id: a manual run or test run that names another organization's
 * record would read it into the context. Such ids answer 404 as if they did not exist.
 */
export const assertOwnedEntity = async (pool: Pool, organizationId: string, type: string, id: string): Promise<void> => {
  const table = entityTable(type);
  if (!table) return;
  if (!isUuid(id)) throw new ApiError('not_found', `${type} ${id} not found`);
  // table names come from the fixed map of libs/contracts (ENTITY_TABLES)
  const r = await pool.query(`SELECT 1 FROM ${table} WHERE id = $1 AND organization_id = $2`, [id, organizationId]);
  if (r.rowCount !== 1) throw new ApiError('not_found', `${type} ${id} not found`);
};

/** The references the executor follows from a sample record (client_id, job_id, technician_id). */
export const assertOwnedRefs = async (pool: Pool, organizationId: string, after: Record<string, unknown> | undefined): Promise<void> => {
  if (!after) return;
  for (const [field, type] of [
    ['client_id', 'client'],
    ['job_id', 'job'],
    ['technician_id', 'technician'],
  ] as const) {
    const v = after[field];
    if (typeof v === 'string' && v) await assertOwnedEntity(pool, organizationId, type, v);
  }
};

/**
 * An id that names no particular kind of record (a test run of a manual, webhook or clock trigger
 * given an entityId): it must be a record of this organization, of any kind; otherwise 404, the
 * same answer whether it exists elsewhere or nowhere.
 */
export const assertOwnedRecord = async (pool: Pool, organizationId: string, id: string): Promise<void> => {
  if (!isUuid(id)) throw new ApiError('not_found', `record ${id} not found`);
  const r = await pool.query(
    `SELECT 1 WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND organization_id = $2) OR EXISTS (SELECT 1 FROM invoices WHERE id = $1 AND organization_id = $2)
        OR EXISTS (SELECT 1 FROM clients WHERE id = $1 AND organization_id = $2) OR EXISTS (SELECT 1 FROM estimates WHERE id = $1 AND organization_id = $2)
        OR EXISTS (SELECT 1 FROM technicians WHERE id = $1 AND organization_id = $2) OR EXISTS (SELECT 1 FROM tasks WHERE id = $1 AND organization_id = $2)`,
    [id, organizationId],
  );
  if (r.rowCount !== 1) throw new ApiError('not_found', `record ${id} not found`);
};
