import { z } from 'zod';

const MetricsEnv = z.object({
  /** port of /metrics and /health */
  METRICS_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9104),
  /** the projection's name in the offsets table (tests and rebuilds may use their own) */
  METRICS_PROJECTION_NAME: z.string().min(1).max(100).default('execution-projection'),
});
export type MetricsConfig = z.infer<typeof MetricsEnv>;

export const metricsConfig = (env: NodeJS.ProcessEnv = process.env): MetricsConfig => {
  const r = MetricsEnv.safeParse(env);
  if (!r.success) throw new Error(`invalid metrics settings: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
};
