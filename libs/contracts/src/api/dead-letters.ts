import { z } from 'zod';
import { DeadLetter } from '../messages';
import { Id, Timestamp } from './common';

/** GET /api/dead-letters */
export const DeadLettersQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
export type DeadLettersQuery = z.infer<typeof DeadLettersQuery>;

/** The re-drives made of one dead letter (by any API instance) */
export const Redrive = z.object({ count: z.number().int(), firstAt: Timestamp, lastAt: Timestamp, lastBy: z.string() });
export type Redrive = z.infer<typeof Redrive>;

/** A message on the dead-letter topic; `id` is `<dlq partition>:<dlq offset>` */
export const DeadLetterEntry = z.object({
  id: z.string(),
  organizationId: Id.nullable(),
  deadLetter: DeadLetter,
  redrive: Redrive.nullable(),
});
export type DeadLetterEntry = z.infer<typeof DeadLetterEntry>;

export const DeadLetterList = z.object({
  items: z.array(DeadLetterEntry),
  /** true: values and headers with secret-looking fields replaced (viewers) */
  redacted: z.boolean(),
});
export type DeadLetterList = z.infer<typeof DeadLetterList>;

/** POST /api/dead-letters/:id/redrive */
export const RedriveResult = z.object({ id: z.string(), topic: z.string(), redrivenAt: Timestamp, redrive: Redrive });
export type RedriveResult = z.infer<typeof RedriveResult>;
