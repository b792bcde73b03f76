import type { Pool } from 'pg';
import { UNKNOWN_OUTCOME_POLICY, type DeliveryChannel } from '@fixlify/channels';
import { Batcher } from '../db/batcher';

export type LedgerDecision =
  | { kind: 'send'; attempt: number }
  | { kind: 'already_delivered'; providerMessageId: string | null; response: Record<string, unknown> | null }
  | { kind: 'already_suppressed'; reason: string | null }
  | { kind: 'unknown_outcome' };

export interface DeliveryKey {
  stepKey: string;
  organizationId: string;
  executionId: string;
  channel: DeliveryChannel;
}

interface Existing {
  status: string;
  provider_message_id: string | null;
  response: Record<string, unknown> | null;
  error: string | null;
}

/** What to do about a step that already has a ledger row: null means "send again". */
export const decideExisting = (row: Existing, channel: DeliveryChannel): LedgerDecision | null => {
  switch (row.status) {
    case 'delivered':
      return { kind: 'already_delivered', providerMessageId: row.provider_message_id, response: row.response };
    case 'suppressed':
      return { kind: 'already_suppressed', reason: row.error };
    case 'sending':
      return UNKNOWN_OUTCOME_POLICY[channel] === 'never_resend' ? { kind: 'unknown_outcome' } : null;
    default:
      return null;
  }
};

export interface DeliveryLedger {
  /** Before a send: claims the step key, or says why not to send. */
  begin(p: DeliveryKey): Promise<LedgerDecision>;
  /**
   * After a send: the step is delivered. Also valid without begin (no row yet) — for channels whose
   * policy resends with the same Idempotency-Key, a missing row means what "sending" means.
   */
  delivered(p: DeliveryKey, providerMessageId: string | null, response: Record<string, unknown>): Promise<void>;
  failed(stepKey: string, error: string, maybeDelivered: boolean, channel: DeliveryChannel): Promise<void>;
  suppressed(p: DeliveryKey & { reason: string }): Promise<void>;
}

/**
 * Every side effect leaves through this ledger, keyed by the step key. A redelivered command whose
 * step already delivered does not deliver again. A row left in `sending` means the process died
 * between the send and its record: the channel's policy decides (people: never twice; machines:
 * resend with the same Idempotency-Key).
 *
 * Writes of concurrent executions go together (group commit, see Batcher): a batch of executions
 * costs a few statements, not a few per execution. Each caller still waits for its own row to be
 * written before it sends or reports, so what survives a crash is the same as one statement each.
 */
export const createDeliveryLedger = (pool: Pool): DeliveryLedger => {
  const begins = new Batcher<DeliveryKey, LedgerDecision>(
    async (keys) => {
      const res = await pool.query<Existing & { step_key: string; inserted: boolean }>(
        `WITH input AS (
           SELECT DISTINCT ON (step_key) * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[]) AS t(step_key, organization_id, execution_id, channel)
         ), ins AS (
           INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts)
           SELECT step_key, organization_id, execution_id, channel, 'sending', 1 FROM input
           ON CONFLICT (step_key) DO NOTHING RETURNING step_key
         )
         SELECT i.step_key, ins.step_key IS NOT NULL AS inserted, d.status, d.provider_message_id, d.response, d.error
           FROM input i LEFT JOIN ins ON ins.step_key = i.step_key LEFT JOIN automation_deliveries d ON d.step_key = i.step_key`,
        [keys.map((k) => k.stepKey), keys.map((k) => k.organizationId), keys.map((k) => k.executionId), keys.map((k) => k.channel)],
      );
      const rows = new Map(res.rows.map((r) => [r.step_key, r]));
      const seen = new Set<string>();
      const resend: string[] = [];
      const out: (LedgerDecision | null)[] = keys.map((k) => {
        const row = rows.get(k.stepKey);
        // the same step twice in one group (two consumers of one command): only the first may send
        if (seen.has(k.stepKey)) return decideExisting({ status: 'sending', provider_message_id: null, response: null, error: null }, k.channel) ?? { kind: 'unknown_outcome' };
        seen.add(k.stepKey);
        if (!row || row.inserted) return { kind: 'send', attempt: 1 };
        // a row another transaction wrote while this statement ran: someone is sending it now
        const d = decideExisting(row.status === null ? { ...row, status: 'sending' } : row, k.channel);
        if (!d) resend.push(k.stepKey);
        return d;
      });
      const attempts = new Map<string, number>();
      if (resend.length > 0) {
        const upd = await pool.query<{ step_key: string; attempts: number }>(
          `UPDATE automation_deliveries SET status = 'sending', attempts = attempts + 1, updated_at = now() WHERE step_key = ANY($1::text[]) RETURNING step_key, attempts`,
          [resend],
        );
        for (const r of upd.rows) attempts.set(r.step_key, r.attempts);
      }
      return keys.map((k, i) => out[i] ?? { kind: 'send', attempt: attempts.get(k.stepKey) ?? 1 });
    },
    { maxInFlight: 2 },
  );

  const deliveries = new Batcher<DeliveryKey & { providerMessageId: string | null; response: Record<string, unknown> }, void>(
    async (rows) => {
      // an upsert: a send that skipped begin (see DeliveryLedger.delivered) has no row yet
      const last = new Map(rows.map((r) => [r.stepKey, r]));
      const unique = [...last.values()];
      await pool.query(
        `INSERT INTO automation_deliveries AS d (step_key, organization_id, execution_id, channel, status, attempts, provider_message_id, response)
         SELECT step_key, organization_id, execution_id, channel, 'delivered', 1, provider_message_id, response
           FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[]) AS u(step_key, organization_id, execution_id, channel, provider_message_id, response)
         ON CONFLICT (step_key) DO UPDATE SET status = 'delivered', provider_message_id = EXCLUDED.provider_message_id, response = EXCLUDED.response, error = NULL, updated_at = now()`,
        [
          unique.map((r) => r.stepKey),
          unique.map((r) => r.organizationId),
          unique.map((r) => r.executionId),
          unique.map((r) => r.channel),
          unique.map((r) => r.providerMessageId),
          unique.map((r) => JSON.stringify(r.response)),
        ],
      );
      return rows.map(() => undefined);
    },
    { maxInFlight: 2 },
  );

  // What this process knows and PostgreSQL does not (yet): outcomes whose record failed because the
  // database went away. The batch is then retried whole; its re-run of the step must not read the
  // row left "sending" as an unknown outcome, since this process saw the answer (or saw that nothing
  // was sent). Lost only with the process itself — the case "sending" exists for.
  const unrecorded = new Map<string, DeliveryKey & { providerMessageId: string | null; response: Record<string, unknown> }>();
  const notSent = new Set<string>();

  return {
    begin: async (p) => {
      const known = unrecorded.get(p.stepKey);
      if (known) {
        await deliveries.submit(known);
        unrecorded.delete(p.stepKey);
        return { kind: 'already_delivered', providerMessageId: known.providerMessageId, response: known.response };
      }
      let decision: LedgerDecision;
      try {
        decision = await begins.submit(p);
      } catch (e) {
        // the claim may have committed while its answer was lost: no request has left for this step
        notSent.add(p.stepKey);
        throw e;
      }
      if (decision.kind === 'unknown_outcome' && notSent.has(p.stepKey)) {
        const upd = await pool.query<{ attempts: number }>(
          `UPDATE automation_deliveries SET attempts = attempts + 1, updated_at = now() WHERE step_key = $1 AND status = 'sending' RETURNING attempts`,
          [p.stepKey],
        );
        if (upd.rows[0]) decision = { kind: 'send', attempt: upd.rows[0].attempts };
      }
      notSent.delete(p.stepKey);
      return decision;
    },
    delivered: async (p, providerMessageId, response) => {
      const row = { ...p, providerMessageId, response };
      unrecorded.set(p.stepKey, row);
      await deliveries.submit(row);
      unrecorded.delete(p.stepKey);
    },
    failed: async (stepKey, error, maybeDelivered, channel) => {
      // a send that may have reached a person stays "sending" (unknown), so it is never repeated
      const unknown = maybeDelivered && UNKNOWN_OUTCOME_POLICY[channel] === 'never_resend';
      try {
        await pool.query(`UPDATE automation_deliveries SET status = $2, error = $3, updated_at = now() WHERE step_key = $1`, [stepKey, unknown ? 'sending' : 'failed', error.slice(0, 2000)]);
      } catch (e) {
        // the provider said no (or nothing left): a re-run may send, whatever the row still says
        if (!unknown) notSent.add(stepKey);
        throw e;
      }
    },
    suppressed: async (p) => {
      await pool.query(
        `INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts, error)
         VALUES ($1, $2, $3, $4, 'suppressed', 0, $5)
         ON CONFLICT (step_key) DO UPDATE SET status = 'suppressed', error = EXCLUDED.error, updated_at = now()
           WHERE automation_deliveries.status <> 'delivered'`,
        [p.stepKey, p.organizationId, p.executionId, p.channel, p.reason],
      );
    },
  };
};
