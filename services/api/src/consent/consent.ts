import type { Pool } from 'pg';
import type { ChangeConsentBody, ConsentRecord } from '@fixlify/contracts';
import { readConsent, recordConsentChange, withTransaction } from '@fixlify/db';
import type { Principal } from '../auth/principal';
import { ApiError } from '../http/errors';

/**
 * An owner or editor suppresses or restores a recipient by hand (source `owner` in the web app,
 * `api` with an API key). An SMS opt-out the recipient sent (STOP) is theirs to lift: only their
 * START restores it, so a restore is refused with the reason.
 */
export const changeConsent = async (pool: Pool, p: Principal, b: ChangeConsentBody): Promise<ConsentRecord> => {
  const current = await readConsent(pool, p.organizationId, b.channel, b.address);
  if (b.state === 'allowed' && !current.restorableByOwner)
    throw new ApiError(
      'conflict',
      `${current.address} opted out by texting ${current.reason?.replace(/^replied /, '') ?? 'STOP'}: carriers let only the recipient lift it, by texting START to the number`,
    );
  await withTransaction(pool, (db) =>
    recordConsentChange(db, {
      organizationId: p.organizationId,
      channel: b.channel,
      address: b.address,
      state: b.state,
      source: p.apiKeyId ? 'api' : 'owner',
      reason: b.reason ?? `${b.state === 'suppressed' ? 'suppressed' : 'restored'} by ${p.actor}`,
    }),
  );
  return readConsent(pool, p.organizationId, b.channel, b.address);
};
