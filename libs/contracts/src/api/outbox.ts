import { z } from 'zod';

/** What one local provider stand-in received for the caller's organization, newest first */
export const OutboxBox = z.object({
  /** false: no stand-in URL is set (OUTBOX_MAILGUN_URL / OUTBOX_TELNYX_URL) */
  configured: z.boolean(),
  /** the stand-in's own records of the messages */
  items: z.array(z.unknown()),
  error: z.string().nullable(),
});
export type OutboxBox = z.infer<typeof OutboxBox>;

/** GET /api/outbox (development only) */
export const Outbox = z.object({ email: OutboxBox, sms: OutboxBox });
export type Outbox = z.infer<typeof Outbox>;
