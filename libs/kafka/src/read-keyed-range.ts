import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { withTimeout } from './health';

export interface KeyedRecord {
  value: string;
  timestamp: number;
  offset: string;
}

/**
 * The records of one key in a time range of a topic: only the key's partition is read (the producer's
 * default partitioner, murmur2 like Java's, places a key), from the first offset at `from` to the
 * offset at `to` (or the end), with a consumer group of this read alone that is deleted afterwards.
 * Reads at most `maxScanned` records of the partition: `truncated` says the range was larger.
 */
export const readKeyedRange = async (
  kafka: Kafka,
  o: { topic: string; key: string; from: Date; to: Date; maxScanned: number; groupPrefix: string; timeoutMs?: number },
): Promise<{ records: KeyedRecord[]; scanned: number; truncated: boolean }> => {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${o.groupPrefix}-read-${randomUUID().slice(0, 8)}`;
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [o.topic] });
    const partitionMetadata = meta.topics[0]?.partitions ?? [];
    if (partitionMetadata.length === 0) return { records: [], scanned: 0, truncated: false };
    const partition = Partitioners.DefaultPartitioner()({ topic: o.topic, partitionMetadata, message: { key: o.key, value: null } });
    const starts = await admin.fetchTopicOffsetsByTimestamp(o.topic, o.from.getTime());
    const watermarks = await admin.fetchTopicOffsets(o.topic);
    const ends =
      o.to.getTime() >= Date.now()
        ? watermarks.map((w) => ({ partition: w.partition, offset: w.high }))
        : await admin.fetchTopicOffsetsByTimestamp(o.topic, o.to.getTime());
    const start = BigInt(starts.find((s) => s.partition === partition)?.offset ?? '0');
    const end = BigInt(ends.find((e) => e.partition === partition)?.offset ?? '0');
    if (start >= end) return { records: [], scanned: 0, truncated: false };
    await admin.setOffsets({ groupId, topic: o.topic, partitions: [{ partition, offset: start.toString() }] });
    const consumer = kafka.consumer({ groupId, retry: { retries: 2 } });
    const records: KeyedRecord[] = [];
    let scanned = 0;
    let truncated = false;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: o.topic, fromBeginning: true });
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          let settled = false;
          const finish = (): void => {
            if (!settled) {
              settled = true;
              resolve();
            }
          };
          consumer.on(consumer.events.CRASH, (e: { payload: { error: Error } }) => reject(e.payload.error));
          // a batch of only transaction markers still moves the position
          consumer.on(consumer.events.END_BATCH_PROCESS, (e: { payload: { partition: number; lastOffset: string } }) => {
            if (e.payload.partition === partition && BigInt(e.payload.lastOffset) + 1n >= end) finish();
          });
          consumer
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                if (batch.partition !== partition || settled) return;
                for (const m of batch.messages) {
                  const offset = BigInt(m.offset);
                  if (offset < start) continue;
                  if (offset >= end) return finish();
                  scanned++;
                  const ts = Number(m.timestamp);
                  if (m.key?.toString() === o.key && m.value && ts >= o.from.getTime() && ts < o.to.getTime())
                    records.push({ value: m.value.toString(), timestamp: ts, offset: m.offset });
                  if (scanned >= o.maxScanned) {
                    truncated = offset + 1n < end;
                    return finish();
                  }
                }
                if (BigInt(batch.lastOffset()) + 1n >= end) finish();
              },
            })
            .catch(reject);
        }),
        o.timeoutMs ?? 30_000,
        `reading ${o.topic} partition ${partition}`,
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return { records, scanned, truncated };
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
};
