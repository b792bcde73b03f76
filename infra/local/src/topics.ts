import { CAPTURED_TABLES, RETENTION, TOPIC_CATALOG, TOPIC_STORAGE, cdcHeartbeatTopic, cdcTopic, days } from '@fixlify/contracts';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * The automation topics the local stack creates, from the topic catalog (libs/contracts topic-catalog.ts;
 * infra/compose creates the same ones: compose.spec keeps them in step).
 * Every topic has its own retention (libs/contracts retention.ts, README "Storage"); the broker
 * default (168 h) applies only to Connect's own topics, which are compacted anyway.
 * Every topic is zstd-compressed and takes records up to LIMITS.kafkaMessageBytes (TOPIC_STORAGE): a large row's change, the event it
 * becomes and the start command carrying that event must all fit (README "Limits").
 */
/** What Debezium sets on a CDC topic it creates itself (connector.ts) and what the stack pre-creates. */
export const CDC_RETENTION = { 'retention.ms': String(days(RETENTION.cdcDays)) } as const;
export const AUTOMATION_TOPIC_SPECS: readonly TopicSpec[] = TOPIC_CATALOG.map((t) => ({ topic: t.topic, numPartitions: t.partitions, configs: t.configs }));

/**
 * The CDC topics, created up front with Debezium's own defaults (topic.creation.default.partitions=3,
 * topic.creation.default.max.message.bytes) so consumers can subscribe before the first change of a
 * table: kafkajs fails to subscribe to a topic that does not exist yet.
 */
export const cdcTopicSpecs = (prefix: string): readonly TopicSpec[] => [
  ...CAPTURED_TABLES.map((table) => ({ topic: cdcTopic(prefix, table), numPartitions: 3, configs: { ...CDC_RETENTION, ...TOPIC_STORAGE } })),
  // ingest follows the heartbeats (change capture's pulse); one partition
  { topic: cdcHeartbeatTopic(prefix), numPartitions: 1, configs: { 'retention.ms': String(days(RETENTION.cdcHeartbeatDays)), ...TOPIC_STORAGE } },
];
