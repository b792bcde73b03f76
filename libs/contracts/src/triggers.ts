import { z } from 'zod';
import { EntityType } from './messages';

/**
 * Inbound triggers served by services/ingest (INGEST_TRIGGER_PORT).
 * - POST /triggers/manual — internal (the API): run an active manual-trigger workflow with a context.
 * - POST /hooks/<workflowId> — public: an inbound webhook, signed like Fixlify's outgoing ones:
 *   `Fixlify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(workflow webhook secret, "<t>.<raw body>")>`,
 *   optional `Idempotency-Key` (a retried delivery with a new signature is still one event).
 * Both answer 202 with TriggerAccepted once the broker has acknowledged the event, or an error
 * status with TriggerError.
 */
export const MANUAL_TRIGGER_PATH = '/triggers/manual';
export const WEBHOOK_TRIGGER_PATH_PREFIX = '/hooks/';
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export const ManualTriggerRequest = z
  .object({
    organizationId: z.uuid(),
    workflowId: z.uuid(),
    /** the caller's request id: a retried request makes the same event (and execution) */
    requestId: z.string().min(1).max(200),
    /** the trigger payload: `trigger.<field>` in templates, `data.<field>` in filters */
    context: z.record(z.string(), z.unknown()).default({}),
    /** the record the run is about (loaded into the execution context), of the same organization */
    entity: z.object({ type: EntityType.exclude(['none', 'workflow']), id: z.string().min(1).max(200) }).strict().optional(),
  })
  .strict();
export type ManualTriggerRequest = z.infer<typeof ManualTriggerRequest>;

export const TriggerAccepted = z.object({ eventId: z.uuid(), workflowId: z.uuid() });
export type TriggerAccepted = z.infer<typeof TriggerAccepted>;

export const TRIGGER_ERROR_CODES = [
  'unauthorized',
  'signature_missing',
  'signature_malformed',
  'signature_stale',
  'signature_mismatch',
  'replayed',
  'not_found',
  'not_manual',
  'invalid_body',
  'invalid_path',
  'body_too_large',
  'method_not_allowed',
  'unavailable',
] as const;
export const TriggerError = z.object({ error: z.enum(TRIGGER_ERROR_CODES), message: z.string() });
export type TriggerError = z.infer<typeof TriggerError>;
