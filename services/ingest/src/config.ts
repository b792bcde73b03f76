import { z } from 'zod';

const IngestEnv = z.object({
  /** port of /metrics and /health */
  INGEST_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9101),
});
export type IngestConfig = z.infer<typeof IngestEnv>;

export const ingestConfig = (env: NodeJS.ProcessEnv = process.env): IngestConfig => {
  const r = IngestEnv.safeParse(env);
  if (!r.success) throw new Error(`invalid ingest settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
};
