import type { Pool, PoolClient } from 'pg';
import type { ConsentChannel, ConsentRecord, ConsentSource, ConsentState } from '@fixlify/contracts';

type Db = Pool | PoolClient;

export interface ConsentChangeInput {
  organizationId: string;
  channel: ConsentChannel;
  address: string;
  state: ConsentState;
  source: ConsentSource;
  reason?: string | null;
  /** a provider's id of the change (inbound message, event): a second delivery of it records nothing */
  dedupeKey?: string | null;
}

/** The form addresses are compared in: e-mail case-insensitively, phone numbers as written (E.164). */
export const normalizeAddress = (channel: ConsentChannel, address: string): string => (channel === 'email' ? address.trim().toLowerCase() : address.trim());

/**
 * Records one consent change and applies it to the current state (communication_suppressions) in one
 * transaction: `suppressed` adds the suppression, `allowed` lifts it. False when nothing changed: the
 * recipient was already in that state, or the change was already recorded (same dedupe key).
 */
export const recordConsentChange = async (db: PoolClient, c: ConsentChangeInput): Promise<boolean> => {
  const address = normalizeAddress(c.channel, c.address);
  // to the state the recipient is already in (a one-click POST retried, a second STOP): no change, nothing recorded
  const current = await db.query(
    'SELECT 1 FROM communication_suppressions WHERE organization_id = $1 AND channel = $2 AND lower(address) = lower($3) FOR UPDATE',
    [c.organizationId, c.channel, address],
  );
  if ((current.rowCount === 1) === (c.state === 'suppressed')) return false;
  const ins = await db.query(
    `INSERT INTO communication_consent_changes (organization_id, channel, address, state, source, reason, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (organization_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
    [c.organizationId, c.channel, address, c.state, c.source, c.reason ?? null, c.dedupeKey ?? null],
  );
  if (ins.rowCount === 0) return false;
  if (c.state === 'suppressed')
    await db.query(
      `INSERT INTO communication_suppressions (organization_id, channel, address, reason, source) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id, channel, address) DO NOTHING`,
      [c.organizationId, c.channel, address, c.reason ?? c.source, c.source],
    );
  else
    await db.query('DELETE FROM communication_suppressions WHERE organization_id = $1 AND channel = $2 AND lower(address) = lower($3)', [
      c.organizationId,
      c.channel,
      address,
    ]);
  return true;
};

/** One recipient's consent: the current state and every change, newest first. */
export const readConsent = async (db: Db, organizationId: string, channel: ConsentChannel, address: string): Promise<ConsentRecord> => {
  const a = normalizeAddress(channel, address);
  const [cur, hist] = await Promise.all([
    db.query<{ reason: string; source: string }>(
      'SELECT reason, source FROM communication_suppressions WHERE organization_id = $1 AND channel = $2 AND lower(address) = lower($3)',
      [organizationId, channel, a],
    ),
    db.query<{ state: ConsentState; source: ConsentSource; reason: string | null; created_at: Date }>(
      `SELECT state, source, reason, created_at FROM communication_consent_changes
       WHERE organization_id = $1 AND channel = $2 AND lower(address) = lower($3) ORDER BY created_at DESC, id DESC LIMIT 200`,
      [organizationId, channel, a],
    ),
  ]);
  const s = cur.rows[0];
  return {
    channel,
    address: a,
    state: s ? 'suppressed' : 'allowed',
    reason: s?.reason ?? null,
    // carriers lift an SMS STOP only on the recipient's own START
    restorableByOwner: !(s && channel === 'sms' && s.source === 'inbound_sms'),
    history: hist.rows.map((r) => ({ state: r.state, source: r.source, reason: r.reason, at: r.created_at.toISOString() })),
  };
};
