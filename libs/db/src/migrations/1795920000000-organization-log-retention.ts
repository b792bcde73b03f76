import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An organization may keep its execution logs for less than the deployment does (README "Storage"):
 * `organizations.execution_log_retention_days`, set by the business app like the organization's other
 * settings; NULL follows the deployment (EXECUTION_LOG_RETENTION_DAYS). It can only shorten: the
 * deployment drops whole weekly partitions after its own retention.
 */
export class OrganizationLogRetention1795920000000 implements MigrationInterface {
  name = 'OrganizationLogRetention1795920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN execution_log_retention_days int
      CONSTRAINT organizations_execution_log_retention_days_check CHECK (execution_log_retention_days BETWEEN 1 AND 3650)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE organizations DROP COLUMN execution_log_retention_days');
  }
}
