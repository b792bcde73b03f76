import { initTracing, shutdownTracing, startSpan, tracesEndpoint, tracingEnabled } from './tracing';

const EVENT_TRACE = '0123456789abcdef0123456789abcdef';

describe('OpenTelemetry spans', () => {
  afterAll(() => shutdownTracing());

  it('reads the standard endpoint variables', () => {
    expect(tracesEndpoint({})).toBeNull();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' })).toBe('http://t/x');
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(() => initTracing('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/ratio between 0 and 1/);
  });

  it('without a collector, a span is only a context: child of its parent, or a root with the event’s trace id', () => {
    expect(tracingEnabled()).toBe(false);
    const root = startSpan('a', null, { traceId: EVENT_TRACE });
    expect(root.context.traceId).toBe(EVENT_TRACE);
    const child = startSpan('b', root.context);
    expect(child.context.traceId).toBe(EVENT_TRACE);
    expect(child.context.spanId).not.toBe(root.context.spanId);
    child.end();
    root.end(new Error('ignored'));
  });
  // exporting to a collector is tested with real service processes: e2e/one-event.int.spec.ts
});
