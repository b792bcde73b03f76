import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every organization signs its outgoing webhooks with its own secret (the `webhook` row of
 * organization_channel_credentials, created on first use), never with a deployment-wide one: a
 * shared secret let one organization obtain a valid signature over a body claiming another. A
 * rotated-out secret stays valid until `previous_valid_until`, so receivers can switch over; while
 * it does, webhooks carry a signature with each.
 */
export class WebhookSigningSecrets1795840000000 implements MigrationInterface {
  name = 'WebhookSigningSecrets1795840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organization_channel_credentials ADD COLUMN previous_secret_ciphertext text, ADD COLUMN previous_valid_until timestamptz`);
    await q.query(
      `ALTER TABLE organization_channel_credentials ADD CONSTRAINT organization_channel_credentials_previous_check
         CHECK ((previous_secret_ciphertext IS NULL) = (previous_valid_until IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organization_channel_credentials DROP CONSTRAINT organization_channel_credentials_previous_check`);
    await q.query(`ALTER TABLE organization_channel_credentials DROP COLUMN previous_valid_until, DROP COLUMN previous_secret_ciphertext`);
  }
}
