import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Unknown outcomes only for what was really in flight:
 * - the delivery ledger gets `claimed` (an attempt took the step; its request's last byte has not
 *   left, so nothing can have happened: a re-run may send) before `sending` (recorded just before the
 *   last byte: the provider may have acted);
 * - an execution whose person-channel message may or may not have been delivered ends `unknown`
 *   in the execution log, not `failed`.
 * NOT VALID then VALIDATE: the old rows are checked without holding the write lock the whole scan.
 */
export class UnknownOutcomes1795850000000 implements MigrationInterface {
  name = 'UnknownOutcomes1795850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE automation_deliveries DROP CONSTRAINT automation_deliveries_status_check`);
    await q.query(
      `ALTER TABLE automation_deliveries ADD CONSTRAINT automation_deliveries_status_check CHECK (status IN ('claimed','sending','delivered','failed','suppressed')) NOT VALID`,
    );
    await q.query(`ALTER TABLE automation_deliveries VALIDATE CONSTRAINT automation_deliveries_status_check`);
    await q.query(`ALTER TABLE automation_execution_logs DROP CONSTRAINT automation_execution_logs_status_check`);
    await q.query(
      `ALTER TABLE automation_execution_logs ADD CONSTRAINT automation_execution_logs_status_check CHECK (status IN ('pending','processing','completed','failed','unknown','retry','waiting','cancelled')) NOT VALID`,
    );
    await q.query(`ALTER TABLE automation_execution_logs VALIDATE CONSTRAINT automation_execution_logs_status_check`);
  }

  async down(q: QueryRunner): Promise<void> {
    // a claimed attempt never let its last byte go: as "failed" it is sent again, which is what claimed means
    await q.query(`UPDATE automation_deliveries SET status = 'failed' WHERE status = 'claimed'`);
    await q.query(`UPDATE automation_execution_logs SET status = 'failed' WHERE status = 'unknown'`);
    await q.query(`ALTER TABLE automation_deliveries DROP CONSTRAINT automation_deliveries_status_check`);
    await q.query(
      `ALTER TABLE automation_deliveries ADD CONSTRAINT automation_deliveries_status_check CHECK (status IN ('sending','delivered','failed','suppressed'))`,
    );
    await q.query(`ALTER TABLE automation_execution_logs DROP CONSTRAINT automation_execution_logs_status_check`);
    await q.query(
      `ALTER TABLE automation_execution_logs ADD CONSTRAINT automation_execution_logs_status_check CHECK (status IN ('pending','processing','completed','failed','retry','waiting','cancelled'))`,
    );
  }
}
