import type { KafkaMessage } from 'kafkajs';
import { TOPICS, type DeadLetter } from '@fixlify/contracts';
import type { OutMessage } from './out-message';

const MAX_VALUE_CHARS = 900_000;

/** Wraps a message that could not be processed, with its origin and the reason. */
export const deadLetter = (p: { topic: string; partition: number; message: KafkaMessage; consumer: string; reason: string }): OutMessage => {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  const value = p.message.value ? p.message.value.toString('utf8').slice(0, MAX_VALUE_CHARS) : null;
  const dl: DeadLetter = {
    v: 1,
    origin: { topic: p.topic, partition: p.partition, offset: p.message.offset, key: p.message.key?.toString('utf8') ?? null },
    consumer: p.consumer,
    reason: p.reason.slice(0, 5000),
    value,
    headers,
    failedAt: new Date().toISOString(),
  };
  return { topic: TOPICS.dlq, key: dl.origin.key, value: JSON.stringify(dl) };
};
