import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts: e-mail addresses are unique whatever their case (sign-in lowercases the address it is
 * given, so `Ann@x.com` and `ann@x.com` would be two accounts behind one sign-in), and API keys can
 * expire (`expires_at`; an expired key is refused like a revoked one).
 */
export class AccountSecurity1795830000000 implements MigrationInterface {
  name = 'AccountSecurity1795830000000';

  async up(q: QueryRunner): Promise<void> {
    const dup = (await q.query(
      `SELECT lower(email) AS email, count(*)::int AS n FROM users GROUP BY lower(email) HAVING count(*) > 1 ORDER BY 1 LIMIT 20`,
    )) as { email: string; n: number }[];
    if (dup.length > 0) {
      throw new Error(
        `users: these e-mail addresses exist more than once in different case; merge or rename them, then migrate again: ${dup.map((d) => `${d.email} (${d.n})`).join(', ')}`,
      );
    }
    await q.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP COLUMN expires_at`);
    await q.query(`DROP INDEX users_email_lower_key`);
  }
}
