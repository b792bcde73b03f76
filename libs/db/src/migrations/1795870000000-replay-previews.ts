import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Previews on real history (dry-run replays that simulate):
 * - `definition`: a draft previewed before it is published (null: the job replays `version_id`,
 *   which for a draft is an id no execution has);
 * - `compare_version_id`, `compare_version`: another version the same events are run through, to
 *   compare with;
 * - `report`: what the simulated executions would do (libs/contracts preview.ts), saved with the
 *   counts at every chunk.
 */
export class ReplayPreviews1795870000000 implements MigrationInterface {
  name = 'ReplayPreviews1795870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_replays
  ADD COLUMN definition jsonb,
  ADD COLUMN compare_version_id uuid,
  ADD COLUMN compare_version int,
  ADD COLUMN report jsonb,
  ADD CHECK (definition IS NULL OR mode = 'dry_run');
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE automation_replays DROP COLUMN report, DROP COLUMN compare_version, DROP COLUMN compare_version_id, DROP COLUMN definition;
`);
  }
}
