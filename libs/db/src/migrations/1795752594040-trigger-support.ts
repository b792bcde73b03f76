import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clock and inbound triggers (services/ingest):
 * - client_inactive finds each client's last job and invoice by client;
 * - inbound webhook signatures seen within the tolerance window, shared by every ingest
 *   instance, so a replayed request is refused wherever it lands;
 * - a partial index over clock occurrences without emitted_at (a health check: ingest claims and
 *   marks an occurrence emitted in the transaction that waits for the broker's ack, so none should stay).
 */
export class TriggerSupport1795752594040 implements MigrationInterface {
  name = 'TriggerSupport1795752594040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
CREATE INDEX IF NOT EXISTS jobs_client_created_idx ON jobs (client_id, created_at DESC) WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS invoices_client_created_idx ON invoices (client_id, created_at DESC) WHERE client_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS automation_clock_occurrences_unemitted_idx ON automation_clock_occurrences (created_at) WHERE emitted_at IS NULL;

CREATE TABLE automation_webhook_signatures (
  workflow_id uuid NOT NULL,
  signature text NOT NULL,
  event_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, signature)
);
CREATE INDEX automation_webhook_signatures_expiry_idx ON automation_webhook_signatures (expires_at);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
DROP TABLE IF EXISTS automation_webhook_signatures;
DROP INDEX IF EXISTS automation_clock_occurrences_unemitted_idx;
DROP INDEX IF EXISTS invoices_client_created_idx;
DROP INDEX IF EXISTS jobs_client_created_idx;
`);
  }
}
