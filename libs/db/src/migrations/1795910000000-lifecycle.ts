import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage with a lifecycle (README "Storage"):
 * - automation_execution_logs becomes a table partitioned by week of created_at (RANGE, Monday 00:00
 *   UTC), so a retention drops whole partitions instead of deleting rows; the primary key takes the
 *   partition key (id, created_at). A DEFAULT partition takes rows outside the weeks created ahead
 *   (libs/db lifecycle.ts keeps three weeks ahead). Existing rows are copied over.
 * - indexes on created_at for the tables the pruner deletes from in bounded batches (claims, the
 *   ledger, replay starts, clock occurrences): created_at never changes, so updates stay HOT.
 */
export class Lifecycle1795910000000 implements MigrationInterface {
  name = 'Lifecycle1795910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_execution_logs RENAME TO automation_execution_logs_unpartitioned;
ALTER INDEX automation_execution_logs_pkey RENAME TO automation_execution_logs_unpartitioned_pkey;
ALTER INDEX automation_execution_logs_org_idx RENAME TO automation_execution_logs_unpartitioned_org_idx;
ALTER INDEX automation_execution_logs_workflow_idx RENAME TO automation_execution_logs_unpartitioned_workflow_idx;
ALTER INDEX automation_execution_logs_status_idx RENAME TO automation_execution_logs_unpartitioned_status_idx;
ALTER TABLE automation_execution_logs_unpartitioned RENAME CONSTRAINT automation_execution_logs_status_check TO automation_execution_logs_unpartitioned_status_check;

CREATE TABLE automation_execution_logs (
  id uuid NOT NULL,
  organization_id uuid NOT NULL,
  workflow_id uuid NOT NULL,
  version_id uuid NOT NULL,
  status text NOT NULL CONSTRAINT automation_execution_logs_status_check
    CHECK (status IN ('pending','processing','completed','failed','unknown','retry','waiting','cancelled')),
  trigger_type text,
  trigger_data jsonb NOT NULL DEFAULT '{}',
  actions_executed jsonb NOT NULL DEFAULT '[]',
  error_message text,
  retry_count int NOT NULL DEFAULT 0,
  last_seq int NOT NULL DEFAULT -1,
  triggered_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  execution_time_ms int,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  replay_id uuid,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX automation_execution_logs_org_idx ON automation_execution_logs (organization_id, started_at DESC);
CREATE INDEX automation_execution_logs_workflow_idx ON automation_execution_logs (workflow_id, started_at DESC);
CREATE INDEX automation_execution_logs_status_idx ON automation_execution_logs (organization_id, status);
CREATE TABLE automation_execution_logs_default PARTITION OF automation_execution_logs DEFAULT;

DO $$
DECLARE
  first_week timestamptz := date_trunc('week', coalesce((SELECT min(created_at) FROM automation_execution_logs_unpartitioned), now()) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  last_week timestamptz := date_trunc('week', (now() + interval '14 days') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  w timestamptz;
BEGIN
  w := first_week;
  WHILE w <= last_week LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF automation_execution_logs FOR VALUES FROM (%L) TO (%L)',
      'automation_execution_logs_p' || to_char(w AT TIME ZONE 'UTC', 'YYYYMMDD'), w, w + interval '7 days');
    w := w + interval '7 days';
  END LOOP;
END $$;

INSERT INTO automation_execution_logs (id, organization_id, workflow_id, version_id, status, trigger_type, trigger_data, actions_executed,
  error_message, retry_count, last_seq, triggered_at, started_at, completed_at, execution_time_ms, created_at, updated_at, replay_id)
SELECT id, organization_id, workflow_id, version_id, status, trigger_type, trigger_data, actions_executed,
  error_message, retry_count, last_seq, triggered_at, started_at, completed_at, execution_time_ms, created_at, updated_at, replay_id
FROM automation_execution_logs_unpartitioned;
DROP TABLE automation_execution_logs_unpartitioned;

CREATE INDEX automation_executions_created_idx ON automation_executions (created_at);
CREATE INDEX automation_deliveries_created_idx ON automation_deliveries (created_at);
CREATE INDEX automation_replay_starts_created_idx ON automation_replay_starts (created_at);
CREATE INDEX automation_clock_occurrences_created_idx ON automation_clock_occurrences (created_at);
CREATE INDEX automation_metrics_hourly_idx ON automation_metrics (period_start) WHERE period = 'hour';
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP INDEX IF EXISTS automation_metrics_hourly_idx;
DROP INDEX IF EXISTS automation_clock_occurrences_created_idx;
DROP INDEX IF EXISTS automation_replay_starts_created_idx;
DROP INDEX IF EXISTS automation_deliveries_created_idx;
DROP INDEX IF EXISTS automation_executions_created_idx;
CREATE TABLE automation_execution_logs_unpartitioned (LIKE automation_execution_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO automation_execution_logs_unpartitioned SELECT * FROM automation_execution_logs;
DROP TABLE automation_execution_logs;
ALTER TABLE automation_execution_logs_unpartitioned RENAME TO automation_execution_logs;
ALTER TABLE automation_execution_logs ADD PRIMARY KEY (id);
CREATE INDEX automation_execution_logs_org_idx ON automation_execution_logs (organization_id, started_at DESC);
CREATE INDEX automation_execution_logs_workflow_idx ON automation_execution_logs (workflow_id, started_at DESC);
CREATE INDEX automation_execution_logs_status_idx ON automation_execution_logs (organization_id, status);
`);
  }
}
