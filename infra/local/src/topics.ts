import { CAPTURED_TABLES, LIMITS, TOPIC_CATALOG, cdcHeartbeatTopic, cdcTopic } from '@fixlify/contracts';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The automation topics the local stack creates, from the topic catalog (libs/contracts topic-catalog.ts;
 * infra/compose creates the same ones: compose.spec keeps them in step).
 * Retention is unlimited at topic level because the log is the source of truth and projections are
 * rebuilt from it; the broker default (168 h) still applies to CDC and Connect's own topics.
 * Every topic takes records up to LIMITS.kafkaMessageBytes: a large row's change, the event it
 * becomes and the start command carrying that event must all fit (README "Limits").
 */
const MAX_MESSAGE = { 'max.message.bytes': String(LIMITS.kafkaMessageBytes) } as const;
export const AUTOMATION_TOPIC_SPECS: readonly TopicSpec[] = TOPIC_CATALOG.map((t) => ({ topic: t.topic, numPartitions: t.partitions, configs: t.configs }));

/**
 * The CDC topics, created up front with Debezium's own defaults (topic.creation.default.partitions=3,
 * topic.creation.default.max.message.bytes) so consumers can subscribe before the first change of a
 * table: kafkajs fails to subscribe to a topic that does not exist yet.
 */
export const cdcTopicSpecs = (prefix: string): readonly TopicSpec[] => [
  ...CAPTURED_TABLES.map((table) => ({ topic: cdcTopic(prefix, table), numPartitions: 3, configs: { ...MAX_MESSAGE } })),
  // ingest follows the heartbeats (change capture's pulse); one partition, a day is plenty
  { topic: cdcHeartbeatTopic(prefix), numPartitions: 1, configs: { 'retention.ms': String(24 * 3600_000), ...MAX_MESSAGE } },
];
