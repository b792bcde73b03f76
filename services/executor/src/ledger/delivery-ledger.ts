import type { Pool } from 'pg';
import { UNKNOWN_OUTCOME_POLICY, type DeliveryChannel } from '@fixlify/channels';

export type LedgerDecision =
  | { kind: 'send'; attempt: number }
  | { kind: 'already_delivered'; providerMessageId: string | null; response: Record<string, unknown> | null }
  | { kind: 'already_suppressed'; reason: string | null }
  | { kind: 'unknown_outcome' };

/**
 * Every side effect leaves through this ledger, keyed by the step key. A redelivered command whose
 * step already delivered does not deliver again. A row left in `sending` means the process died
 * between the send and its record: the channel's policy decides (people: never twice; machines:
 * resend with the same Idempotency-Key).
 */
export const beginDelivery = async (pool: Pool, p: { stepKey: string; organizationId: string; executionId: string; channel: DeliveryChannel }): Promise<LedgerDecision> => {
  const ins = await pool.query(
    `INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts)
     VALUES ($1, $2, $3, $4, 'sending', 1) ON CONFLICT (step_key) DO NOTHING RETURNING attempts`,
    [p.stepKey, p.organizationId, p.executionId, p.channel],
  );
  if (ins.rowCount === 1) return { kind: 'send', attempt: 1 };
  const cur = await pool.query<{ status: string; provider_message_id: string | null; response: Record<string, unknown> | null; error: string | null }>(
    'SELECT status, provider_message_id, response, error FROM automation_deliveries WHERE step_key = $1',
    [p.stepKey],
  );
  const row = cur.rows[0];
  if (!row) return { kind: 'send', attempt: 1 };
  switch (row.status) {
    case 'delivered':
      return { kind: 'already_delivered', providerMessageId: row.provider_message_id, response: row.response };
    case 'suppressed':
      return { kind: 'already_suppressed', reason: row.error };
    case 'sending':
      if (UNKNOWN_OUTCOME_POLICY[p.channel] === 'never_resend') return { kind: 'unknown_outcome' };
      break;
    default:
      break;
  }
  const upd = await pool.query<{ attempts: number }>(
    `UPDATE automation_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now()
      WHERE step_key = $1 RETURNING attempts`,
    [p.stepKey],
  );
  return { kind: 'send', attempt: upd.rows[0]?.attempts ?? 1 };
};

export const recordDelivered = async (pool: Pool, stepKey: string, providerMessageId: string | null, response: Record<string, unknown>): Promise<void> => {
  await pool.query(
    `UPDATE automation_deliveries SET status = 'delivered', provider_message_id = $2, response = $3, error = NULL, updated_at = now() WHERE step_key = $1`,
    [stepKey, providerMessageId, JSON.stringify(response)],
  );
};

export const recordFailed = async (pool: Pool, stepKey: string, error: string, maybeDelivered: boolean, channel: DeliveryChannel): Promise<void> => {
  // a send that may have reached a person stays "sending" (unknown), so it is never repeated
  const status = maybeDelivered && UNKNOWN_OUTCOME_POLICY[channel] === 'never_resend' ? 'sending' : 'failed';
  await pool.query(`UPDATE automation_deliveries SET status = $2, error = $3, updated_at = now() WHERE step_key = $1`, [stepKey, status, error.slice(0, 2000)]);
};

export const recordSuppressed = async (pool: Pool, p: { stepKey: string; organizationId: string; executionId: string; channel: DeliveryChannel; reason: string }): Promise<void> => {
  await pool.query(
    `INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts, error)
     VALUES ($1, $2, $3, $4, 'suppressed', 0, $5)
     ON CONFLICT (step_key) DO UPDATE SET status = 'suppressed', error = EXCLUDED.error, updated_at = now()
       WHERE automation_deliveries.status <> 'delivered'`,
    [p.stepKey, p.organizationId, p.executionId, p.channel, p.reason],
  );
};
