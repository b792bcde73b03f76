import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One rating per organization and template (rating again replaces it), and re-drives of dead
 * letters recorded in PostgreSQL (who, when, how often), so every API instance and a restart show them.
 */
export class RatingsAndRedrives1795800000000 implements MigrationInterface {
  name = 'RatingsAndRedrives1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE TABLE automation_template_ratings (
  template_id uuid NOT NULL REFERENCES automation_templates(id) ON DELETE CASCADE,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  rated_by text NOT NULL,
  rated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (template_id, organization_id)
);
CREATE TABLE automation_dead_letter_redrives (
  dlq_partition int NOT NULL,
  dlq_offset bigint NOT NULL,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  origin_topic text NOT NULL,
  redrive_count int NOT NULL DEFAULT 1,
  first_redriven_at timestamptz NOT NULL DEFAULT now(),
  last_redriven_at timestamptz NOT NULL DEFAULT now(),
  last_redriven_by text NOT NULL,
  PRIMARY KEY (dlq_partition, dlq_offset)
);
CREATE INDEX automation_dead_letter_redrives_org_idx ON automation_dead_letter_redrives (organization_id);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE automation_dead_letter_redrives, automation_template_ratings`);
  }
}
