import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a workflow was last switched on. Clock triggers count occurrences from here (or from the
 * version's publication, whichever is later): a workflow switched off for a week and on again does
 * not fire the week's missed occurrences.
 */
export class WorkflowActivatedAt1795810000000 implements MigrationInterface {
  name = 'WorkflowActivatedAt1795810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE automation_workflows ADD COLUMN activated_at timestamptz`);
    await q.query(`UPDATE automation_workflows SET activated_at = updated_at WHERE is_active`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE automation_workflows DROP COLUMN activated_at`);
  }
}
