import { z } from 'zod';
import { RETENTION, TOPICS, parseSettings } from '@fixlify/contracts';

const MetricsEnv = z.object({
  /** port of /metrics and /health */
  METRICS_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9104),
  /**
   * The projection's name in the offsets table. Defaults to the consumer group id
   * (`<FIXLIFY_GROUP_PREFIX>-metrics`): two projectors in different groups must not share
   * offsets rows, or one would skip what the other has not read yet.
   */
  METRICS_PROJECTION_NAME: z.string().min(1).max(100).optional(),
  /**
   * Schema of the projection tables: `public` (the live projection) or a scratch schema created on
   * start with the same table definitions (rebuild checks, tests).
   */
  METRICS_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('public'),
  /** topic of step results to project (benchmarks and tests use their own) */
  METRICS_TOPIC: z.string().min(1).max(249).default(TOPICS.stepResults),
  /** partitions projected at once, each in its own PostgreSQL transaction */
  METRICS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** fetch size per partition: bigger batches mean fewer, larger transactions */
  METRICS_MAX_BYTES_PER_PARTITION: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /**
   * The storage lifecycle (README "Storage"): how often a pass runs (partitions, pruning, disk sizes),
   * 0 = never (a scratch projection or a second deployment sharing the database leaves it to one).
   */
  LIFECYCLE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5 * 60_000),
  /** Execution logs are dropped a weekly partition at a time once older than this (aggregated metrics stay). */
  EXECUTION_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(RETENTION.executionLogDays),
});
export type MetricsConfig = z.infer<typeof MetricsEnv>;

export const metricsConfig = (env: NodeJS.ProcessEnv = process.env): MetricsConfig => {
  return parseSettings(MetricsEnv, 'metrics', env);
};

/** The projection name: METRICS_PROJECTION_NAME, else the consumer group id. */
export const projectionName = (cfg: MetricsConfig, groupPrefix: string): string => cfg.METRICS_PROJECTION_NAME ?? `${groupPrefix}-metrics`;
