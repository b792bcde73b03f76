import type { Pool } from 'pg';
import type { Command } from '@fixlify/contracts';

export interface TimerRow {
  id: string;
  organizationId: string;
  executionId: string;
  dueAt: Date;
  command: Command;
}

/** Idempotent: a timer's id is its command id, so reprocessing a command re-inserts nothing. */
export const insertTimers = async (pool: Pool, timers: TimerRow[]): Promise<void> => {
  if (timers.length === 0) return;
  await pool.query(
    `INSERT INTO automation_timers (id, organization_id, execution_id, due_at, command)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::jsonb[])
     ON CONFLICT (id) DO NOTHING`,
    [
      timers.map((t) => t.id),
      timers.map((t) => t.organizationId),
      timers.map((t) => t.executionId),
      timers.map((t) => t.dueAt.toISOString()),
      timers.map((t) => JSON.stringify(t.command)),
    ],
  );
};

/**
 * Claims due timers for this instance for a lease (SKIP LOCKED, so several executors share the
 * work), interleaving organizations: at most `perOrg` timers of one organization per round.
 */
export const claimDueTimers = async (pool: Pool, owner: string, limit: number, perOrg: number, leaseMs = 30_000): Promise<{ id: string; command: Command }[]> => {
  const res = await pool.query<{ id: string; command: Command }>(
    `WITH due AS (
       SELECT id, organization_id, due_at FROM automation_timers
        WHERE fired_at IS NULL AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
        ORDER BY due_at
        LIMIT $3 * 4
        FOR UPDATE SKIP LOCKED
     ), ranked AS (
       SELECT id, row_number() OVER (PARTITION BY organization_id ORDER BY due_at) AS rn FROM due
     ), picked AS (
       SELECT id FROM ranked WHERE rn <= $4 LIMIT $3
     )
     UPDATE automation_timers t SET claimed_by = $1, claimed_until = now() + ($2 || ' milliseconds')::interval
       FROM picked WHERE t.id = picked.id
     RETURNING t.id, t.command`,
    [owner, String(leaseMs), limit, perOrg],
  );
  return res.rows;
};

export const markTimersFired = async (pool: Pool, ids: string[]): Promise<void> => {
  if (ids.length === 0) return;
  await pool.query('UPDATE automation_timers SET fired_at = now() WHERE id = ANY($1::text[])', [ids]);
};

/** Timers of an execution that is cancelled fire nothing. */
export const cancelTimers = async (pool: Pool, executionIds: string[]): Promise<void> => {
  if (executionIds.length === 0) return;
  await pool.query('UPDATE automation_timers SET fired_at = now() WHERE execution_id = ANY($1::uuid[]) AND fired_at IS NULL', [executionIds]);
};
