import type { Pool, PoolClient } from 'pg';

/**
 * Runs `fn` in one transaction on a client of its own: COMMIT when it returns, ROLLBACK when it
 * throws (the error is rethrown; a failed rollback is not allowed to hide it), and the client goes
 * back to the pool either way. `begin` replaces the opening statement (e.g. to add SET LOCAL).
 */
export const withTransaction = async <R>(pool: Pool, fn: (db: PoolClient) => Promise<R>, o: { begin?: string } = {}): Promise<R> => {
  const client = await pool.connect();
  try {
    await client.query(o.begin ?? 'BEGIN');
    const r = await fn(client);
    await client.query('COMMIT');
    return r;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
};
