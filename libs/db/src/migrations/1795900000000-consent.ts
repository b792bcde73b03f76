import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent per organization and recipient: communication_suppressions stays the current state (what the
 * executor checks before every message; now with the source of the opt-out), and
 * communication_consent_changes keeps every change with its source and time. A provider's delivery of
 * the same change twice (a webhook retried) carries the same dedupe key and is recorded once. The
 * organizations' texts for the SMS keywords (STOP, START, HELP; a default where null).
 */
export class Consent1795900000000 implements MigrationInterface {
  name = 'Consent1795900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE communication_suppressions ADD COLUMN source text NOT NULL DEFAULT 'owner';
CREATE TABLE communication_consent_changes (
  id bigserial PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('email','sms')),
  address text NOT NULL,
  state text NOT NULL CHECK (state IN ('suppressed','allowed')),
  source text NOT NULL CHECK (source IN ('inbound_sms','unsubscribe_link','provider_event','owner','api')),
  reason text,
  dedupe_key text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX communication_consent_changes_recipient_idx ON communication_consent_changes (organization_id, channel, lower(address), created_at);
CREATE UNIQUE INDEX communication_consent_changes_dedupe_idx ON communication_consent_changes (organization_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
ALTER TABLE organizations
  ADD COLUMN sms_opt_out_text text CHECK (length(sms_opt_out_text) <= 320),
  ADD COLUMN sms_opt_in_text text CHECK (length(sms_opt_in_text) <= 320),
  ADD COLUMN sms_help_text text CHECK (length(sms_help_text) <= 320);
`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
ALTER TABLE organizations DROP COLUMN sms_opt_out_text, DROP COLUMN sms_opt_in_text, DROP COLUMN sms_help_text;
DROP TABLE communication_consent_changes;
ALTER TABLE communication_suppressions DROP COLUMN source;
`);
  }
}
