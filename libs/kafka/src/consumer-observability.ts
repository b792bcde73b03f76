import type { KafkaMessage } from 'kafkajs';
import { batchDuration, identityOf, messagesFailed, recordBatchDone, type DoneBatch } from './observability';
import { parseTraceparent } from './trace';
import { contextOnly, identityAttributes, startSpan, type ActiveSpan } from './tracing';

/**
 * Spans of consumed messages: recorded (a collector is configured), only their context (the handler
 * needs a trace to carry on, nothing is exported), or none at all (a projection that carries nothing on
 * must not pay for a million contexts in a rebuild).
 */
export type ConsumerSpans = 'record' | 'context' | 'none';

export interface BatchObservation {
  /**
   * A decoded message: notes its organization's newest timestamp (organizationLag) and starts its
   * span, a child of its traceparent or the root of a trace (the id `rootTraceId` gives, else random);
   * null with spans 'none'.
   */
  consumed: (m: KafkaMessage, value: unknown, traceparent: string | undefined, rootTraceId?: () => string | null) => ActiveSpan | null;
  /** A message that could not be read or handled: counted in fixlify_messages_failed_total. */
  failed: (reason: string) => void;
  /** Starts timing the batch (fixlify_batch_duration_seconds): from here to `committed`. */
  startTimer: () => void;
  /** The batch committed: recordBatchDone, then its duration. */
  committed: () => void;
  /** Ends the spans of the batch's messages, with the error that failed it if any. */
  endSpans: (error?: unknown) => void;
}

/**
 * The observability every consumer gives a batch, the exactly-once pipelines and the metrics projector
 * alike, so both name, count and time their batches the same way.
 */
export const observeBatch = (o: { consumer: string; batch: DoneBatch; spanName: string; spans: ConsumerSpans }): BatchObservation => {
  const { consumer, batch } = o;
  const newestByOrg = new Map<string, number>();
  const spans: ActiveSpan[] = [];
  let end: (() => void) | null = null;
  return {
    consumed: (m, value, traceparent, rootTraceId) => {
      const org = identityOf(value).organizationId;
      if (org) newestByOrg.set(org, Number(m.timestamp));
      if (o.spans === 'none') return null;
      const parent = parseTraceparent(traceparent);
      const traceId = parent ? null : (rootTraceId?.() ?? null);
      const span =
        o.spans === 'record'
          ? startSpan(o.spanName, parent, {
              traceId,
              kind: 'consumer',
              attributes: {
                'messaging.system': 'kafka',
                'messaging.destination.name': batch.topic,
                'messaging.destination.partition.id': String(batch.partition),
                'messaging.kafka.offset': Number(m.offset),
                ...identityAttributes(identityOf(value)),
              },
            })
          : contextOnly(o.spanName, parent, { traceId });
      spans.push(span);
      return span;
    },
    failed: (reason) => messagesFailed.inc({ consumer, topic: batch.topic, reason }),
    startTimer: () => {
      end = batchDuration.startTimer({ consumer, topic: batch.topic });
    },
    committed: () => {
      recordBatchDone(consumer, batch, newestByOrg);
      end?.();
    },
    endSpans: (error) => {
      for (const s of spans) s.end(error);
    },
  };
};
