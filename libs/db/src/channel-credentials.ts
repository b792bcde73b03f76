import type { Pool, PoolClient } from 'pg';
import type { ChannelProvider } from '@fixlify/contracts';

type Db = Pool | PoolClient;

export interface ChannelCredentialRow {
  organizationId: string;
  provider: ChannelProvider;
  secretCiphertext: string;
  settings: Record<string, unknown>;
  /** a rotated-out secret (webhook signing) and until when it is still valid */
  previousSecretCiphertext: string | null;
  previousValidUntil: Date | null;
  updatedAt: Date;
}

const COLUMNS = `organization_id AS "organizationId", provider, secret_ciphertext AS "secretCiphertext", settings,
  previous_secret_ciphertext AS "previousSecretCiphertext", previous_valid_until AS "previousValidUntil", updated_at AS "updatedAt"`;

/** The stored provider accounts of some organizations (encrypted secrets; libs/channels opens them). */
export const readChannelCredentials = async (db: Db, organizationIds: readonly string[]): Promise<ChannelCredentialRow[]> => {
  if (organizationIds.length === 0) return [];
  const r = await db.query<ChannelCredentialRow>(
    `SELECT ${COLUMNS} FROM organization_channel_credentials WHERE organization_id = ANY($1::uuid[]) ORDER BY provider`,
    [organizationIds],
  );
  return r.rows;
};

export const upsertChannelCredential = async (
  db: Db,
  row: Omit<ChannelCredentialRow, 'updatedAt' | 'previousSecretCiphertext' | 'previousValidUntil'>,
): Promise<ChannelCredentialRow> => {
  const r = await db.query<ChannelCredentialRow>(
    `INSERT INTO organization_channel_credentials (organization_id, provider, secret_ciphertext, settings) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, provider) DO UPDATE SET secret_ciphertext = EXCLUDED.secret_ciphertext, settings = EXCLUDED.settings, updated_at = now()
     RETURNING ${COLUMNS}`,
    [row.organizationId, row.provider, row.secretCiphertext, JSON.stringify(row.settings)],
  );
  return r.rows[0]!;
};

/** true when there was a row to delete */
export const deleteChannelCredential = async (db: Db, organizationId: string, provider: ChannelProvider): Promise<boolean> => {
  const r = await db.query('DELETE FROM organization_channel_credentials WHERE organization_id = $1 AND provider = $2', [organizationId, provider]);
  return (r.rowCount ?? 0) > 0;
};

/**
 * Replaces an organization's webhook signing secret; the one it replaces stays valid until
 * `previousValidUntil` (null: not at all). A secret being rotated out already is dropped.
 */
export const rotateWebhookSecret = async (
  db: Db,
  p: { organizationId: string; secretCiphertext: string; previousValidUntil: Date | null },
): Promise<ChannelCredentialRow> => {
  const r = await db.query<ChannelCredentialRow>(
    `INSERT INTO organization_channel_credentials AS c (organization_id, provider, secret_ciphertext, settings) VALUES ($1, 'webhook', $2, '{}')
     ON CONFLICT (organization_id, provider) DO UPDATE SET
       previous_secret_ciphertext = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE c.secret_ciphertext END,
       previous_valid_until = $3::timestamptz,
       secret_ciphertext = EXCLUDED.secret_ciphertext, settings = '{}', updated_at = now()
     RETURNING ${COLUMNS}`,
    [p.organizationId, p.secretCiphertext, p.previousValidUntil],
  );
  return r.rows[0]!;
};

/**
 * Stores a first webhook signing secret for an organization that has none. Two executors doing it
 * at once keep the first one written: both then read it back and sign with it.
 */
export const ensureWebhookSecret = async (db: Db, organizationId: string, secretCiphertext: string): Promise<void> => {
  await db.query(
    `INSERT INTO organization_channel_credentials (organization_id, provider, secret_ciphertext, settings) VALUES ($1, 'webhook', $2, '{}')
     ON CONFLICT (organization_id, provider) DO NOTHING`,
    [organizationId, secretCiphertext],
  );
};
