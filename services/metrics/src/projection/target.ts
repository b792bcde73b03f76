import type { Pool, PoolClient } from 'pg';
import { checkOut, withTransaction } from '@fixlify/db';

/**
 * Where a projection lives. `public` is the live projection (workflow counters on
 * automation_workflows); any other schema is a scratch copy with the same table definitions
 * (counters in automation_workflow_counters), built by a rebuild or a test and compared with
 * the live one before anyone trusts it.
 */
export interface ProjectionTarget {
  schema: string;
  counters: 'automation_workflows' | 'automation_workflow_counters';
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const projectionTarget = (schema = 'public'): ProjectionTarget => {
  // interpolated into SQL: only plain lower-case identifiers
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid projection schema name "${schema}" (expected ${SCHEMA_NAME.source})`);
  return { schema, counters: schema === 'public' ? 'automation_workflows' : 'automation_workflow_counters' };
};

/** Schema-qualified table name. */
export const table = (t: ProjectionTarget, name: string): string => `"${t.schema}".${name}`;

/** Advisory-lock key a rebuild holds exclusively and every live batch holds shared. */
export const rebuildLockKey = (t: ProjectionTarget): string => `fixlify-projection-rebuild:${t.schema}`;
/** Advisory-lock key that serialises the batches of one partition, whichever projector runs them. */
export const partitionLockKey = (t: ProjectionTarget, topic: string): string => `fixlify-projection:${t.schema}:${topic}`;

/** Creates a scratch projection schema (same definitions as the live tables) when missing. */
export const ensureProjectionSchema = async (pool: Pool, t: ProjectionTarget): Promise<void> => {
  if (t.schema === 'public') return; // the migrations own the live tables
  await withTransaction(pool, async (db) => {
    // concurrent CREATE … IF NOT EXISTS can still collide: serialise them
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fixlify-projection-schema:${t.schema}`]);
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`);
    for (const name of ['automation_execution_logs', 'automation_metrics', 'automation_projection_offsets'])
      await db.query(`CREATE TABLE IF NOT EXISTS ${table(t, name)} (LIKE public.${name} INCLUDING ALL)`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${table(t, 'automation_workflow_counters')} (
      workflow_id uuid PRIMARY KEY,
      organization_id uuid NOT NULL,
      execution_count int NOT NULL DEFAULT 0,
      success_count int NOT NULL DEFAULT 0,
      failure_count int NOT NULL DEFAULT 0,
      last_triggered_at timestamptz)`);
  });
};

/** Drops a scratch projection schema (never the live one). */
export const dropProjectionSchema = async (pool: Pool, t: ProjectionTarget): Promise<void> => {
  if (t.schema === 'public') throw new Error('refusing to drop the public schema');
  await pool.query(`DROP SCHEMA IF EXISTS "${t.schema}" CASCADE`);
  await pool.query('DELETE FROM public.automation_projection_deferred_indexes WHERE schema_name = $1', [t.schema]);
};

/** Tables a rebuild refills, whose secondary indexes it builds once at the end instead of row by row. */
const REFILLED = ['automation_execution_logs', 'automation_metrics'];
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Records the definitions of the refilled tables' secondary indexes (not those behind a primary
 * key or constraint) in automation_projection_deferred_indexes, then drops them. In the caller's
 * transaction, so the record and the drop go together.
 */
export const deferSecondaryIndexes = async (db: PoolClient, t: ProjectionTarget): Promise<string[]> => {
  await db.query(
    `INSERT INTO public.automation_projection_deferred_indexes (schema_name, index_name, definition)
     SELECT i.schemaname, i.indexname, i.indexdef FROM pg_indexes i
     WHERE i.schemaname = $1 AND i.tablename = ANY($2::text[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = i.schemaname AND c.conname = i.indexname)
     ON CONFLICT DO NOTHING`,
    [t.schema, REFILLED],
  );
  const rows = await db.query<{ index_name: string }>(
    'SELECT index_name FROM public.automation_projection_deferred_indexes WHERE schema_name = $1 ORDER BY index_name',
    [t.schema],
  );
  for (const r of rows.rows) await db.query(`DROP INDEX IF EXISTS ${ident(t.schema)}.${ident(r.index_name)}`);
  return rows.rows.map((r) => r.index_name);
};

/** Creates the deferred indexes of a projection again and forgets them; returns their names. */
export const restoreDeferredIndexes = async (pool: Pool, t: ProjectionTarget): Promise<string[]> => {
  const rows = await pool.query<{ index_name: string; definition: string }>(
    'SELECT index_name, definition FROM public.automation_projection_deferred_indexes WHERE schema_name = $1 ORDER BY index_name',
    [t.schema],
  );
  for (const r of rows.rows) {
    // a rebuild that died after creating some of them: IF NOT EXISTS makes this repeatable
    // and an index of a partitioned table reads `ON ONLY t` in pg_indexes (the parent alone): made on
    // the whole table again, it is built on every partition
    await pool.query(r.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ').replace(/ ON ONLY /, ' ON '));
    await pool.query('DELETE FROM public.automation_projection_deferred_indexes WHERE schema_name = $1 AND index_name = $2', [t.schema, r.index_name]);
  }
  return rows.rows.map((r) => r.index_name);
};

/**
 * At a live projector's start: indexes deferred by a rebuild that died are created again, unless a
 * rebuild of this projection is running right now (it will create them when it ends).
 */
export const restoreIndexesLeftByDeadRebuild = async (pool: Pool, t: ProjectionTarget): Promise<string[]> => {
  const { client: db, release } = await checkOut(pool);
  try {
    const got = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), 0) AS ok', [rebuildLockKey(t)]);
    if (!got.rows[0]?.ok) return [];
    try {
      return await restoreDeferredIndexes(pool, t);
    } finally {
      await db.query('SELECT pg_advisory_unlock(hashtext($1), 0)', [rebuildLockKey(t)]);
    }
  } finally {
    release();
  }
};
