import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An execution belongs to the executor consumer group (deployment) that claimed its start: the
 * commands of an execution run only there, so two deployments reading one commands topic (blue/
 * green, or test runs on a shared cluster) never run the same execution twice.
 */
export class ExecutionOwnerGroup1795758890767 implements MigrationInterface {
  name = 'ExecutionOwnerGroup1795758890767';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE automation_executions ADD COLUMN owner_group text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE automation_executions DROP COLUMN owner_group`);
  }
}
