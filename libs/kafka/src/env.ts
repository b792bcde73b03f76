import { parseSettings } from '@fixlify/contracts';
import { hostname } from 'node:os';
import { z } from 'zod';

const KafkaEnv = z.object({
  /** comma-separated bootstrap brokers; the local stack's broker by default */
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:29092'),
  /** topic prefix Debezium writes CDC topics under (`<prefix>.public.<table>`) */
  FIXLIFY_CDC_PREFIX: z.string().min(1).default('fixlify'),
  /**
   * Stable identity of this process among the instances of one service. It names the Kafka
   * transactional id, so a restarted instance fences its dead predecessor's open transaction at
   * once. Give each instance of a service its own value (e.g. the pod ordinal).
   */
  FIXLIFY_INSTANCE_ID: z.string().min(1).max(100).default(hostname()),
  /** consumer group prefix (tests may isolate themselves with their own) */
  FIXLIFY_GROUP_PREFIX: z.string().min(1).default('fixlify'),
  /**
   * Where a consumer group that has no committed offsets starts: `earliest` (default: a new
   * deployment processes the whole log) or `latest` (tests that isolate themselves in their own group).
   */
  FIXLIFY_START_FROM: z.enum(['earliest', 'latest']).default('earliest'),
  /** Kafka transaction timeout; an open transaction of a crashed instance blocks readers at most this long */
  KAFKA_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(900_000).default(30_000),
});
export type KafkaEnv = z.infer<typeof KafkaEnv>;

export const kafkaEnv = (env: NodeJS.ProcessEnv = process.env): KafkaEnv => {
  return parseSettings(KafkaEnv, 'Kafka', env);
};
