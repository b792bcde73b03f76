import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { checkOut, dropExpiredLogPartitions, ensureLogPartitions, pruneOrganizationLogs, pruneTables, relationSizes, type PruneOutcome } from '@fixlify/db';
import { registry, topicDiskBytes, topicRetentionMs, type Logger } from '@fixlify/kafka';
import { readSnapshot, takeProjectionSnapshot } from '../projection/snapshot';
import type { ProjectionTarget } from '../projection/target';

/**
 * The storage lifecycle of the live tables (README "Storage"), run by services/metrics: every
 * interval, one instance at a time (a session advisory lock), it creates the coming weeks' partitions
 * of the execution logs, drops the expired ones, and prunes what no longer protects anything in
 * bounded batches. The dedupe records are kept for the events topic's retention as the broker has it
 * at that moment (plus a margin), so lengthening the replay window can never make a replay run twice.
 * It also measures the disks: the database and its tables, and the brokers' logs per topic.
 */

export const prunedRows = new Counter({
  name: 'fixlify_pruned_rows_total',
  help: 'Rows deleted by the storage lifecycle, per table',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const logPartitionsDropped = new Counter({
  name: 'fixlify_execution_log_partitions_dropped_total',
  help: 'Weekly partitions of the execution logs dropped after their retention',
  registers: [registry],
});
export const lifecycleLastSuccess = new Gauge({
  name: 'fixlify_lifecycle_last_success_timestamp_seconds',
  help: 'Unix time the storage lifecycle last completed a pass; alert when it stops moving',
  registers: [registry],
});
export const snapshotTakenAt = new Gauge({
  name: 'fixlify_projection_snapshot_timestamp_seconds',
  help: 'Unix time of the latest projection snapshot (a rebuild after the oldest results are gone starts from it)',
  registers: [registry],
});
export const databaseBytes = new Gauge({
  name: 'fixlify_database_bytes',
  help: 'Size of the database on disk (pg_database_size)',
  registers: [registry],
});
export const tableBytes = new Gauge({
  name: 'fixlify_table_bytes',
  help: 'Size of an automation table on disk, indexes and TOAST included (all partitions of a partitioned one)',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const kafkaLogBytes = new Gauge({
  name: 'fixlify_kafka_log_bytes',
  help: "Size of a topic's logs on the brokers' disks, every replica counted (Kafka DescribeLogDirs)",
  labelNames: ['topic'] as const,
  registers: [registry],
});

export interface LifecycleDeps {
  pool: Pool;
  admin: () => Promise<Admin>;
  log: Logger;
  eventsTopic: string;
  executionLogRetentionDays: number;
  intervalMs: number;
  /** brokers whose log sizes are measured, as KAFKA_BROKERS lists them (plain listeners) */
  brokers: string;
  /** the projection snapshotted every `everyMs` (README "Storage": rebuilds without the whole log) */
  snapshot?: { target: ProjectionTarget; consumer: string; topic: string; everyMs: number };
  now?: () => Date;
}

export interface LifecycleReport {
  partitionsCreated: string[];
  partitionsDropped: string[];
  partitionsKept: string[];
  /** execution logs deleted for organizations that keep them for less than the deployment */
  organizationLogsDeleted: number;
  eventsRetentionMs: number;
  pruned: PruneOutcome[];
  /** when a snapshot was taken by this pass */
  snapshotTaken: string | null;
}

const LOCK = 'fixlify-storage-lifecycle';

/** Sizes of the database, the automation tables and the topics, into the gauges. */
export const measureDisks = async (d: Pick<LifecycleDeps, 'pool' | 'brokers' | 'log'>): Promise<void> => {
  const db = await d.pool.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n');
  databaseBytes.set(Number(db.rows[0]!.n));
  for (const [t, n] of await relationSizes(d.pool)) tableBytes.set({ table: t }, n);
  try {
    for (const [topic, n] of await topicDiskBytes(d.brokers)) kafkaLogBytes.set({ topic }, n);
  } catch (e) {
    d.log.warn({ err: e }, 'could not measure the brokers’ log sizes');
  }
};

/** One pass; null when another instance holds the lifecycle lock. */
export const runLifecyclePass = async (d: LifecycleDeps): Promise<LifecycleReport | null> => {
  const { client: lock, release } = await checkOut(d.pool);
  try {
    const got = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [LOCK]);
    if (!got.rows[0]?.ok) return null;
    try {
      const now = (d.now ?? (() => new Date()))();
      const partitionsCreated = await ensureLogPartitions(d.pool, now);
      const { dropped, kept, defaultRowsDeleted } = await dropExpiredLogPartitions(d.pool, now, d.executionLogRetentionDays);
      if (defaultRowsDeleted) prunedRows.inc({ table: 'automation_execution_logs_default' }, defaultRowsDeleted);
      const shorter = await pruneOrganizationLogs(d.pool, { now, deploymentDays: d.executionLogRetentionDays, pauseMs: 20 });
      if (shorter.deleted) prunedRows.inc({ table: 'automation_execution_logs' }, shorter.deleted);
      logPartitionsDropped.inc(dropped.length);
      const eventsRetentionMs = await topicRetentionMs(await d.admin(), d.eventsTopic);
      const pruned = await pruneTables(d.pool, { now, eventsRetentionMs, pauseMs: 20 });
      for (const p of pruned) if (p.deleted) prunedRows.inc({ table: p.table }, p.deleted);
      let snapshotTaken: string | null = null;
      if (d.snapshot) {
        const last = await readSnapshot(d.pool, d.snapshot.target);
        if (!last || now.getTime() - last.takenAt.getTime() >= d.snapshot.everyMs) {
          const s = await takeProjectionSnapshot(d.pool, d.snapshot.target, d.snapshot.consumer, d.snapshot.topic);
          snapshotTaken = s.takenAt.toISOString();
          snapshotTakenAt.set(s.takenAt.getTime() / 1000);
        } else snapshotTakenAt.set(last.takenAt.getTime() / 1000);
      }
      lifecycleLastSuccess.set(Date.now() / 1000);
      return {
        partitionsCreated,
        partitionsDropped: dropped,
        partitionsKept: kept,
        organizationLogsDeleted: shorter.deleted,
        eventsRetentionMs,
        pruned,
        snapshotTaken,
      };
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK]);
    }
  } finally {
    release();
  }
};

/** Runs a pass now and then every interval; disk sizes every interval too. */
export const startLifecycle = (d: LifecycleDeps): { stop: () => Promise<void> } => {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = async () => {
    try {
      const r = await runLifecyclePass(d);
      if (
        r &&
        (r.partitionsCreated.length ||
          r.partitionsDropped.length ||
          r.partitionsKept.length ||
          r.organizationLogsDeleted ||
          r.snapshotTaken ||
          r.pruned.some((p) => p.deleted))
      )
        d.log.info(
          {
            partitionsCreated: r.partitionsCreated,
            partitionsDropped: r.partitionsDropped,
            partitionsKeptForOpenExecutions: r.partitionsKept,
            snapshotTaken: r.snapshotTaken,
            organizationLogsDeleted: r.organizationLogsDeleted,
            pruned: Object.fromEntries(r.pruned.filter((p) => p.deleted).map((p) => [p.table, p.deleted])),
          },
          'storage lifecycle pass',
        );
      await measureDisks(d);
    } catch (e) {
      d.log.error({ err: e }, 'storage lifecycle pass failed; next pass at the next interval');
    }
  };
  running = pass();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(pass);
  }, d.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
};
