import type { Pool } from 'pg';
import type { Me, SignedInUser } from '@fixlify/contracts';
import type { Principal } from './principal';

/** GET /api/auth/me: the caller's organization, role, and user (null for an API key). */
export const whoAmI = async (pool: Pool, p: Principal): Promise<Me> => {
  const org = await pool.query<NonNullable<Me['organization']>>('SELECT id, name, time_zone FROM organizations WHERE id = $1', [p.organizationId]);
  // a user removed between the guard and this read (sessions go with their user) answers null, like an API key
  const user = p.userId ? ((await pool.query<SignedInUser>('SELECT id, email, name, role FROM users WHERE id = $1', [p.userId])).rows[0] ?? null) : null;
  return { organization: org.rows[0] ?? null, role: p.role, user, apiKeyId: p.apiKeyId };
};
