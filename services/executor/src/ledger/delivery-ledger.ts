import type { Pool } from 'pg';
import { UNKNOWN_OUTCOME_POLICY, type DeliveryChannel } from '@fixlify/channels';
import { Batcher } from '../db/batcher';

export type LedgerDecision =
  /** the step is claimed (status `claimed`, this attempt): send, and pass the attempt to `sending` */
  | { kind: 'send'; attempt: number }
  | { kind: 'already_delivered'; providerMessageId: string | null; response: Record<string, unknown> | null }
  | { kind: 'already_suppressed'; reason: string | null }
  /**
   * A person's message whose request was on the wire when its attempt ended without an answer: ask the
   * provider if it can be asked (reconcile), otherwise the outcome is unknown and it is not sent again.
   */
  | { kind: 'in_doubt'; since: Date; providerMessageId: string | null }
  /** another attempt holds the step right now (two consumers of one command): try again later */
  | { kind: 'busy' };

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
  updated_at: Date;
}

/**
 * What to do about a step that already has a ledger row: null means "claim it and send (again)".
 *
 * - `claimed`: an attempt took the step but never let its request's last byte go (see `sending`), so
 *   the provider cannot have acted on it: sending again is safe for every channel.
 * - `sending`: the request was complete on the wire. People: never again without proof (in_doubt);
 *   machines: again, with the same Idempotency-Key.
 * - `failed`: the provider said no, or the request never left: again.
 */
export const decideExisting = (row: Existing, channel: DeliveryChannel): LedgerDecision | null => {
  switch (row.status) {
    case 'delivered':
      return { kind: 'already_delivered', providerMessageId: row.provider_message_id, response: row.response };
    case 'suppressed':
      return { kind: 'already_suppressed', reason: row.error };
    case 'sending':
      return UNKNOWN_OUTCOME_POLICY[channel] === 'never_resend'
        ? { kind: 'in_doubt', since: new Date(row.updated_at), providerMessageId: row.provider_message_id }
        : null;
    default:
      return null;
  }
};

export interface DeliveryLedger {
  /** Before a send that may repeat an earlier attempt: claims the step key (`claimed`), or says why not to send. */
  begin(p: DeliveryKey): Promise<LedgerDecision>;
  /**
   * Right before the request's last byte (HttpRequestOptions.beforeLastByte): the step goes `sending`.
   * With the attempt `begin` answered, only that claim may (a later claim took it over: false); with
   * null (a command never taken on before, which skipped begin), the row is created, and false means
   * another attempt has one. False: do not let the last byte go.
   */
  sending(p: DeliveryKey, attempt: number | null): Promise<boolean>;
  /**
   * After a send: the step is delivered. Also valid without begin (no row yet) — for channels whose
   * policy resends with the same Idempotency-Key, a missing row means what "sending" means.
   */
  delivered(p: DeliveryKey, providerMessageId: string | null, response: Record<string, unknown>): Promise<void>;
  /** maybeDelivered: the request was complete on the wire and no answer says what became of it */
  failed(stepKey: string, error: string, maybeDelivered: boolean, channel: DeliveryChannel): Promise<void>;
  suppressed(p: DeliveryKey & { reason: string }): Promise<void>;
}

/**
 * Every side effect leaves through this ledger, keyed by the step key. A redelivered command whose
 * step already delivered does not deliver again. The row says how far an attempt got: `claimed`
 * (taken, the request's last byte not yet gone: nothing can have happened), `sending` (recorded
 * durably just before the last byte left: the request may have been acted on), `delivered` (the
 * provider answered). So a crash leaves "unknown" only for the requests actually on the wire; the
 * channel's policy decides about those (people: never twice; machines: resend with the same
 * Idempotency-Key).
 *
 * Writes of concurrent executions go together (group commit, see Batcher): a batch of executions
 * costs a few statements, not a few per execution. Each caller still waits for its own row to be
 * written before it sends or reports, so what survives a crash is the same as one statement each.
 * Answers are recorded by several statements in flight at once: an answer waits for a free
 * connection, not for a queue of earlier answers, which is the window in which a kill loses it.
 */
export const createDeliveryLedger = (pool: Pool, opts: { recordsInFlight?: number } = {}): DeliveryLedger => {
  const recordsInFlight = opts.recordsInFlight ?? 4;
  // What this process knows and PostgreSQL does not (yet): outcomes whose record failed because the
  // database went away. The batch is then retried whole; its re-run of the step must not read the row
  // left "sending" as in doubt, since this process saw the answer — or saw that the last byte never
  // left (a `sending` whose reply was lost) or that the provider said no. Lost only with the process
  // itself, which is the case "sending" exists for.
  const unrecorded = new Map<string, DeliveryKey & { providerMessageId: string | null; response: Record<string, unknown> }>();
  const notSent = new Set<string>();
  const begins = new Batcher<DeliveryKey, LedgerDecision>(
    async (keys) => {
      const res = await pool.query<Existing & { step_key: string; inserted: boolean }>(
        `WITH input AS (
           SELECT DISTINCT ON (step_key) * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[]) AS t(step_key, organization_id, execution_id, channel)
         ), ins AS (
           INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts)
           SELECT step_key, organization_id, execution_id, channel, 'claimed', 1 FROM input
           ON CONFLICT (step_key) DO NOTHING RETURNING step_key
         )
         SELECT i.step_key, ins.step_key IS NOT NULL AS inserted, d.status, d.provider_message_id, d.response, d.error, d.updated_at
           FROM input i LEFT JOIN ins ON ins.step_key = i.step_key LEFT JOIN automation_deliveries d ON d.step_key = i.step_key`,
        [keys.map((k) => k.stepKey), keys.map((k) => k.organizationId), keys.map((k) => k.executionId), keys.map((k) => k.channel)],
      );
      const rows = new Map(res.rows.map((r) => [r.step_key, r]));
      const seen = new Set<string>();
      const again: { stepKey: string; from: string }[] = [];
      const out: (LedgerDecision | null)[] = keys.map((k) => {
        const row = rows.get(k.stepKey);
        // the same step twice in one group (two consumers of one command): only the first may send
        if (seen.has(k.stepKey)) return { kind: 'busy' };
        seen.add(k.stepKey);
        if (!row || row.inserted) return { kind: 'send', attempt: 1 };
        // a row another transaction wrote while this statement ran: another attempt holds the step now
        if (row.status === null) return { kind: 'busy' };
        // a `sending` this process knows never let its last byte go (its reply was lost) or was refused: claim it again
        const d = row.status === 'sending' && notSent.has(k.stepKey) ? null : decideExisting(row, k.channel);
        if (!d) again.push({ stepKey: k.stepKey, from: row.status });
        return d;
      });
      const attempts = new Map<string, number>();
      if (again.length > 0) {
        // only from the status seen: an attempt that went `sending` meanwhile keeps it (it may be on the wire)
        const upd = await pool.query<{ step_key: string; attempts: number }>(
          `UPDATE automation_deliveries d SET status = 'claimed', attempts = d.attempts + 1, error = NULL, updated_at = now()
             FROM unnest($1::text[], $2::text[]) AS a(step_key, status)
            WHERE d.step_key = a.step_key AND d.status = a.status
           RETURNING d.step_key, d.attempts`,
          [again.map((a) => a.stepKey), again.map((a) => a.from)],
        );
        for (const r of upd.rows) attempts.set(r.step_key, r.attempts);
      }
      return keys.map((k, i): LedgerDecision => {
        const d = out[i];
        if (d) return d;
        const attempt = attempts.get(k.stepKey);
        return attempt === undefined ? { kind: 'busy' } : { kind: 'send', attempt };
      });
    },
    { maxInFlight: 2 },
  );

  const sendings = new Batcher<DeliveryKey & { attempt: number | null }, boolean>(
    async (items) => {
      const res = await pool.query<{ step_key: string }>(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::int[]) AS t(step_key, organization_id, execution_id, channel, attempt)
         ), upd AS (
           UPDATE automation_deliveries d SET status = 'sending', updated_at = now()
             FROM input i
            WHERE i.attempt IS NOT NULL AND d.step_key = i.step_key AND d.status = 'claimed' AND d.attempts = i.attempt
           RETURNING d.step_key
         ), ins AS (
           INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts)
           SELECT DISTINCT ON (step_key) step_key, organization_id, execution_id, channel, 'sending', 1 FROM input WHERE attempt IS NULL
           ON CONFLICT (step_key) DO NOTHING RETURNING step_key
         )
         SELECT step_key FROM upd UNION ALL SELECT step_key FROM ins`,
        [
          items.map((k) => k.stepKey),
          items.map((k) => k.organizationId),
          items.map((k) => k.executionId),
          items.map((k) => k.channel),
          items.map((k) => k.attempt),
        ],
      );
      const won = new Set(res.rows.map((r) => r.step_key));
      // a step twice in one group: the first wins, the other must not send
      return items.map((k) => won.delete(k.stepKey));
    },
    { maxInFlight: recordsInFlight },
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
    { maxInFlight: recordsInFlight },
  );

  return {
    begin: async (p) => {
      const known = unrecorded.get(p.stepKey);
      if (known) {
        await deliveries.submit(known);
        unrecorded.delete(p.stepKey);
        return { kind: 'already_delivered', providerMessageId: known.providerMessageId, response: known.response };
      }
      const decision = await begins.submit(p);
      if (decision.kind === 'send') notSent.delete(p.stepKey);
      return decision;
    },
    sending: async (p, attempt) => {
      try {
        return await sendings.submit({ ...p, attempt });
      } catch (e) {
        // the row may have gone `sending` while its reply was lost: the last byte is not sent now
        notSent.add(p.stepKey);
        throw e;
      }
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
        // never undoes a delivered record (a late failure of an attempt that was overtaken)
        await pool.query(`UPDATE automation_deliveries SET status = $2, error = $3, updated_at = now() WHERE step_key = $1 AND status <> 'delivered'`, [
          stepKey,
          unknown ? 'sending' : 'failed',
          error.slice(0, 2000),
        ]);
      } catch (e) {
        // the provider said no (or the request never left): a re-run may send, whatever the row still says
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
