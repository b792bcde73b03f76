import { z } from 'zod';

/**
 * A point in time as an answer carries it: ISO 8601 with an offset. The API reads timestamptz
 * columns as Date and answers their toISOString(), which is what this describes.
 */
export const Timestamp = z.iso.datetime({ offset: true });

/** The answer of a command that has nothing else to say. */
export const OkResponse = z.object({ ok: z.literal(true) });
export type OkResponse = z.infer<typeof OkResponse>;

/** Every error answer: `{code, message, details?}` (details: the fields or steps at fault). */
export const ApiErrorBody = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** `{ items: [...] }`, the shape of every list answer. */
export const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/**
 * An id in an answer: UUID-shaped, of any version (what the columns and isUuid accept). Request
 * bodies and queries keep their own stricter checks.
 */
export const Id = z.guid();
