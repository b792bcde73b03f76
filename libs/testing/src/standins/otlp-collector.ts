import { gunzipSync } from 'node:zlib';
import { header, sendJson, startHttpServer, type StandinOptions } from './http-standin';

/** One span as received, with ids as lower-case hex (OTLP/JSON encodes them as hex strings). */
export interface CollectedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  statusCode: number;
  startNs: bigint;
  endNs: bigint;
}

export interface OtlpCollector {
  url: string;
  spans: CollectedSpan[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value?: AnyValue };

const valueOf = (v: AnyValue | undefined): string | number | boolean =>
  v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined) ?? v?.doubleValue ?? v?.boolValue ?? '';
const attrs = (kvs: KeyValue[] | undefined): Record<string, string | number | boolean> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
const nanos = (v: unknown): bigint => (typeof v === 'string' || typeof v === 'number' ? BigInt(v) : 0n);
/** hex per the OTLP/JSON spec; base64 (protobuf's JSON mapping) accepted too */
const hexId = (id: string | undefined, bytes: number): string | null => {
  if (!id) return null;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  const b = Buffer.from(id, 'base64');
  return b.length === bytes ? b.toString('hex') : null;
};

/**
 * A local OpenTelemetry collector endpoint: accepts OTLP/HTTP JSON export requests on POST
 * /v1/traces (ExportTraceServiceRequest, gzip or plain) and keeps the spans for assertions.
 * Protobuf bodies are refused with 415, as a collector without that encoding would.
 */
export async function startOtlpCollector(opts: StandinOptions = {}): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const running = await startHttpServer((req, res, body) => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/traces') return sendJson(res, 404, { code: 5, message: 'not found' });
    if (!(header(req, 'content-type') ?? '').startsWith('application/json'))
      return sendJson(res, 415, { code: 3, message: 'only application/json is accepted here' });
    let parsed: { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
    try {
      const raw = header(req, 'content-encoding') === 'gzip' ? gunzipSync(body) : body;
      parsed = JSON.parse(raw.toString('utf8')) as typeof parsed;
    } catch (e) {
      return sendJson(res, 400, { code: 3, message: `bad export request: ${e instanceof Error ? e.message : String(e)}` });
    }
    for (const rs of parsed.resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          spans.push({
            service,
            name: String(s.name),
            traceId: hexId(s.traceId as string, 16) ?? '',
            spanId: hexId(s.spanId as string, 8) ?? '',
            parentSpanId: hexId(s.parentSpanId as string | undefined, 8),
            kind: Number(s.kind ?? 0),
            attributes: attrs(s.attributes as KeyValue[] | undefined),
            statusCode: Number((s.status as { code?: number } | undefined)?.code ?? 0),
            startNs: nanos(s.startTimeUnixNano),
            endNs: nanos(s.endTimeUnixNano),
          });
        }
    }
    return sendJson(res, 200, { partialSuccess: {} });
  }, opts);
  return { url: running.url, spans, close: () => running.close() };
}
