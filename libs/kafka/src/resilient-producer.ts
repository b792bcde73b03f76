import type { Kafka, Producer, ProducerConfig, ProducerRecord, RecordMetadata } from 'kafkajs';

export interface ResilientProducer {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  stop(): Promise<void>;
}

/**
 * An idempotent producer outside a consumer's transaction (clock, manual and webhook events, the
 * API's publications) that survives broker restarts: it connects on first use, and after a failed
 * send it is thrown away and a fresh one connects for the next. An idempotent producer whose batch
 * was refused keeps answering OUT_OF_ORDER_SEQUENCE_NUMBER, and one left on a dead connection keeps
 * failing; callers retry the send (ids are deterministic, so a resend is deduplicated downstream).
 */
export const createResilientProducer = (kafka: Kafka, config: ProducerConfig = {}): ResilientProducer => {
  let current: Promise<Producer> | null = null;
  const producer = (): Promise<Producer> => {
    current ??= (async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, ...config });
      try {
        await p.connect();
        return p;
      } catch (e) {
        await p.disconnect().catch(() => undefined);
        throw e;
      }
    })();
    const mine = current;
    // a failed connect must not stick: the next send tries again
    mine.catch(() => {
      if (current === mine) current = null;
    });
    return mine;
  };
  return {
    send: async (record) => {
      const mine = producer();
      const p = await mine;
      try {
        return await p.send(record);
      } catch (e) {
        if (current === mine) current = null;
        await p.disconnect().catch(() => undefined);
        throw e;
      }
    },
    stop: async () => {
      const p = current;
      current = null;
      if (p) await (await p.catch(() => null))?.disconnect();
    },
  };
};
