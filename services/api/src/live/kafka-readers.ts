import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { LIMITS, StepResult, TOPICS } from '@fixlify/contracts';
import { NO_SELF_RESTART, superviseConsumer, type Incarnation, type Logger } from '@fixlify/kafka';
import type { DeadLetterBuffer } from '../dead-letters/dlq-buffer';
import type { LiveHub } from './live-hub';

export interface Reader {
  ready: () => boolean;
  stop: () => Promise<void>;
}

/**
 * A consumer that reads for this process alone (a group of its own, nothing committed): every API
 * instance sees every partition, so each can serve its own SSE clients. Supervised: a crashed reader
 * is replaced by a new one with a new group (the live feed goes on from then; the dead-letter buffer
 * reads again from the beginning, deduplicated by position).
 */
const privateReader = async (
  kafka: Kafka,
  log: Logger,
  p: { name: string; groupPrefix: string; topic: string; fromBeginning: boolean; onMessage: (value: Buffer, partition: number, offset: string) => void },
): Promise<Reader> => {
  const incarnate = async (watch: (c: Consumer) => void): Promise<Incarnation> => {
    const consumer: Consumer = kafka.consumer({
      groupId: `${p.groupPrefix}-api-${p.name}-${randomUUID()}`,
      maxWaitTimeInMs: 100,
      readUncommitted: false,
      retry: NO_SELF_RESTART,
      // a dead letter of a large change can be megabytes: any record the cluster takes fits in a fetch
      maxBytesPerPartition: LIMITS.kafkaMessageBytes,
      maxBytes: 2 * LIMITS.kafkaMessageBytes,
    });
    watch(consumer);
    const close = () => consumer.disconnect().catch(() => undefined);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [p.topic], fromBeginning: p.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message, partition }) => {
          if (!message.value) return;
          try {
            p.onMessage(message.value, partition, message.offset);
          } catch (e) {
            log.warn({ err: e, reader: p.name }, 'message skipped');
          }
        },
      });
    } catch (e) {
      await close();
      throw e;
    }
    return { consumer, close };
  };
  const supervised = await superviseConsumer({ name: `api-${p.name}`, log, start: incarnate });
  return { ready: supervised.isRunning, stop: supervised.stop };
};

/** automation.step-results.v1 → the live feed (from now on; history is in the execution logs). */
export const startLiveReader = (kafka: Kafka, log: Logger, groupPrefix: string, hub: LiveHub): Promise<Reader> =>
  privateReader(kafka, log, {
    name: 'live',
    groupPrefix,
    topic: TOPICS.stepResults,
    fromBeginning: false,
    onMessage: (value) => {
      const r = StepResult.safeParse(JSON.parse(value.toString('utf8')));
      if (r.success) hub.publish(r.data);
    },
  });

/** automation.dlq.v1 from the beginning → the browsable buffer. */
export const startDeadLetterReader = (kafka: Kafka, log: Logger, groupPrefix: string, buffer: DeadLetterBuffer): Promise<Reader> =>
  privateReader(kafka, log, {
    name: 'dlq',
    groupPrefix,
    topic: TOPICS.dlq,
    fromBeginning: true,
    onMessage: (value, partition, offset) => buffer.add(partition, offset, value.toString('utf8')),
  });
