import type { Pool, PoolClient } from 'pg';
import { withTransaction } from './transaction';
import { PreviewReport, ReplayCounts, ReplayFilters, ReplayPlan, type ReplayMode, type ReplayStatus } from '@fixlify/contracts';

type Db = Pool | PoolClient;

/** A replay (backfill) job as stored: what it replays, how far it got, and who runs it. */
export interface ReplayJob {
  id: string;
  organizationId: string;
  workflowId: string;
  versionId: string;
  version: number;
  mode: ReplayMode;
  force: boolean;
  from: Date;
  to: Date;
  filters: ReplayFilters;
  ratePerSecond: number;
  status: ReplayStatus;
  requested: 'pause' | 'abort' | null;
  error: string | null;
  plan: ReplayPlan | null;
  counts: ReplayCounts;
  /** a draft previewed before it is published (dry runs only); null: the version itself */
  definition: Record<string, unknown> | null;
  /** another version the same events are run through in simulation, to compare with */
  compare: { versionId: string; version: number } | null;
  /** a dry run's preview: what the executions that would start would do */
  report: PreviewReport | null;
  leaseOwner: string | null;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

const COLUMNS = `id, organization_id, workflow_id, version_id, version, mode, force, range_from, range_to, filters, rate_per_second,
  status, requested, error, plan, counts, definition, compare_version_id, compare_version, report, lease_owner, created_by, created_at, started_at, finished_at, updated_at`;

interface Row {
  id: string;
  organization_id: string;
  workflow_id: string;
  version_id: string;
  version: number;
  mode: ReplayMode;
  force: boolean;
  range_from: Date;
  range_to: Date;
  filters: unknown;
  rate_per_second: number;
  status: ReplayStatus;
  requested: 'pause' | 'abort' | null;
  error: string | null;
  plan: unknown;
  counts: unknown;
  definition: Record<string, unknown> | null;
  compare_version_id: string | null;
  compare_version: number | null;
  report: unknown;
  lease_owner: string | null;
  created_by: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

const toJob = (r: Row): ReplayJob => ({
  id: r.id,
  organizationId: r.organization_id,
  workflowId: r.workflow_id,
  versionId: r.version_id,
  version: r.version,
  mode: r.mode,
  force: r.force,
  from: r.range_from,
  to: r.range_to,
  filters: ReplayFilters.parse(r.filters ?? {}),
  ratePerSecond: r.rate_per_second,
  status: r.status,
  requested: r.requested,
  error: r.error,
  plan: r.plan ? ReplayPlan.parse(r.plan) : null,
  counts: ReplayCounts.parse(r.counts ?? {}),
  definition: r.definition,
  compare: r.compare_version_id && r.compare_version ? { versionId: r.compare_version_id, version: r.compare_version } : null,
  report: r.report ? PreviewReport.parse(r.report) : null,
  leaseOwner: r.lease_owner,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  updatedAt: r.updated_at,
});

/** What a new replay job is made of: the request's part of a job. */
export type NewReplay = Pick<
  ReplayJob,
  'id' | 'organizationId' | 'workflowId' | 'versionId' | 'version' | 'mode' | 'force' | 'from' | 'to' | 'filters' | 'ratePerSecond' | 'createdBy'
> &
  Partial<Pick<ReplayJob, 'definition' | 'compare'>>;

/**
 * Creates a replay job unless the organization already has `maxActive` unfinished ones (returns
 * null then): bulk work is capped per tenant, so one organization's backfills cannot fill the
 * runners. The count and the insert run under a transaction-scoped advisory lock of the organization,
 * each statement with a fresh snapshot, so two concurrent requests cannot both pass the cap.
 */
export const createReplay = async (pool: Pool, r: NewReplay, maxActive: number): Promise<ReplayJob | null> =>
  withTransaction(pool, async (db) => {
    await db.query(`SELECT pg_advisory_xact_lock(hashtext('replays:' || $1::text))`, [r.organizationId]);
    const active = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM automation_replays WHERE organization_id = $1 AND status IN ('pending','running','paused')`,
      [r.organizationId],
    );
    if ((active.rows[0]?.n ?? 0) >= maxActive) return null;
    const res = await db.query<Row>(
      `INSERT INTO automation_replays (id, organization_id, workflow_id, version_id, version, mode, force, range_from, range_to, filters, rate_per_second, created_by,
                                       definition, compare_version_id, compare_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${COLUMNS}`,
      [
        r.id,
        r.organizationId,
        r.workflowId,
        r.versionId,
        r.version,
        r.mode,
        r.force,
        r.from,
        r.to,
        JSON.stringify(r.filters),
        r.ratePerSecond,
        r.createdBy,
        r.definition ? JSON.stringify(r.definition) : null,
        r.compare?.versionId ?? null,
        r.compare?.version ?? null,
      ],
    );
    return toJob(res.rows[0]!);
  });

export const getReplay = async (db: Db, organizationId: string, id: string): Promise<ReplayJob | null> => {
  const res = await db.query<Row>(`SELECT ${COLUMNS} FROM automation_replays WHERE id = $1 AND organization_id = $2`, [id, organizationId]);
  return res.rows[0] ? toJob(res.rows[0]) : null;
};

export const listReplays = async (db: Db, organizationId: string, o: { workflowId?: string; limit: number }): Promise<ReplayJob[]> => {
  const res = await db.query<Row>(
    `SELECT ${COLUMNS} FROM automation_replays WHERE organization_id = $1 AND ($2::uuid IS NULL OR workflow_id = $2)
      ORDER BY created_at DESC LIMIT $3`,
    [organizationId, o.workflowId ?? null, o.limit],
  );
  return res.rows.map(toJob);
};

export type ReplayControl = 'pause' | 'resume' | 'abort';

/**
 * An operator's pause, resume or abort. A job no runner holds changes at once; one a runner holds
 * gets the request, which the runner applies after the chunk in hand (best effort within a chunk:
 * what that chunk started stays started). Returns the job as it is now, or null when unknown or when
 * the control does not apply to its status (e.g. resuming a completed job).
 */
export const controlReplay = async (db: Db, organizationId: string, id: string, control: ReplayControl): Promise<ReplayJob | null> => {
  const held = `(lease_owner IS NOT NULL AND lease_until > now())`;
  const sql: Record<ReplayControl, string> = {
    pause: `UPDATE automation_replays SET
              status = CASE WHEN ${held} THEN status ELSE 'paused' END,
              requested = CASE WHEN ${held} THEN 'pause' ELSE NULL END, updated_at = now()
            WHERE id = $1 AND organization_id = $2 AND status IN ('pending','running') AND requested IS NULL`,
    resume: `UPDATE automation_replays SET status = 'running', requested = NULL, updated_at = now()
             WHERE id = $1 AND organization_id = $2 AND status = 'paused'`,
    abort: `UPDATE automation_replays SET
              status = CASE WHEN ${held} THEN status ELSE 'aborted' END,
              finished_at = CASE WHEN ${held} THEN finished_at ELSE now() END,
              requested = CASE WHEN ${held} THEN 'abort' ELSE NULL END, updated_at = now()
            WHERE id = $1 AND organization_id = $2 AND status IN ('pending','running','paused')`,
  };
  const res = await db.query<Row>(`${sql[control]} RETURNING ${COLUMNS}`, [id, organizationId]);
  return res.rows[0] ? toJob(res.rows[0]) : null;
};

/**
 * Takes the runnable job worked on least recently whose lease is free (a crashed runner's lease runs
 * out and the next runner resumes its job from the committed cursor). Round robin: a runner works a
 * job for a slice, then releases it, so many jobs share the runners instead of queueing behind one.
 */
export const claimReplay = async (db: Db, owner: string, leaseMs: number): Promise<ReplayJob | null> => {
  const res = await db.query<Row>(
    `UPDATE automation_replays SET lease_owner = $1, lease_until = now() + make_interval(secs => $2::double precision / 1000),
            status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
      WHERE id = (SELECT id FROM automation_replays
                   WHERE status IN ('pending','running') AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY updated_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [owner, leaseMs],
  );
  return res.rows[0] ? toJob(res.rows[0]) : null;
};

/**
 * Moves a held job's cursor and counts and extends its lease, inside the caller's transaction (the
 * one that also records the chunk's starts). Returns what an operator requested meanwhile, or
 * `lost` when this runner no longer holds the job (its lease ran out and another took over): the
 * caller must roll back.
 */
export const saveReplayProgress = async (
  db: Db,
  p: { id: string; owner: string; leaseMs: number; plan: ReplayPlan; counts: ReplayCounts; report?: PreviewReport | null },
): Promise<{ requested: 'pause' | 'abort' | null } | 'lost'> => {
  const res = await db.query<{ requested: 'pause' | 'abort' | null }>(
    `UPDATE automation_replays SET plan = $3, counts = $4, lease_until = now() + make_interval(secs => $5::double precision / 1000), updated_at = now(),
            report = CASE WHEN $6::boolean THEN $7::jsonb ELSE report END
      WHERE id = $1 AND lease_owner = $2 AND status = 'running'
      RETURNING requested`,
    [p.id, p.owner, JSON.stringify(p.plan), JSON.stringify(p.counts), p.leaseMs, p.report !== undefined, p.report ? JSON.stringify(p.report) : null],
  );
  return res.rows[0] ?? 'lost';
};

/** Extends a held job's lease; false when this runner no longer holds it. */
export const renewReplayLease = async (db: Db, p: { id: string; owner: string; leaseMs: number }): Promise<boolean> => {
  const res = await db.query(
    `UPDATE automation_replays SET lease_until = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
    [p.id, p.owner, p.leaseMs],
  );
  return (res.rowCount ?? 0) > 0;
};

/** Ends a held job's slice: released for the next slice (`running`), or finished with its status. */
export const releaseReplay = async (
  db: Db,
  p: { id: string; owner: string; status: Extract<ReplayStatus, 'running' | 'paused' | 'completed' | 'aborted' | 'failed'>; error?: string },
): Promise<boolean> => {
  const res = await db.query(
    `UPDATE automation_replays SET status = $3, error = coalesce($4, error), lease_owner = NULL, lease_until = NULL, requested = NULL,
            finished_at = CASE WHEN $3 IN ('completed','aborted','failed') THEN now() ELSE finished_at END, updated_at = now()
      WHERE id = $1 AND lease_owner = $2`,
    [p.id, p.owner, p.status, p.error ?? null],
  );
  return (res.rowCount ?? 0) > 0;
};

/**
 * Records a chunk's starts (run mode) in the caller's transaction and sorts them: those an execution
 * already exists for (live, or another replay's that the executor took on), those another replay
 * recorded, those this replay recorded from an earlier event (once per entity), and the new ones,
 * which the caller then publishes before committing. An execution this replay started before its
 * runner crashed — published, not committed — is not "already executed": its chunk is re-scanned and
 * counts it again as this replay's start.
 */
export const recordReplayStarts = async (
  db: PoolClient,
  replayId: string,
  starts: readonly { executionId: string; eventId: string }[],
): Promise<{ fresh: Set<string>; alreadyExecuted: Set<string>; alreadyReplayed: Set<string>; alreadyEnrolled: Set<string> }> => {
  const fresh = new Set<string>();
  const alreadyExecuted = new Set<string>();
  const alreadyReplayed = new Set<string>();
  const alreadyEnrolled = new Set<string>();
  if (starts.length === 0) return { fresh, alreadyExecuted, alreadyReplayed, alreadyEnrolled };
  const ids = starts.map((s) => s.executionId);
  const existing = await db.query<{ id: string }>(`SELECT id FROM automation_executions WHERE id = ANY($1::uuid[]) AND replay_id IS DISTINCT FROM $2::uuid`, [
    ids,
    replayId,
  ]);
  for (const r of existing.rows) alreadyExecuted.add(r.id);
  const rest = starts.filter((s) => !alreadyExecuted.has(s.executionId));
  if (rest.length === 0) return { fresh, alreadyExecuted, alreadyReplayed, alreadyEnrolled };
  const inserted = await db.query<{ execution_id: string }>(
    `INSERT INTO automation_replay_starts (execution_id, replay_id, event_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) ON CONFLICT (execution_id) DO NOTHING RETURNING execution_id`,
    [rest.map((s) => s.executionId), rest.map(() => replayId), rest.map((s) => s.eventId)],
  );
  for (const r of inserted.rows) fresh.add(r.execution_id);
  const conflicted = rest.filter((s) => !fresh.has(s.executionId)).map((s) => s.executionId);
  if (conflicted.length > 0) {
    const owners = await db.query<{ execution_id: string; replay_id: string }>(
      `SELECT execution_id, replay_id FROM automation_replay_starts WHERE execution_id = ANY($1::uuid[])`,
      [conflicted],
    );
    for (const r of owners.rows) (r.replay_id === replayId ? alreadyEnrolled : alreadyReplayed).add(r.execution_id);
  }
  return { fresh, alreadyExecuted, alreadyReplayed, alreadyEnrolled };
};

/** Dry run: the same sorting without writing anything (this replay's own earlier starts are tracked by the caller). */
export const classifyReplayStarts = async (
  db: Db,
  executionIds: readonly string[],
): Promise<{ alreadyExecuted: Set<string>; alreadyReplayed: Set<string> }> => {
  const alreadyExecuted = new Set<string>();
  const alreadyReplayed = new Set<string>();
  if (executionIds.length === 0) return { alreadyExecuted, alreadyReplayed };
  const res = await db.query<{ id: string; executed: boolean }>(
    `SELECT id, true AS executed FROM automation_executions WHERE id = ANY($1::uuid[])
     UNION ALL SELECT execution_id, false FROM automation_replay_starts WHERE execution_id = ANY($1::uuid[])`,
    [executionIds],
  );
  for (const r of res.rows) (r.executed ? alreadyExecuted : alreadyReplayed).add(r.id);
  for (const id of alreadyExecuted) alreadyReplayed.delete(id);
  return { alreadyExecuted, alreadyReplayed };
};
