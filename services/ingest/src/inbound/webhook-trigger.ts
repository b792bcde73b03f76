import type { Pool } from 'pg';
import { inspectWebhookSignature, signWebhook } from '@fixlify/channels';
import { requestEventId, type DomainEvent, type TriggerAccepted, isUuid } from '@fixlify/contracts';
import type { EventEmitter } from '../emit/event-emitter';
import { InboundTriggerError } from './errors';
import { findWorkflow, waitUntilIndexed, withTransaction } from '@fixlify/db';

export interface WebhookRequest {
  workflowId: string;
  rawBody: Buffer;
  /** the Fixlify-Signature header */
  signature: string | undefined;
  /** the Idempotency-Key header: a redelivery with a fresh signature is still the same event */
  idempotencyKey: string | undefined;
}

export const webhookEvent = (p: { organizationId: string; workflowId: string; requestId: string; payload: unknown; now: Date }): DomainEvent => ({
  v: 1,
  eventId: requestEventId({ workflowId: p.workflowId, requestId: p.requestId, kind: 'webhook' }),
  type: 'webhook',
  organizationId: p.organizationId,
  entityType: 'none',
  entityId: null,
  before: null,
  after: null,
  occurredAt: p.now.toISOString(),
  emittedAt: p.now.toISOString(),
  workflowId: p.workflowId,
  causation: null,
  // a JSON object is the payload itself (data.<field> in filters); anything else sits under data.payload
  data: p.payload !== null && typeof p.payload === 'object' && !Array.isArray(p.payload) ? (p.payload as Record<string, unknown>) : { payload: p.payload },
  source: { kind: 'webhook' },
});

/**
 * Inbound webhook: verifies the signature with the workflow's secret, refuses a replay of a
 * signature seen within the tolerance window (remembered in PostgreSQL, so it holds across ingest
 * instances), and emits the event. The signature is recorded in the transaction that waits for the
 * broker's ack: a request that failed to reach the broker can be retried with the same signature,
 * and of two concurrent copies the second waits for the first and is refused.
 */
export const runWebhookTrigger = async (
  deps: { pool: Pool; emitter: EventEmitter; toleranceSeconds: number; activationGraceMs: number },
  req: WebhookRequest,
  now: Date,
): Promise<TriggerAccepted> => {
  const wf = isUuid(req.workflowId) ? await findWorkflow(deps.pool, req.workflowId) : null;
  // unknown, inactive, not a webhook workflow, or no secret: all look the same from outside
  if (!wf || !wf.active || wf.triggerType !== 'webhook' || !wf.webhookSecret)
    throw new InboundTriggerError('not_found', 'no active webhook workflow at this address');
  if (!req.signature) throw new InboundTriggerError('signature_missing', 'the Fixlify-Signature header is missing');
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const check = inspectWebhookSignature(wf.webhookSecret, req.signature, req.rawBody, nowSeconds, deps.toleranceSeconds);
  switch (check) {
    case 'malformed':
      throw new InboundTriggerError('signature_malformed', 'the Fixlify-Signature header must be t=<unix seconds>,v1=<hex HMAC-SHA256>');
    case 'stale':
      throw new InboundTriggerError(
        'signature_stale',
        `the signature timestamp is more than ${deps.toleranceSeconds} s from now; sign each delivery when sending it`,
      );
    case 'mismatch':
      throw new InboundTriggerError('signature_mismatch', 'the signature does not match the body and the workflow secret');
    case 'ok':
      break;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    throw new InboundTriggerError('invalid_body', 'the body is not JSON');
  }
  // what identifies a delivery: our own signature of (t, body), whatever extra v1 values the header carried
  const t = Number(/(?:^|,)\s*t=(\d{1,12})\s*(?:,|$)/.exec(req.signature)?.[1]);
  const signed = signWebhook(wf.webhookSecret, req.rawBody, t);
  const key = req.idempotencyKey?.trim();
  const requestId = key && key.length <= 200 ? `key:${key}` : `sig:${signed}`;
  const ev = webhookEvent({ organizationId: wf.organizationId, workflowId: wf.id, requestId, payload, now });
  await waitUntilIndexed(wf, deps.activationGraceMs, now);
  await withTransaction(deps.pool, async (client) => {
    const seen = await client.query(
      `INSERT INTO automation_webhook_signatures (workflow_id, signature, event_id, expires_at)
       VALUES ($1, $2, $3, to_timestamp($4::bigint)) ON CONFLICT (workflow_id, signature) DO NOTHING`,
      [wf.id, signed, ev.eventId, t + deps.toleranceSeconds],
    );
    if (seen.rowCount === 0) throw new InboundTriggerError('replayed', 'this signed request was already received; sign each delivery anew');
    await deps.emitter.emit([ev]);
  });
  return { eventId: ev.eventId, workflowId: wf.id };
};

/** Forgets signatures that are stale anyway. */
export const pruneWebhookSignatures = async (pool: Pool): Promise<number> =>
  (await pool.query('DELETE FROM automation_webhook_signatures WHERE expires_at < now()')).rowCount ?? 0;
