import type { Pool } from 'pg';
import type { Command } from '@fixlify/contracts';
import { continuationProgress } from '@fixlify/workflow';

export interface CommandClaim {
  command: Command;
  /** topic:partition:offset of the message */
  position: string;
}

/** Total order of an execution's commands: steps run so far, then the attempt at the cursor. */
export const progressOf = (c: Command): number => {
  switch (c.kind) {
    case 'start':
      return 0;
    case 'resume':
      return continuationProgress(c.continuation);
    case 'cancel':
      return Number.MAX_SAFE_INTEGER;
  }
};

export const commandIdOf = (c: Command): string => (c.kind === 'start' ? `start:${c.executionId}` : c.commandId);

/** How a command to run was claimed: `rerun` when the same message was taken on before (a crash came in between). */
export interface Claimed {
  rerun: boolean;
}

/**
 * Decides, in one round trip, which commands of a batch to run. A command runs when it moves its
 * execution forward, or when it is the very message whose processing was interrupted before its
 * Kafka transaction committed (same command at the same position: a re-run). Replayed starts,
 * late timer re-emits and anything after a cancel are dropped. Returns the positions to run.
 *
 * An execution belongs to the consumer group (`group`, the deployment) that claimed it first: another
 * group reading the same topic drops its commands instead of running them a second time.
 */
export const claimCommands = async (pool: Pool, claims: CommandClaim[], group: string): Promise<Map<string, Claimed>> => {
  // one statement cannot upsert a row twice: commands of one execution go in successive rounds
  const out = new Map<string, Claimed>();
  let rest = claims;
  while (rest.length > 0) {
    const seen = new Set<string>();
    const round: CommandClaim[] = [];
    const later: CommandClaim[] = [];
    for (const c of rest) {
      if (seen.has(c.command.executionId)) later.push(c);
      else {
        seen.add(c.command.executionId);
        round.push(c);
      }
    }
    for (const r of await claimRound(pool, round, group)) out.set(r.position, { rerun: r.rerun });
    rest = later;
  }
  return out;
};

const claimRound = async (pool: Pool, claims: CommandClaim[], group: string): Promise<{ position: string; rerun: boolean }[]> => {
  if (claims.length === 0) return [];
  const res = await pool.query<{ position: string; rerun: boolean }>(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[], $9::uuid[])
         AS t(id, organization_id, workflow_id, command_id, position, progress, kind, replay_id)
     ), before AS (
       -- the statement's snapshot: the rows as they were before this upsert
       SELECT e.id, e.last_command_id, e.last_command_position FROM automation_executions e JOIN input USING (id)
     ), upserted AS (
       INSERT INTO automation_executions AS e (id, organization_id, workflow_id, state, last_command_id, last_command_position, progress, owner_group, replay_id)
       SELECT id, organization_id, workflow_id, CASE WHEN kind = 'cancel' THEN 'cancelled' ELSE 'running' END, command_id, position, progress, $8, replay_id FROM input
       ON CONFLICT (id) DO UPDATE SET
         owner_group = coalesce(e.owner_group, EXCLUDED.owner_group),
         last_command_id = EXCLUDED.last_command_id,
         last_command_position = EXCLUDED.last_command_position,
         progress = GREATEST(e.progress, EXCLUDED.progress),
         state = CASE WHEN EXCLUDED.state = 'cancelled' AND e.state IN ('running','waiting') THEN 'cancelled' ELSE e.state END,
         updated_at = now()
       WHERE (e.owner_group IS NULL OR e.owner_group = EXCLUDED.owner_group) AND (
             (e.last_command_id = EXCLUDED.last_command_id AND e.last_command_position = EXCLUDED.last_command_position)
          OR (e.progress < EXCLUDED.progress AND (
                e.state IN ('running','waiting')
                -- only a person's retry brings a failed execution back
                OR (e.state = 'failed' AND (SELECT kind FROM input WHERE input.id = e.id) = 'manual_retry'))))
       RETURNING e.id, e.last_command_id, e.last_command_position AS position
     )
     SELECT u.position, (b.last_command_id = u.last_command_id AND b.last_command_position = u.position) IS TRUE AS rerun
       FROM upserted u LEFT JOIN before b ON b.id = u.id`,
    [
      claims.map((c) => c.command.executionId),
      claims.map((c) => c.command.organizationId),
      claims.map((c) => c.command.workflowId),
      claims.map((c) => commandIdOf(c.command)),
      claims.map((c) => c.position),
      claims.map((c) => progressOf(c.command)),
      claims.map((c) => (c.command.kind === 'resume' && c.command.reason === 'manual_retry' ? 'manual_retry' : c.command.kind)),
      group,
      // the replay that started an execution marks it for good (a live start of the same id finds it taken)
      claims.map((c) => (c.command.kind === 'start' ? (c.command.origin?.replayId ?? null) : null)),
    ],
  );
  return res.rows;
};

export const markExecutionStates = async (pool: Pool, states: { id: string; state: 'waiting' | 'completed' | 'failed' | 'running' }[]): Promise<void> => {
  if (states.length === 0) return;
  await pool.query(
    `UPDATE automation_executions e SET state = t.state, updated_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS t(id, state)
      WHERE e.id = t.id AND e.state <> 'cancelled'`,
    [states.map((s) => s.id), states.map((s) => s.state)],
  );
};
