import type { Pool, PoolClient } from 'pg';
import { checkOut, logPartitions, withTransaction } from '@fixlify/db';
import { table, type ProjectionTarget } from './target';

/**
 * A snapshot of a projection: a consistent copy of its tables (execution logs, metrics, workflow
 * counters) and of the offsets it had reached, in a schema of its own. The step-results topic keeps
 * only its retention (RETENTION.stepResultsDays); a rebuild after the oldest results are gone
 * starts from the latest snapshot and folds the results after its offsets, and ends with the same
 * rows as the incremental projection (README "Storage"). services/metrics takes one for the live
 * projection every RETENTION.snapshotEveryHours.
 *
 * Consistent because the projector commits its rows and its offsets in one transaction: the copy is
 * made in one REPEATABLE READ transaction, so it sees one moment of both. The new copy is built
 * beside the old one and swapped in by renaming, so a crash leaves the previous snapshot whole.
 */

export interface SnapshotInfo {
  schema: string;
  consumer: string;
  takenAt: Date;
  /** next offset per partition of the results topic at the moment of the copy */
  offsets: Map<number, bigint>;
  topic: string;
  executionLogs: number;
  metricsRows: number;
}

/** The schema a projection's snapshot lives in. */
export const snapshotSchema = (t: ProjectionTarget): string => (t.schema === 'public' ? 'automation_projection_snapshot' : `${t.schema}_snapshot`.slice(0, 63));

const q = (schema: string, name: string): string => `"${schema}".${name}`;

/** Copies the projection `t` as projector `consumer` of `topic` has it now. */
export const takeProjectionSnapshot = async (pool: Pool, t: ProjectionTarget, consumer: string, topic: string): Promise<SnapshotInfo> => {
  const schema = snapshotSchema(t);
  const building = `${schema}_new`.slice(0, 63);
  const { client: db, release } = await checkOut(pool);
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      // one snapshot at a time per projection
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fixlify-projection-snapshot:${t.schema}`]);
      await db.query(`DROP SCHEMA IF EXISTS "${building}" CASCADE`);
      await db.query(`CREATE SCHEMA "${building}"`);
      const logs = await db.query(`CREATE TABLE ${q(building, 'automation_execution_logs')} AS SELECT * FROM ${table(t, 'automation_execution_logs')}`);
      const metrics = await db.query(`CREATE TABLE ${q(building, 'automation_metrics')} AS SELECT * FROM ${table(t, 'automation_metrics')}`);
      await db.query(
        t.counters === 'automation_workflows'
          ? `CREATE TABLE ${q(building, 'automation_workflow_counters')} AS
               SELECT id AS workflow_id, organization_id, execution_count, success_count, failure_count, last_triggered_at FROM public.automation_workflows
               WHERE execution_count <> 0 OR success_count <> 0 OR failure_count <> 0 OR last_triggered_at IS NOT NULL`
          : `CREATE TABLE ${q(building, 'automation_workflow_counters')} AS SELECT * FROM ${table(t, 'automation_workflow_counters')}`,
      );
      await db.query(
        `CREATE TABLE ${q(building, 'automation_projection_offsets')} AS SELECT consumer, topic, partition, next_offset FROM ${table(t, 'automation_projection_offsets')}
         WHERE consumer = $1 AND topic = $2`,
        [consumer, topic],
      );
      // the counts of the copy, so reading the snapshot's info never scans it
      await db.query(
        `CREATE TABLE ${q(building, 'snapshot_info')} AS SELECT now() AS taken_at, $1::text AS consumer, $2::text AS topic, $3::bigint AS execution_logs, $4::bigint AS metrics_rows`,
        [consumer, topic, logs.rowCount ?? 0, metrics.rowCount ?? 0],
      );
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.query(`ALTER SCHEMA "${building}" RENAME TO "${schema}"`);
      await db.query('COMMIT');
    } catch (e) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    release();
  }
  const info = await readSnapshot(pool, t);
  if (!info) throw new Error(`the snapshot of ${t.schema} vanished right after it was taken`);
  return info;
};

/** The latest snapshot of `t`, or null when there is none. */
export const readSnapshot = async (pool: Pool | PoolClient, t: ProjectionTarget): Promise<SnapshotInfo | null> => {
  const schema = snapshotSchema(t);
  const exists = await pool.query(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'snapshot_info'`, [schema]);
  if (!exists.rowCount) return null;
  const info = await pool.query<{ taken_at: Date; consumer: string; topic: string; logs: string; metrics: string }>(
    `SELECT taken_at, consumer, topic, execution_logs AS logs, metrics_rows AS metrics FROM ${q(schema, 'snapshot_info')}`,
  );
  const row = info.rows[0];
  if (!row) return null;
  const offsets = await pool.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset FROM ${q(schema, 'automation_projection_offsets')}`,
  );
  return {
    schema,
    consumer: row.consumer,
    topic: row.topic,
    takenAt: row.taken_at,
    offsets: new Map(offsets.rows.map((r) => [r.partition, BigInt(r.next_offset)])),
    executionLogs: Number(row.logs),
    metricsRows: Number(row.metrics),
  };
};

/**
 * Whether a rebuild from `snapshot` sees every result after it: on each partition the topic still
 * holds the snapshot's next offset (or the partition is new since). Answers the partitions that do
 * not, with what is missing.
 */
export const uncoveredPartitions = (
  snapshotOffsets: ReadonlyMap<number, bigint>,
  lows: ReadonlyMap<number, bigint>,
): { partition: number; from: bigint; low: bigint }[] =>
  [...lows]
    .map(([partition, low]) => ({ partition, from: snapshotOffsets.get(partition) ?? 0n, low }))
    .filter((p) => p.low > p.from)
    .sort((a, b) => a.partition - b.partition);

/**
 * Loads a snapshot into a cleared projection (in the rebuild's transaction): its rows, its counters
 * and, as the offsets the projector resumes from, the snapshot's. Rows of weeks the live table no
 * longer has a partition for (dropped by the lifecycle after the snapshot) are not brought back.
 */
export const loadSnapshot = async (db: PoolClient, t: ProjectionTarget, s: SnapshotInfo, consumerName: string): Promise<void> => {
  const weeks = (await logPartitions(db, t.schema)).flatMap((p) => (p.week ? [p.week.getTime()] : []));
  const oldest = weeks.length ? new Date(Math.min(...weeks)) : null;
  await db.query(
    `INSERT INTO ${table(t, 'automation_execution_logs')} SELECT * FROM ${q(s.schema, 'automation_execution_logs')} WHERE $1::timestamptz IS NULL OR created_at >= $1`,
    [oldest],
  );
  await db.query(`INSERT INTO ${table(t, 'automation_metrics')} SELECT * FROM ${q(s.schema, 'automation_metrics')}`);
  if (t.counters === 'automation_workflows')
    await db.query(
      `UPDATE public.automation_workflows w SET execution_count = s.execution_count, success_count = s.success_count, failure_count = s.failure_count,
         last_triggered_at = s.last_triggered_at FROM ${q(s.schema, 'automation_workflow_counters')} s WHERE s.workflow_id = w.id`,
    );
  else await db.query(`INSERT INTO ${table(t, 'automation_workflow_counters')} SELECT * FROM ${q(s.schema, 'automation_workflow_counters')}`);
  await db.query(
    `UPDATE ${table(t, 'automation_projection_offsets')} o SET next_offset = s.next_offset FROM ${q(s.schema, 'automation_projection_offsets')} s
     WHERE o.consumer = $1 AND o.topic = s.topic AND o.partition = s.partition`,
    [consumerName],
  );
};

/** Drops a projection's snapshot (when its projection is dropped). */
export const dropSnapshot = async (pool: Pool, t: ProjectionTarget): Promise<void> => {
  await withTransaction(pool, async (db) => {
    await db.query(`DROP SCHEMA IF EXISTS "${snapshotSchema(t)}" CASCADE`);
    await db.query(`DROP SCHEMA IF EXISTS "${snapshotSchema(t)}_new" CASCADE`);
  });
};
