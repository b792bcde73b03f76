import type { Pool, PoolClient } from 'pg';
import type { ChannelProvider } from '@fixlify/contracts';

type Db = Pool | PoolClient;

export interface ChannelCredentialRow {
  organizationId: string;
  provider: ChannelProvider;
  secretCiphertext: string;
  settings: Record<string, unknown>;
  updatedAt: Date;
}

const COLUMNS = `organization_id AS "organizationId", provider, secret_ciphertext AS "secretCiphertext", settings, updated_at AS "updatedAt"`;

/** The stored provider accounts of some organizations (encrypted secrets; libs/channels opens them). */
export const readChannelCredentials = async (db: Db, organizationIds: readonly string[]): Promise<ChannelCredentialRow[]> => {
  if (organizationIds.length === 0) return [];
  const r = await db.query<ChannelCredentialRow>(`SELECT ${COLUMNS} FROM organization_channel_credentials WHERE organization_id = ANY($1::uuid[]) ORDER BY provider`, [organizationIds]);
  return r.rows;
};

export const upsertChannelCredential = async (db: Db, row: Omit<ChannelCredentialRow, 'updatedAt'>): Promise<ChannelCredentialRow> => {
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
