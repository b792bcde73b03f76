import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { LIMITS } from '@fixlify/contracts';
// the topics are zstd-compressed: register the codec before any client reads them
import '@fixlify/kafka';

export const testKafka = (): Kafka =>
  new Kafka({ clientId: `fixlify-test-${process.pid}`, brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:29092').split(','), logLevel: logLevel.NOTHING });

export interface TopicReader<T> {
  /** messages seen so far that passed the filter */
  readonly seen: T[];
  /** waits until `count` matching messages have been seen */
  waitFor(count: number, timeoutMs: number): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * Reads a topic from the beginning (read_committed by default: only what committed
 * transactions wrote) and keeps the messages `map` turns into a value.
 */
export const readTopic = async <T>(
  kafka: Kafka,
  topic: string,
  map: (m: KafkaMessage, partition: number) => T | undefined,
  opts: { readUncommitted?: boolean; fromBeginning?: boolean } = {},
): Promise<TopicReader<T>> => {
  const consumer = kafka.consumer({
    groupId: `fixlify-test-reader-${randomUUID()}`,
    readUncommitted: opts.readUncommitted ?? false,
    maxWaitTimeInMs: 50,
    maxBytesPerPartition: LIMITS.kafkaMessageBytes,
    maxBytes: 2 * LIMITS.kafkaMessageBytes,
  });
  const seen: T[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: opts.fromBeginning ?? true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }) => {
      const v = map(message, partition);
      if (v !== undefined) seen.push(v);
    },
  });
  return {
    seen,
    waitFor: async (count, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (seen.length < count) {
        if (Date.now() > deadline) throw new Error(`timed out: ${seen.length} of ${count} messages on ${topic}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return seen;
    },
    stop: () => consumer.disconnect(),
  };
};

/** Parses a JSON message and keeps it when `pick` says so. */
export const jsonWhere =
  <T = Record<string, unknown>>(pick: (v: T) => boolean) =>
  (m: KafkaMessage): T | undefined => {
    if (!m.value) return undefined;
    try {
      const v = JSON.parse(m.value.toString('utf8')) as T;
      return pick(v) ? v : undefined;
    } catch {
      return undefined;
    }
  };

/**
 * A commands topic of the test's own (`test.<name>.<pid>-<time>.commands`, 6 partitions like the
 * real one, kept an hour): an executor started on it runs only what the test produces, and no other
 * executor on the shared cluster runs the test's commands.
 */
export const createPrivateCommandsTopic = async (kafka: Kafka, name: string): Promise<string> => {
  const topic = `test.${name}.${process.pid}-${Date.now()}.commands`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 6, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
};
