import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A projection rebuild drops the secondary indexes of the tables it refills and creates them again
 * at the end (bulk load). Their definitions are kept here meanwhile, so a rebuild that dies half-way
 * loses no index: the next rebuild, or the next start of the projector, recreates them.
 */
export class ProjectionDeferredIndexes1795756113680 implements MigrationInterface {
  name = 'ProjectionDeferredIndexes1795756113680';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE automation_projection_deferred_indexes (
  schema_name text NOT NULL,
  index_name text NOT NULL,
  definition text NOT NULL,
  deferred_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, index_name)
);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS automation_projection_deferred_indexes');
  }
}
