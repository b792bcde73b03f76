import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backfilled executions counted apart in the metrics projection: per workflow and period, how many
 * of the executions (finished, successful, failed) and of the messages delivered came from a replay.
 * They are part of the totals beside them. The projector learns an execution's replay from its
 * `execution_started` result (the execution log's `replay_id`), so a rebuild reproduces them; rows
 * projected before this migration count 0 until `npm run rebuild-projections` refolds them.
 */
export class BackfilledMetrics1795890000000 implements MigrationInterface {
  name = 'BackfilledMetrics1795890000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_metrics
  ADD COLUMN backfilled_executions int NOT NULL DEFAULT 0,
  ADD COLUMN backfilled_successful_executions int NOT NULL DEFAULT 0,
  ADD COLUMN backfilled_failed_executions int NOT NULL DEFAULT 0,
  ADD COLUMN backfilled_messages int NOT NULL DEFAULT 0;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_metrics
  DROP COLUMN backfilled_executions,
  DROP COLUMN backfilled_successful_executions,
  DROP COLUMN backfilled_failed_executions,
  DROP COLUMN backfilled_messages;
`);
  }
}
