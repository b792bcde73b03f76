import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) carried in a `traceparent` Kafka header,
 * so one execution can be followed from the CDC event to each delivery. Hand-written because no
 * OpenTelemetry SDK is installed; the shape matches OpenTelemetry's SpanContext (traceId,
 * spanId, traceFlags), so an SDK can adopt these contexts later without changing the headers.
 */
export interface TraceContext {
  /** 32 lower-case hex digits, not all zero */
  traceId: string;
  /** 16 lower-case hex digits, not all zero: the span that produced the message */
  spanId: string;
  /** bit 0 = sampled */
  traceFlags: number;
}

export const TRACEPARENT_HEADER = 'traceparent';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Parses a traceparent header; null when absent or invalid (a bad header starts a new trace, it never fails a message). */
export const parseTraceparent = (header: string | undefined | null): TraceContext | null => {
  if (!header) return null;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  // version ff is forbidden; version 00 has no trailing fields; later versions may add some
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16) };
};

export const formatTraceparent = (c: TraceContext): string => `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;

export const newSpanId = (): string => {
  for (;;) {
    const id = randomBytes(8).toString('hex');
    if (id !== ZERO_SPAN) return id;
  }
};

/**
 * Trace id derived from a UUID (an event id): deterministic, so a replayed event and every
 * continuation that only knows the event id (a timer firing after a delay) land in the same trace.
 */
export const traceIdFromUuid = (uuid: string): string | null => {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) && hex !== ZERO_TRACE ? hex : null;
};

/** A new span: a child of `parent`, or the root of a new trace (with `traceId` when given, else random). */
export const childSpan = (parent: TraceContext | null, traceId?: string | null): TraceContext => {
  if (parent) return { traceId: parent.traceId, spanId: newSpanId(), traceFlags: parent.traceFlags };
  let id = traceId ?? null;
  while (!id || id === ZERO_TRACE) id = randomBytes(16).toString('hex');
  return { traceId: id, spanId: newSpanId(), traceFlags: 1 };
};

/** Kafka headers that make the next consumer's span a child of `span`. */
export const traceHeaders = (span: TraceContext): Record<string, string> => ({ [TRACEPARENT_HEADER]: formatTraceparent(span) });

/** Log fields of a span (pino), so log lines and traces join on traceId. */
export const traceFields = (span: TraceContext | null | undefined): { traceId?: string; spanId?: string } =>
  span ? { traceId: span.traceId, spanId: span.spanId } : {};
