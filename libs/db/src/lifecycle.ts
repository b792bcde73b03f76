import type { Pool, PoolClient } from 'pg';
import { DAY_MS, RETENTION } from '@fixlify/contracts';
import { withTransaction } from './transaction';

/**
 * The tables' lifecycle (README "Storage"): execution logs are dropped a weekly partition at a time,
 * and the rows nothing needs any more are deleted in bounded batches, each its own short transaction,
 * so live traffic never waits behind a long delete. services/metrics runs a pass every few minutes
 * (one instance at a time); each step is safe to repeat and to interrupt.
 */

export const WEEK_MS = 7 * DAY_MS;
const PARTITION = /^automation_execution_logs_p(\d{4})(\d{2})(\d{2})$/;
const TERMINAL = ['completed', 'failed', 'unknown', 'cancelled'];

/** How a pass deletes: `batch` rows per statement (its own transaction), `pauseMs` between, at most `maxBatches` (the next pass goes on). */
export interface BatchLimits {
  batch?: number;
  pauseMs?: number;
  maxBatches?: number;
}

/**
 * Runs a DELETE of at most `batch` rows (`sql` gets the limit as `${LIMIT}`) until one deletes
 * fewer, pausing between statements, at most `maxBatches` times.
 */
const deleteInBatches = async (pool: Pool, sql: (limit: number) => string, params: unknown[], l: BatchLimits): Promise<{ deleted: number; more: boolean }> => {
  const batch = l.batch ?? 1000;
  let deleted = 0;
  let more = false;
  for (let i = 0; i < (l.maxBatches ?? 100); i++) {
    const n = (await pool.query(sql(batch), params)).rowCount ?? 0;
    deleted += n;
    more = n === batch;
    if (!more) break;
    if (l.pauseMs) await new Promise((res) => setTimeout(res, l.pauseMs));
  }
  return { deleted, more };
};

/** Monday 00:00 UTC of the week holding `d`. */
export const weekStart = (d: Date): Date => {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
};

export const partitionName = (week: Date): string => `automation_execution_logs_p${week.toISOString().slice(0, 10).replace(/-/g, '')}`;

/** The week a partition of automation_execution_logs holds, from its name; null for the default partition or a stranger. */
export const partitionWeek = (name: string): Date | null => {
  const m = PARTITION.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
};

/** The partitions of `schema`'s automation_execution_logs (none when it is a plain table, as in a scratch projection). */
export const logPartitions = async (pool: Pool | PoolClient, schema = 'public'): Promise<{ name: string; week: Date | null }[]> => {
  const r = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     JOIN pg_namespace n ON n.oid = p.relnamespace WHERE p.relname = 'automation_execution_logs' AND n.nspname = $1 ORDER BY c.relname`,
    [schema],
  );
  return r.rows.map((x) => ({ name: x.name, week: partitionWeek(x.name) }));
};

/**
 * Creates the weekly partitions from this week to `weeksAhead` weeks on. Rows the DEFAULT partition
 * holds for a new week (written while it was missing) are moved into it in the same transaction.
 */
export const ensureLogPartitions = async (pool: Pool, now: Date, weeksAhead = 3): Promise<string[]> => {
  const have = new Set((await logPartitions(pool)).map((p) => p.name));
  const created: string[] = [];
  for (let i = 0; i <= weeksAhead; i++) {
    const from = new Date(weekStart(now).getTime() + i * WEEK_MS);
    if (have.has(partitionName(from))) continue;
    created.push(await createLogPartition(pool, from));
  }
  return created;
};

/** Creates the partition of the week starting `week` (a Monday 00:00 UTC), moving its rows out of the DEFAULT partition. */
export const createLogPartition = async (pool: Pool, week: Date): Promise<string> => {
  if (weekStart(week).getTime() !== week.getTime()) throw new Error(`${week.toISOString()} is not the start of a week (Monday 00:00 UTC)`);
  const name = partitionName(week);
  const to = new Date(week.getTime() + WEEK_MS);
  await withTransaction(pool, async (db) => {
    // a partition attached beside a DEFAULT one must not overlap its rows: take them out first
    await db.query('LOCK TABLE automation_execution_logs_default IN ACCESS EXCLUSIVE MODE');
    await db.query(`CREATE TABLE ${name} (LIKE automation_execution_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await db.query(
      `WITH moved AS (DELETE FROM automation_execution_logs_default WHERE created_at >= $1 AND created_at < $2 RETURNING *) INSERT INTO ${name} SELECT * FROM moved`,
      [week, to],
    );
    await db.query(`ALTER TABLE automation_execution_logs ATTACH PARTITION ${name} FOR VALUES FROM ('${week.toISOString()}') TO ('${to.toISOString()}')`);
  });
  return name;
};

/**
 * Drops the weekly partitions that ended more than `retentionDays` ago, unless one of their executions
 * is still under way (a long delay): that partition waits until it has finished. Aggregated metrics
 * are not in these tables and stay.
 */
export const dropExpiredLogPartitions = async (
  pool: Pool,
  now: Date,
  retentionDays: number,
): Promise<{ dropped: string[]; kept: string[]; defaultRowsDeleted: number }> => {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const dropped: string[] = [];
  const kept: string[] = [];
  // rows of weeks that had no partition (the lifecycle did not run for weeks) wait in DEFAULT: they
  // expire row by row, in bounded batches
  const { deleted: defaultRowsDeleted } = await deleteInBatches(
    pool,
    (limit) => `DELETE FROM automation_execution_logs_default WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM automation_execution_logs_default WHERE created_at < $1 AND status = ANY($2::text[]) LIMIT ${limit}))`,
    [new Date(cutoff), TERMINAL],
    {},
  );
  for (const p of await logPartitions(pool)) {
    if (!p.week || p.week.getTime() + WEEK_MS > cutoff) continue;
    const open = await pool.query(`SELECT 1 FROM ${p.name} WHERE NOT (status = ANY($1::text[])) LIMIT 1`, [TERMINAL]);
    if (open.rowCount) {
      kept.push(p.name);
      continue;
    }
    await withTransaction(pool, async (db) => {
      await db.query(`ALTER TABLE automation_execution_logs DETACH PARTITION ${p.name}`);
      await db.query(`DROP TABLE ${p.name}`);
    });
    dropped.push(p.name);
  }
  return { dropped, kept, defaultRowsDeleted };
};

/**
 * The execution logs of organizations that keep them for less than the deployment does
 * (`organizations.execution_log_retention_days`): their finished executions older than that are
 * deleted in bounded batches (by primary key: a partitioned table's ctid is not unique).
 */
export const pruneOrganizationLogs = (pool: Pool, o: { now: Date; deploymentDays: number } & BatchLimits): Promise<{ deleted: number; more: boolean }> =>
  deleteInBatches(
    pool,
    (limit) => `WITH doomed AS (
       SELECT l.id, l.created_at FROM organizations org
       JOIN automation_execution_logs l ON l.organization_id = org.id
       WHERE org.execution_log_retention_days < $2
         AND l.created_at < $1::timestamptz - make_interval(days => org.execution_log_retention_days)
         AND l.status = ANY($3::text[])
       LIMIT ${limit})
     DELETE FROM automation_execution_logs x USING doomed d WHERE x.id = d.id AND x.created_at = d.created_at`,
    [o.now, o.deploymentDays, TERMINAL],
    o,
  );

/** One table's pruning rule: which rows are no longer needed, as of a cutoff. */
export interface PruneRule {
  table: string;
  /** why the rows are kept until then (README "Storage") */
  keptFor: string;
  /** a condition on the table (alias `x`) with $1 = the cutoff; must use an index (created_at) */
  where: string;
  cutoff: (p: { now: Date; eventsRetentionMs: number | null }) => Date | null;
}

const dedupeCutoff = ({ now, eventsRetentionMs }: { now: Date; eventsRetentionMs: number | null }): Date | null =>
  // unlimited events retention: anything could be replayed, so no dedupe record may go
  eventsRetentionMs === null || eventsRetentionMs < 0 ? null : new Date(now.getTime() - eventsRetentionMs - RETENTION.dedupeMarginDays * DAY_MS);

export const PRUNE_RULES: readonly PruneRule[] = [
  {
    table: 'automation_executions',
    keptFor: 'claims stop a replayed or redelivered start from running again: kept as long as the events that could be replayed, plus a margin',
    where: `x.created_at < $1 AND x.state IN ('completed','failed','cancelled')`,
    cutoff: dedupeCutoff,
  },
  {
    table: 'automation_deliveries',
    keptFor: 'the ledger stops a side effect from happening twice: kept like the claims, and while its execution is under way',
    where: `x.created_at < $1 AND NOT EXISTS (SELECT 1 FROM automation_executions e WHERE e.id = x.execution_id AND e.state IN ('running','waiting'))`,
    cutoff: dedupeCutoff,
  },
  {
    table: 'automation_replay_starts',
    keptFor: "a replay's starts stop the same replay from starting an execution twice: kept like the claims",
    where: 'x.created_at < $1',
    cutoff: dedupeCutoff,
  },
  {
    table: 'automation_clock_occurrences',
    keptFor: 'an occurrence claimed stops the clock from firing it twice: kept like the claims',
    where: 'x.created_at < $1',
    cutoff: dedupeCutoff,
  },
  {
    table: 'automation_metrics',
    keptFor: 'hourly metrics rows feed the hourly charts; the daily rows stay as long as the workflow',
    where: `x.period = 'hour' AND x.period_start < $1`,
    cutoff: ({ now }) => new Date(now.getTime() - RETENTION.hourlyMetricsDays * DAY_MS),
  },
  {
    table: 'automation_dead_letter_redrives',
    keptFor: 'a re-drive is shown beside its dead letter, which the topic keeps for its retention',
    where: 'x.last_redriven_at < $1',
    cutoff: ({ now }) => new Date(now.getTime() - (RETENTION.deadLettersDays + RETENTION.dedupeMarginDays) * DAY_MS),
  },
  {
    table: 'user_sessions',
    keptFor: 'until the session expires',
    where: 'x.expires_at < $1',
    cutoff: ({ now }) => now,
  },
];

export interface PruneOutcome {
  table: string;
  deleted: number;
  /** the cutoff used; null when the rule did not run (e.g. unlimited events retention) */
  cutoff: string | null;
  /** more rows remained when the pass stopped at its cap */
  more: boolean;
}

/**
 * Deletes, per rule, the rows older than its cutoff in batches of `batch` rows, each its own
 * transaction, pausing `pauseMs` between batches, at most `maxBatches` per table per pass (the
 * next pass goes on).
 */
export const pruneTables = async (
  pool: Pool,
  o: { now: Date; eventsRetentionMs: number | null; rules?: readonly PruneRule[] } & BatchLimits,
): Promise<PruneOutcome[]> => {
  const out: PruneOutcome[] = [];
  for (const rule of o.rules ?? PRUNE_RULES) {
    const cutoff = rule.cutoff({ now: o.now, eventsRetentionMs: o.eventsRetentionMs });
    if (!cutoff) {
      out.push({ table: rule.table, deleted: 0, cutoff: null, more: false });
      continue;
    }
    const { deleted, more } = await deleteInBatches(
      pool,
      (limit) => `DELETE FROM ${rule.table} WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM ${rule.table} x WHERE ${rule.where} LIMIT ${limit}))`,
      [cutoff],
      o,
    );
    out.push({ table: rule.table, deleted, cutoff: cutoff.toISOString(), more });
  }
  return out;
};

/**
 * Bytes on disk of public tables (indexes and TOAST included; a partitioned table counts all its
 * partitions, which are not listed apart), by name: the tables named, or every automation_ table.
 */
export const relationSizes = async (pool: Pool, names?: readonly string[]): Promise<Map<string, number>> => {
  const r = await pool.query<{ t: string; n: string }>(
    `SELECT c.relname AS t,
       CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(pg_total_relation_size(p.relid)), 0) FROM pg_partition_tree(c.oid) p)
            ELSE pg_total_relation_size(c.oid) END AS n
     FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
     WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND (CASE WHEN $1::text[] IS NULL THEN c.relname LIKE 'automation\\_%' ELSE c.relname = ANY($1::text[]) END)`,
    [names ?? null],
  );
  return new Map(r.rows.map((x) => [x.t, Number(x.n)]));
};
