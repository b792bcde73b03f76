import { z } from 'zod';

/**
 * A Debezium change event as the JSON converter writes it with schemas.enable=false.
 * Quirks: jsonb arrives as a JSON string, timestamptz as ISO text, numeric as a string
 * (decimal.handling.mode=string), source.snapshot is a string ("true", "last", "false", …).
 */
export const DebeziumSource = z
  .object({
    ts_ms: z.number().int(),
    lsn: z.union([z.number().int(), z.string()]).nullable().optional(),
    txId: z.union([z.number().int(), z.string()]).nullable().optional(),
    table: z.string(),
    schema: z.string().optional(),
    snapshot: z.union([z.string(), z.boolean()]).nullable().optional(),
  })
  .loose();

export const DebeziumChangeEvent = z
  .object({
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    source: DebeziumSource,
    op: z.enum(['c', 'u', 'd', 'r', 't', 'm']),
    ts_ms: z.number().int().nullable().optional(),
  })
  .loose()
  .superRefine((e, ctx) => {
    if ((e.op === 'c' || e.op === 'r' || e.op === 'u') && e.after === null)
      ctx.addIssue({ code: 'custom', path: ['after'], message: `op ${e.op} needs an after image` });
    if (e.op === 'd' && e.before === null) ctx.addIssue({ code: 'custom', path: ['before'], message: 'op d needs a before image' });
  });
export type DebeziumChangeEvent = z.infer<typeof DebeziumChangeEvent>;

/**
 * What Connect writes instead of a change too large to send (the transform
 * io.fixlify.connect.OversizedToMarker, infra/local/maven/connect-smt): the change's Debezium
 * `source` block (table, LSN, txId, commit time), its key and how large it was. Nothing of the row
 * itself; ingest turns it into a dead letter.
 */
export const OVERSIZED_OP = 'oversized';
export const DebeziumOversizedMarker = z
  .object({
    op: z.literal(OVERSIZED_OP),
    /** the change's own op (c, u, d, r…) */
    originalOp: z.string().nullable().optional(),
    topic: z.string().optional(),
    /** serialized key + value of the change, bytes */
    bytes: z.number().int(),
    /** the transform's max.bytes */
    limit: z.number().int().min(0).optional(),
    ts_ms: z.number().int().nullable().optional(),
    source: DebeziumSource.nullable().optional(),
    /** the record key: the primary key columns (or its JSON text when schemaless) */
    key: z.unknown().optional(),
  })
  .loose();
export type DebeziumOversizedMarker = z.infer<typeof DebeziumOversizedMarker>;
