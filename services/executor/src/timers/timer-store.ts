import type { Pool } from 'pg';
import type { Command } from '@fixlify/contracts';

import type { TimerReason, TimerRow } from '@fixlify/engine';

export type { TimerReason, TimerRow };

/** Inserts the timers given as $1–$7 (see timerParams); a timer already there is left as it is. */
const INSERT_TIMERS = `INSERT INTO automation_timers (id, organization_id, execution_id, due_at, command, reason, topic)
     SELECT t.id, t.organization_id, t.execution_id, t.due_at, t.command, t.reason, $7
       FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::jsonb[], $6::text[]) AS t(id, organization_id, execution_id, due_at, command, reason)
     ON CONFLICT (id) DO NOTHING`;

const timerParams = (topic: string, timers: readonly TimerRow[]): unknown[] => [
  timers.map((t) => t.id),
  timers.map((t) => t.organizationId),
  timers.map((t) => t.executionId),
  timers.map((t) => t.dueAt.toISOString()),
  timers.map((t) => JSON.stringify(t.command)),
  timers.map((t) => t.reason),
  topic,
];

/**
 * Idempotent: a timer's id is derived from the command that made it (its command id, or the
 * parked command's position), so reprocessing a command re-inserts nothing.
 */
export const insertTimers = async (pool: Pool, topic: string, timers: readonly TimerRow[]): Promise<void> => {
  if (timers.length === 0) return;
  await pool.query(INSERT_TIMERS, timerParams(topic, timers));
};

/**
 * Writes the pending continuations of the executions a batch ran, replacing whatever else they had
 * pending: an execution waits on one continuation at a time, so another one is a leftover of an
 * attempt that crashed before its Kafka commit (and then took a different turn) — or the very
 * timer that delivered this command. Parked copies of commands (fairness) are kept.
 */
export const replaceTimers = async (pool: Pool, topic: string, executionIds: readonly string[], timers: readonly TimerRow[]): Promise<void> => {
  if (executionIds.length === 0 && timers.length === 0) return;
  await pool.query(
    `WITH stale AS (
       DELETE FROM automation_timers
        WHERE execution_id = ANY($8::uuid[]) AND fired_at IS NULL AND id NOT LIKE 'fair:%' AND NOT (id = ANY($1::text[]))
     )
     ${INSERT_TIMERS}`,
    [...timerParams(topic, timers), executionIds],
  );
};

/**
 * Claims due timers of one topic for a lease (SKIP LOCKED, so several executors share the work),
 * interleaving organizations: rows are taken round-robin — every organization's first due timer,
 * then every organization's second… — so a flood of one organization cannot hold back another's
 * due timers, while a lone organization still gets the whole page.
 */
export const claimDueTimers = async (
  pool: Pool,
  p: { owner: string; topic: string; limit: number; leaseMs?: number },
): Promise<{ id: string; command: Command }[]> => {
  const res = await pool.query<{ id: string; command: Command }>(
    `WITH due AS (
       SELECT id, organization_id, due_at FROM automation_timers
        WHERE topic = $2 AND fired_at IS NULL AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
        ORDER BY due_at
        LIMIT $3 * 8
        FOR UPDATE SKIP LOCKED
     ), ranked AS (
       SELECT id, due_at, row_number() OVER (PARTITION BY organization_id ORDER BY due_at) AS rn FROM due
     ), picked AS (
       SELECT id FROM ranked ORDER BY rn, due_at LIMIT $3
     )
     UPDATE automation_timers t SET claimed_by = $1, claimed_until = now() + ($4 || ' milliseconds')::interval
       FROM picked WHERE t.id = picked.id
     RETURNING t.id, t.command`,
    [p.owner, p.topic, p.limit, String(p.leaseMs ?? 30_000)],
  );
  return res.rows;
};

/** Timers whose wait is over early (a detached action finished): due now. */
export const makeTimersDue = async (pool: Pool, ids: readonly string[]): Promise<void> => {
  if (ids.length === 0) return;
  await pool.query('UPDATE automation_timers SET due_at = now() WHERE id = ANY($1::text[]) AND fired_at IS NULL AND due_at > now()', [ids]);
};

/** A fired timer is gone: a late duplicate of its command is dropped by the executor's claim, not by this table. */
export const deleteFiredTimers = async (pool: Pool, ids: readonly string[]): Promise<void> => {
  if (ids.length === 0) return;
  await pool.query('DELETE FROM automation_timers WHERE id = ANY($1::text[])', [ids]);
};

/** Timers of a cancelled execution fire nothing. */
export const cancelTimers = async (pool: Pool, executionIds: readonly string[]): Promise<void> => {
  if (executionIds.length === 0) return;
  await pool.query('DELETE FROM automation_timers WHERE execution_id = ANY($1::uuid[]) AND fired_at IS NULL', [executionIds]);
};
