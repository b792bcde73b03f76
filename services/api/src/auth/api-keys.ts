import type { Pool } from 'pg';
import type { ApiKey, ApiKeyList, CreateApiKeyBody, CreatedApiKey, OkResponse } from '@fixlify/contracts';
import { notFound } from '../http/errors';
import { iso, isoOrNull } from '../http/iso';
import { generateApiKey } from './tokens';

type ApiKeyRow = Omit<ApiKey, 'lastUsedAt' | 'revokedAt' | 'expiresAt' | 'createdAt'> & {
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
};

/** GET /api/api-keys: the organization's keys, newest first (prefix only). */
export const listApiKeys = async (pool: Pool, organizationId: string): Promise<ApiKeyList> => {
  const r = await pool.query<ApiKeyRow>(
    `SELECT id, name, prefix, role, last_used_at AS "lastUsedAt", revoked_at AS "revokedAt", expires_at AS "expiresAt", created_at AS "createdAt"
       FROM api_keys WHERE organization_id = $1 ORDER BY created_at DESC`,
    [organizationId],
  );
  return {
    items: r.rows.map((k) => ({
      ...k,
      lastUsedAt: isoOrNull(k.lastUsedAt),
      revokedAt: isoOrNull(k.revokedAt),
      expiresAt: isoOrNull(k.expiresAt),
      createdAt: iso(k.createdAt),
    })),
  };
};

/** POST /api/api-keys: a new key; only its hash is stored, so this answer is the one time it is shown. */
export const createApiKey = async (pool: Pool, organizationId: string, body: CreateApiKeyBody): Promise<CreatedApiKey> => {
  const k = generateApiKey();
  const r = await pool.query<{ id: string; expiresAt: Date | null }>(
    `INSERT INTO api_keys (organization_id, name, prefix, key_hash, role, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, expires_at AS "expiresAt"`,
    [organizationId, body.name, k.prefix, k.hash, body.role, body.expiresAt ?? null],
  );
  return { id: r.rows[0]!.id, name: body.name, role: body.role, prefix: k.prefix, expiresAt: isoOrNull(r.rows[0]!.expiresAt), key: k.key };
};

/** DELETE /api/api-keys/:id: refused from now on (revoking twice keeps the first time). */
export const revokeApiKey = async (pool: Pool, organizationId: string, id: string): Promise<OkResponse> => {
  const r = await pool.query(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND organization_id = $2`, [id, organizationId]);
  if (r.rowCount !== 1) throw notFound('API key');
  return { ok: true };
};
