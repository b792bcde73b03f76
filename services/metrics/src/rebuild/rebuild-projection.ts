import type { Kafka } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@fixlify/kafka';
import { checkOut } from '@fixlify/db';
import { startProjector } from '../projection/projector';
import { deferSecondaryIndexes, ensureProjectionSchema, rebuildLockKey, restoreDeferredIndexes, table, type ProjectionTarget } from '../projection/target';
import { loadSnapshot, readSnapshot, uncoveredPartitions, type SnapshotInfo } from '../projection/snapshot';

/**
 * Where a rebuild starts: `beginning` folds every result the topic still has; `snapshot` loads the
 * latest snapshot and folds the results after it; `auto` (the default) starts from the beginning
 * while the topic still holds its first result on every partition, else from the snapshot, and
 * refuses when neither gives the whole history.
 */
export type RebuildFrom = 'auto' | 'snapshot' | 'beginning';

/** Refused: the rebuild asked for cannot give the projection's whole history. */
export class RebuildRefused extends Error {}

export interface RebuildCommand {
  topic: string;
  target: ProjectionTarget;
  /** the name its offsets rows get: the live projector's, so it resumes where the rebuild stopped */
  consumerName: string;
  /** a fresh consumer group (deleted at the end) */
  groupId: string;
  /** partitions projected at once */
  concurrency: number;
  /** fetch size per partition (bytes); default 16 MiB */
  maxBytesPerPartition?: number;
  /** default `auto` */
  from?: RebuildFrom;
  /** the projection whose snapshot is loaded; default the target (a scratch rebuild of `public` names `public`) */
  snapshotOf?: ProjectionTarget;
}

export interface RebuildReport {
  topic: string;
  schema: string;
  /** results read up to the end offsets captured at the start */
  results: number;
  /** results that changed the projection (the rest were duplicates) */
  applied: number;
  executionLogs: number;
  metricsRows: number;
  /** from the lock being taken to the last batch committed */
  seconds: number;
  resultsPerSecond: number;
  from: 'beginning' | 'snapshot';
  /** when the snapshot loaded was taken */
  snapshotTakenAt: string | null;
}

/**
 * Clears a projection: its rows, its counters and every consumer's offsets (they all point into the
 * cleared rows), and defers the secondary indexes of the tables about to be refilled.
 */
const clearProjection = async (
  db: PoolClient,
  t: ProjectionTarget,
  c: { consumerName: string; topic: string; starts: Map<number, string>; snapshot: SnapshotInfo | null },
): Promise<string[]> => {
  await db.query('BEGIN');
  try {
    await db.query(`TRUNCATE ${table(t, 'automation_execution_logs')}, ${table(t, 'automation_metrics')}, ${table(t, 'automation_projection_offsets')}`);
    // the projection's position is the start of the log, not "unknown": a live projector of this
    // name that is further on (paused meanwhile, or after this rebuild dies) goes back to it
    await db.query(
      `INSERT INTO ${table(t, 'automation_projection_offsets')} (consumer, topic, partition, next_offset) SELECT $1, $2, p, o FROM unnest($3::int[], $4::bigint[]) AS x(p, o)`,
      [c.consumerName, c.topic, [...c.starts.keys()], [...c.starts.values()]],
    );
    const deferred = await deferSecondaryIndexes(db, t);
    if (t.counters === 'automation_workflows')
      // only rows that moved: every update is a change event the CDC pipeline has to carry
      await db.query(
        `UPDATE public.automation_workflows SET execution_count = 0, success_count = 0, failure_count = 0, last_triggered_at = NULL
         WHERE execution_count <> 0 OR success_count <> 0 OR failure_count <> 0 OR last_triggered_at IS NOT NULL`,
      );
    else await db.query(`TRUNCATE ${table(t, 'automation_workflow_counters')}`);
    if (c.snapshot) await loadSnapshot(db, t, c.snapshot, c.consumerName);
    await db.query('COMMIT');
    return deferred;
  } catch (e) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
};

/** The snapshot a rebuild starts from (null: from the beginning), or why it cannot run. */
const chooseStart = async (pool: Pool, c: RebuildCommand, lows: Map<number, bigint>): Promise<SnapshotInfo | null> => {
  const from = c.from ?? 'auto';
  const trimmed = [...lows].filter(([, low]) => low > 0n).map(([p, low]) => `partition ${p} from offset ${low}`);
  if (from === 'beginning') return null;
  if (from === 'auto' && trimmed.length === 0) return null;
  const of = c.snapshotOf ?? c.target;
  const snapshot = await readSnapshot(pool, of);
  const why = !snapshot
    ? `${of.schema} has no snapshot`
    : snapshot.topic !== c.topic
      ? `the snapshot of ${of.schema} is of ${snapshot.topic}, not ${c.topic}`
      : (() => {
          const gaps = uncoveredPartitions(snapshot.offsets, lows);
          return gaps.length
            ? `the snapshot of ${of.schema} (${snapshot.takenAt.toISOString()}) is older than the results kept: ${gaps
                .map((g) => `partition ${g.partition} needs offset ${g.from}, the topic starts at ${g.low}`)
                .join('; ')}`
            : null;
        })();
  if (!why) return snapshot;
  if (from === 'snapshot') throw new RebuildRefused(`cannot rebuild from a snapshot: ${why}`);
  throw new RebuildRefused(
    `the oldest step results of ${c.topic} are gone (retention; it now holds ${trimmed.join(', ')}) and ${why}: a rebuild from the beginning would lose them. ` +
      'Take a snapshot first (the metrics service takes one a day), or rebuild with --from beginning to accept a projection of what is left.',
  );
};

/**
 * Drops a projection and replays its topic from the beginning (or from its snapshot, see
 * RebuildFrom) up to the end offsets captured at the start (principle 1: the log is the truth). Holds the target's rebuild lock exclusively for
 * the whole run: live projectors of the same target take it shared in every batch, so they pause
 * (and resume after the rebuild's offsets) instead of writing into half-built tables.
 */
export const rebuildProjection = async (o: { pool: Pool; kafka: Kafka; log: Logger; command: RebuildCommand }): Promise<RebuildReport> => {
  const { command: c, log } = o;
  await ensureProjectionSchema(o.pool, c.target);
  const { client: lock, release: releaseLock } = await checkOut(o.pool);
  const admin = o.kafka.admin();
  await admin.connect();
  try {
    const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1), 0) AS ok', [rebuildLockKey(c.target)]);
    if (!got.rows[0]?.ok) {
      log.info({ schema: c.target.schema }, 'waiting for the live projectors’ open batches (or another rebuild) to finish');
      await lock.query('SELECT pg_advisory_lock(hashtext($1), 0)', [rebuildLockKey(c.target)]);
    }
    const t0 = process.hrtime.bigint();
    const offsets = await admin.fetchTopicOffsets(c.topic);
    const ends = new Map<number, bigint>();
    for (const p of offsets) if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    const snapshot = await chooseStart(o.pool, c, new Map(offsets.map((p) => [p.partition, BigInt(p.low)])));
    log.info(
      {
        topic: c.topic,
        schema: c.target.schema,
        from: snapshot ? `snapshot of ${snapshot.takenAt.toISOString()}` : 'beginning',
        ends: Object.fromEntries([...ends].map(([p, e]) => [p, e.toString()])),
      },
      'rebuilding projection',
    );
    const deferred = await clearProjection(lock, c.target, {
      consumerName: c.consumerName,
      topic: c.topic,
      starts: new Map(offsets.map((p) => [p.partition, p.low])),
      snapshot,
    });

    let results = 0;
    let applied = 0;
    if (ends.size > 0) {
      const projector = await startProjector({
        kafka: o.kafka,
        pool: o.pool,
        groupId: c.groupId,
        consumerName: c.consumerName,
        topic: c.topic,
        target: c.target,
        log,
        fromBeginning: true,
        pauseDuringRebuild: false,
        asyncCommit: true,
        concurrency: c.concurrency,
        maxBytesPerPartition: c.maxBytesPerPartition ?? 16 * 1024 * 1024,
      });
      const ticker = setInterval(() => {
        const p = projector.progress();
        log.info({ consumed: p.consumed, applied: p.applied }, 'rebuild progress');
      }, 5000);
      try {
        await projector.caughtUp(ends);
      } finally {
        clearInterval(ticker);
        const p = projector.progress();
        results = p.consumed;
        applied = p.applied;
        await projector.stop();
        await admin.deleteGroups([c.groupId]).catch((e: unknown) => log.warn({ err: e, groupId: c.groupId }, 'could not delete the rebuild consumer group'));
      }
    }
    // bulk load done: each index built once from the full table
    const tIndexes = process.hrtime.bigint();
    await restoreDeferredIndexes(o.pool, c.target);
    log.info({ indexes: deferred, seconds: Number(process.hrtime.bigint() - tIndexes) / 1e9 }, 'secondary indexes built');
    // one synchronous commit flushes the WAL of every asynchronous one before it
    await lock.query(`UPDATE ${table(c.target, 'automation_projection_offsets')} SET updated_at = now() WHERE consumer = $1`, [c.consumerName]);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const counts = await lock.query<{ logs: string; metrics: string }>(
      `SELECT (SELECT count(*) FROM ${table(c.target, 'automation_execution_logs')}) AS logs, (SELECT count(*) FROM ${table(c.target, 'automation_metrics')}) AS metrics`,
    );
    return {
      topic: c.topic,
      schema: c.target.schema,
      results,
      applied,
      executionLogs: Number(counts.rows[0]!.logs),
      metricsRows: Number(counts.rows[0]!.metrics),
      seconds,
      resultsPerSecond: seconds > 0 ? Math.round(results / seconds) : 0,
      from: snapshot ? 'snapshot' : 'beginning',
      snapshotTakenAt: snapshot?.takenAt.toISOString() ?? null,
    };
  } finally {
    await lock.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    releaseLock();
    await admin.disconnect();
  }
};
