import type { Pool, PoolClient } from 'pg';

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
  const db: PoolClient = await pool.connect();
  try {
    await db.query('BEGIN');
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
    await db.query('COMMIT');
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    db.release();
  }
};

/** Drops a scratch projection schema (never the live one). */
export const dropProjectionSchema = async (pool: Pool, t: ProjectionTarget): Promise<void> => {
  if (t.schema === 'public') throw new Error('refusing to drop the public schema');
  await pool.query(`DROP SCHEMA IF EXISTS "${t.schema}" CASCADE`);
};
