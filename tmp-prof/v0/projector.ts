import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { StepResult, TOPICS } from '@fixlify/contracts';
import { batchDuration, consumerLag, jsonDecoder, kafkaEnv, messagesFailed, messagesProcessed, type Logger } from '@fixlify/kafka';
import { projectBatch } from './project-batch';

export interface Projector {
  isReady(): boolean;
  /** resolves when every partition has been projected up to the given end offsets */
  caughtUp(ends: Map<number, bigint>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Exactly-once projection: rows and consumed offsets commit in one PostgreSQL transaction (the
 * offsets table is the truth; Kafka's committed offsets only make restarts start close by).
 */
export const startProjector = async (o: { kafka: Kafka; pool: Pool; groupId: string; consumerName: string; log: Logger; fromBeginning?: boolean }): Promise<Projector> => {
  const decode = jsonDecoder(StepResult);
  const consumer = o.kafka.consumer({ groupId: o.groupId, readUncommitted: false, maxWaitTimeInMs: 500, maxBytesPerPartition: 8 * 1024 * 1024, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  let joined = false;
  const done = new Map<number, bigint>();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    done.set(payload.partition, BigInt(payload.lastOffset) + 1n);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: ['bench.step-results.v1'], fromBeginning: o.fromBeginning ?? kafkaEnv().FIXLIFY_START_FROM === 'earliest' });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
      const end = batchDuration.startTimer({ consumer: o.consumerName, topic: batch.topic });
      const items = batch.messages.map((m) => {
        const d = decode(m);
        if (d.ok === false) {
          // the producer validated it; an unreadable result is logged and skipped, not fatal
          messagesFailed.inc({ consumer: o.consumerName, topic: batch.topic, reason: 'invalid' });
          o.log.warn({ offset: m.offset, partition: batch.partition, reason: d.reason }, 'unreadable step result skipped');
        }
        return { offset: m.offset, value: d.ok === true ? d.value : null };
      });
      const client = await o.pool.connect();
      try {
        await client.query('BEGIN');
        await projectBatch(client, o.consumerName, { topic: batch.topic, partition: batch.partition, items });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
      const last = batch.messages[batch.messages.length - 1]!.offset;
      payload.resolveOffset(last);
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
      messagesProcessed.inc({ consumer: o.consumerName, topic: batch.topic }, batch.messages.length);
      consumerLag.set({ consumer: o.consumerName, topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
      end();
      await payload.heartbeat();
    },
  });
  return {
    isReady: () => joined,
    caughtUp: async (ends) => {
      for (;;) {
        if ([...ends].every(([p, e]) => (done.get(p) ?? 0n) >= e)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => consumer.disconnect(),
  };
};
