import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Enrolling existing records is a job of `automation_replays` whose source is the records' current
 * state rather than the events log: modes `enroll` and its count-only twin `enroll_dry_run`. Such a
 * job has no topic plan; `enroll_plan` is its cursor (the table, the last record id read, the records
 * planned). Its range is [epoch, creation time): clock triggers enroll records that fell due by then.
 */
export class Enrollments1795880000000 implements MigrationInterface {
  name = 'Enrollments1795880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_replays DROP CONSTRAINT automation_replays_mode_check;
ALTER TABLE automation_replays ADD CONSTRAINT automation_replays_mode_check CHECK (mode IN ('dry_run','run','enroll_dry_run','enroll'));
ALTER TABLE automation_replays ADD COLUMN enroll_plan jsonb;
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DELETE FROM automation_replays WHERE mode IN ('enroll_dry_run','enroll');
ALTER TABLE automation_replays DROP COLUMN enroll_plan;
ALTER TABLE automation_replays DROP CONSTRAINT automation_replays_mode_check;
ALTER TABLE automation_replays ADD CONSTRAINT automation_replays_mode_check CHECK (mode IN ('dry_run','run'));
`);
  }
}
