import type { Kafka } from 'kafkajs';
import { createResilientProducer } from '@fixlify/kafka';
import { TOPICS, domainEventHeaders, eventKey, type DomainEvent } from '@fixlify/contracts';
import { eventTraceHeaders } from './event-trace';

/** Puts domain events on automation.events.v1 and resolves once the broker has acknowledged them all. */
export interface EventEmitter {
  emit(events: readonly DomainEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** Same key as CDC events: per organization and entity, so one entity's events stay in order. */

/**
 * An idempotent producer (the broker drops the producer's own retries) with acks from all in-sync
 * replicas. Events produced outside a consumer's transaction (clock, manual, webhook) rely on their
 * deterministic ids: a second emission of the same event yields the same execution id downstream.
 */
export const createEventEmitter = async (kafka: Kafka, topic: string = TOPICS.events): Promise<EventEmitter> => {
  const producer = createResilientProducer(kafka, { allowAutoTopicCreation: false });
  return {
    emit: async (events) => {
      if (events.length === 0) return;
      await producer.send({
        topic,
        acks: -1,
        messages: events.map((ev) => ({ key: eventKey(ev), value: JSON.stringify(ev), headers: { ...domainEventHeaders(ev), ...eventTraceHeaders(ev) } })),
      });
    },
    stop: () => producer.stop(),
  };
};
