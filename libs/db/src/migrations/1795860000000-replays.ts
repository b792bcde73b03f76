import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replays (backfills) as jobs:
 * - `automation_replays`: one row per job — what it replays (organization, workflow version, time
 *   range, filters), its mode, status, the scan plan (per partition of the events topic: first,
 *   end and next offset) and its counts. A runner holds it under a lease, so a crashed runner's
 *   job is resumed by the next one from the last committed cursor.
 * - `automation_replay_starts`: every execution a replay started, keyed by execution id, written in
 *   the transaction that moves the job's cursor. It is what makes a replay start nothing twice —
 *   across a crash of its runner (the chunk is re-scanned, its starts already recorded or rolled
 *   back with the cursor) and across replays of the same range (a second replay finds the first's).
 * - `replay_id` on executions and execution logs: the replay that started an execution (null for
 *   live), so the log and the monitor tell backfilled executions from live ones.
 */
export class Replays1795860000000 implements MigrationInterface {
  name = 'Replays1795860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE automation_replays (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  workflow_id uuid NOT NULL,
  version_id uuid NOT NULL,
  version int NOT NULL,
  mode text NOT NULL CHECK (mode IN ('dry_run','run')),
  force boolean NOT NULL DEFAULT false,
  range_from timestamptz NOT NULL,
  range_to timestamptz NOT NULL,
  -- trigger types, entity ids, extra condition, rate limit: as requested
  filters jsonb NOT NULL DEFAULT '{}',
  rate_per_second int NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','paused','completed','aborted','failed')),
  -- what an operator asked for while it runs: the runner applies it at the next chunk
  requested text CHECK (requested IN ('pause','abort')),
  error text,
  plan jsonb,
  counts jsonb NOT NULL DEFAULT '{}',
  lease_owner text,
  lease_until timestamptz,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (range_from < range_to)
);
CREATE INDEX automation_replays_org_idx ON automation_replays (organization_id, created_at DESC);
CREATE INDEX automation_replays_runnable_idx ON automation_replays (created_at) WHERE status IN ('pending','running');

CREATE TABLE automation_replay_starts (
  execution_id uuid PRIMARY KEY,
  replay_id uuid NOT NULL REFERENCES automation_replays(id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX automation_replay_starts_replay_idx ON automation_replay_starts (replay_id);

ALTER TABLE automation_executions ADD COLUMN replay_id uuid;
ALTER TABLE automation_execution_logs ADD COLUMN replay_id uuid;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_execution_logs DROP COLUMN replay_id;
ALTER TABLE automation_executions DROP COLUMN replay_id;
DROP TABLE automation_replay_starts;
DROP TABLE automation_replays;
`);
  }
}
