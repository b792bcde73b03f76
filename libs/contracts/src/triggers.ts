import { z } from 'zod';

/**
 * The inbound trigger served by services/ingest (INGEST_TRIGGER_PORT):
 * POST /hooks/<workflowId> — public: an inbound webhook, signed like Fixlify's outgoing ones:
 *   `Fixlify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(workflow webhook secret, "<t>.<raw body>")>`,
 *   optional `Idempotency-Key` (a retried delivery with a new signature is still one event).
 * It answers 202 with TriggerAccepted once the broker has acknowledged the event, or an error
 * status with TriggerError. Manual runs are the API's (POST /api/workflows/:id/trigger), where the
 * caller's credentials, never a body, name the organization.
 */
export const WEBHOOK_TRIGGER_PATH_PREFIX = '/hooks/';
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export const TriggerAccepted = z.object({ eventId: z.uuid(), workflowId: z.uuid() });
export type TriggerAccepted = z.infer<typeof TriggerAccepted>;

export const TRIGGER_ERROR_CODES = [
  'signature_missing',
  'signature_malformed',
  'signature_stale',
  'signature_mismatch',
  'replayed',
  'not_found',
  'invalid_body',
  'invalid_path',
  'body_too_large',
  'method_not_allowed',
  'unavailable',
] as const;
export const TriggerError = z.object({ error: z.enum(TRIGGER_ERROR_CODES), message: z.string() });
export type TriggerError = z.infer<typeof TriggerError>;
