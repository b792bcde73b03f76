import type { DomainEvent } from '@fixlify/contracts';
import { identityAttributes, startSpan, traceHeaders, traceIdFromUuid } from '@fixlify/kafka';

/**
 * The trace of an event starts where the event does: a root span whose trace id is derived from the
 * event id (deterministic, like the event), so a redelivered change, and every later hop of its
 * executions (even a resume days later), land in the same trace. Returns the event's Kafka headers.
 */
export const eventTraceHeaders = (ev: DomainEvent, source: Record<string, string | number> = {}): Record<string, string> => {
  const span = startSpan(`ingest event ${ev.type}`, null, {
    traceId: traceIdFromUuid(ev.eventId),
    kind: 'internal',
    attributes: { 'fixlify.event_type': ev.type, ...identityAttributes({ organizationId: ev.organizationId, eventId: ev.eventId }), ...source },
  });
  span.end();
  return traceHeaders(span.context);
};
