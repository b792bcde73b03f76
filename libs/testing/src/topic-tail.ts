import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { LIMITS } from '@fixlify/contracts';

export interface TopicTail<T> {
  /** messages seen so far that `map` kept, in arrival order */
  readonly seen: T[];
  /** resolves once the reader has its partitions; produce after this */
  ready: Promise<void>;
  /** waits until `pred` holds on what was seen */
  until(pred: (seen: readonly T[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reads a topic from its end as of now (read_committed by default), not from the beginning: on a
 * shared, long-lived log a test only wants what happens after it starts.
 */
export const tailTopic = async <T>(
  kafka: Kafka,
  topic: string,
  map: (m: KafkaMessage, partition: number) => T | undefined,
  opts: { readUncommitted?: boolean } = {},
): Promise<TopicTail<T>> => {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const consumer = kafka.consumer({
    groupId: `fixlify-test-tail-${randomUUID()}`,
    readUncommitted: opts.readUncommitted ?? false,
    maxWaitTimeInMs: 50,
    maxBytesPerPartition: LIMITS.kafkaMessageBytes,
    maxBytes: 2 * LIMITS.kafkaMessageBytes,
  });
  const seen: T[] = [];
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const v = map(m, batch.partition);
        if (v !== undefined) seen.push(v);
      }
      await Promise.resolve();
    },
  });
  // messages produced between the offsets fetch and the group join are not missed
  for (const p of ends) consumer.seek({ topic, partition: p.partition, offset: p.offset });
  return {
    seen,
    ready,
    until: async (pred, timeoutMs, what) => {
      const deadline = Date.now() + timeoutMs;
      while (!pred(seen)) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${topic} (${seen.length} messages seen)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => consumer.disconnect(),
  };
};
