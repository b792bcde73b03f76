import type { Pool, PoolClient } from 'pg';

/**
 * A client of its own from the pool, with an error listener for as long as it is checked out: the
 * pool listens only to idle clients, and a connection PostgreSQL drops while a client is checked out
 * but between queries is an 'error' event that, unheard, ends the process. `release` returns it (or,
 * after such an error, destroys it so the pool opens a fresh one).
 */
export const checkOut = async (pool: Pool): Promise<{ client: PoolClient; release: () => void }> => {
  const client = await pool.connect();
  let failed: Error | undefined;
  const onError = (e: Error): void => {
    failed = e;
  };
  client.on('error', onError);
  return {
    client,
    release: () => {
      client.off('error', onError);
      client.release(failed);
    },
  };
};

/**
 * Runs `fn` in one transaction on a client of its own: COMMIT when it returns, ROLLBACK when it
 * throws (the error is rethrown; a failed rollback is not allowed to hide it), and the client goes
 * back to the pool either way. `begin` replaces the opening statement (e.g. to add SET LOCAL).
 */
export const withTransaction = async <R>(pool: Pool, fn: (db: PoolClient) => Promise<R>, o: { begin?: string } = {}): Promise<R> => {
  const { client, release } = await checkOut(pool);
  try {
    await client.query(o.begin ?? 'BEGIN');
    const r = await fn(client);
    await client.query('COMMIT');
    return r;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    release();
  }
};
