import { z } from 'zod';
import { TOPICS, parseSettings } from '@fixlify/contracts';

const MatcherEnv = z.object({
  /** port of /metrics and /health */
  MATCHER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9102),
  /** events caused by automations at this depth or deeper start nothing (loop protection) */
  MATCHER_MAX_CAUSATION_DEPTH: z.coerce.number().int().min(1).max(50).default(3),
  /** the topics read and written; only benchmarks and tests on a shared cluster change them (topics of their own) */
  MATCHER_WORKFLOWS_TOPIC: z.string().min(1).default(TOPICS.workflows),
  MATCHER_EVENTS_TOPIC: z.string().min(1).default(TOPICS.events),
  MATCHER_COMMANDS_TOPIC: z.string().min(1).default(TOPICS.commands),
  /** event partitions handled concurrently whose start commands commit in one Kafka transaction; 1 = one per partition batch */
  MATCHER_GROUP_COMMIT_PARTITIONS: z.coerce.number().int().min(1).max(256).default(32),
  /** first back-off of the transactional producer's retries (ms) */
  MATCHER_TXN_RETRY_MS: z.coerce.number().int().min(1).max(1000).default(10),
});
export type MatcherConfig = z.infer<typeof MatcherEnv>;

export const matcherConfig = (env: NodeJS.ProcessEnv = process.env): MatcherConfig => {
  return parseSettings(MatcherEnv, 'matcher', env);
};
