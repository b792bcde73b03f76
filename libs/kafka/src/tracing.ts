import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  TraceIdRatioBasedSampler,
  type IdGenerator,
} from '@opentelemetry/sdk-trace-base';
import { childSpan, type TraceContext } from './trace';

/**
 * OpenTelemetry spans of the services, exported with OTLP/HTTP to a collector when one is
 * configured with the standard variables (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SERVICE_NAME; OTEL_TRACES_SAMPLER_ARG as the ratio of
 * traces kept, default 1). Without one, spans are only W3C contexts in the Kafka headers and log
 * lines (trace.ts): no SDK objects, no cost.
 *
 * A trace that starts at a CDC row or a timer gets its id from the event id, so every hop of one
 * event, even one resumed days later by a timer, lands in the same trace; ratio sampling on that id
 * makes every service keep or drop the same traces.
 */

let tracer: Tracer | null = null;
let provider: BasicTracerProvider | null = null;
/** trace id for the root span being started (set and read synchronously around startSpan) */
let nextTraceId: string | null = null;

class EventTraceIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  generateTraceId(): string {
    const id = nextTraceId;
    nextTraceId = null;
    return id ?? this.random.generateTraceId();
  }
  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

export const tracesEndpoint = (env: NodeJS.ProcessEnv = process.env): string | null => {
  if (env.OTEL_SDK_DISABLED === 'true') return null;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
};

/** Starts exporting this service's spans when a collector is configured; returns whether it did. */
export const initTracing = (service: string, env: NodeJS.ProcessEnv = process.env): boolean => {
  const url = tracesEndpoint(env);
  if (!url || tracer) return tracer !== null;
  const ratio = env.OTEL_TRACES_SAMPLER_ARG === undefined ? 1 : Number(env.OTEL_TRACES_SAMPLER_ARG);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, got "${env.OTEL_TRACES_SAMPLER_ARG}"`);
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? `fixlify-${service}` }),
    idGenerator: new EventTraceIds(),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url }), {
        scheduledDelayMillis: Number(env.OTEL_BSP_SCHEDULE_DELAY ?? 1000),
        maxQueueSize: 20_000,
        maxExportBatchSize: 1000,
      }),
    ],
  });
  tracer = provider.getTracer('fixlify');
  return true;
};

export const tracingEnabled = (): boolean => tracer !== null;

/** Exports the spans still buffered (on a graceful stop). */
export const shutdownTracing = async (): Promise<void> => {
  const p = provider;
  provider = null;
  tracer = null;
  await p?.shutdown().catch(() => undefined);
};

export interface ActiveSpan {
  /** what goes into the traceparent of the messages and requests this work causes */
  context: TraceContext;
  setAttributes(a: Attributes): void;
  /** ends the span; with an error, marks it failed */
  end(error?: unknown): void;
}

const noop = (): void => undefined;

const KINDS = { consumer: SpanKind.CONSUMER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL } as const;

/**
 * A span that is a child of `parent` (a remote context from a traceparent header), or the root of
 * a trace whose id is `traceId` when given. Without a collector: only the context, nothing recorded.
 */
export const startSpan = (
  name: string,
  parent: TraceContext | null,
  o: { traceId?: string | null; kind?: keyof typeof KINDS; attributes?: Attributes } = {},
): ActiveSpan => {
  if (!tracer) return { context: childSpan(parent, o.traceId), setAttributes: noop, end: noop };
  const ctx = parent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.traceFlags, isRemote: true })
    : ROOT_CONTEXT;
  nextTraceId = parent ? null : (o.traceId ?? null);
  let span: Span;
  try {
    span = tracer.startSpan(name, { kind: KINDS[o.kind ?? 'internal'], ...(o.attributes ? { attributes: o.attributes } : {}) }, ctx);
  } finally {
    nextTraceId = null;
  }
  const sc = span.spanContext();
  return {
    context: { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags },
    setAttributes: (a) => {
      span.setAttributes(a);
    },
    end: (error) => {
      if (error !== undefined) {
        const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message });
        if (error instanceof Error) span.recordException(error);
      }
      span.end();
    },
  };
};

/** A span context that is never recorded (work whose trace is recorded elsewhere). */
export const contextOnly = (_name: string, parent: TraceContext | null, o: { traceId?: string | null } = {}): ActiveSpan => ({
  context: childSpan(parent, o.traceId),
  setAttributes: noop,
  end: noop,
});

/** Span attributes naming what a message concerns (organization, workflow, execution, event). */
export const identityAttributes = (id: { organizationId?: string; workflowId?: string; executionId?: string; eventId?: string }): Attributes => {
  const a: Attributes = {};
  if (id.organizationId) a['fixlify.organization_id'] = id.organizationId;
  if (id.workflowId) a['fixlify.workflow_id'] = id.workflowId;
  if (id.executionId) a['fixlify.execution_id'] = id.executionId;
  if (id.eventId) a['fixlify.event_id'] = id.eventId;
  return a;
};
