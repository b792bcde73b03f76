import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { classifyTransportError } from './errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequestOptions {
  url: string | URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Whole-exchange deadline: connect, headers and body. */
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** Stop reading (and drop the connection) past this many response bytes. */
  maxResponseBytes: number;
  /**
   * Awaited after every byte of the request but the last is on the socket, before the last goes:
   * until the last byte arrives the server cannot act on the request (the body is incomplete by its
   * Content-Length), so a caller that records "sending" here knows for sure that a request it never
   * recorded was never acted on. If it throws, the request is abandoned unfinished and its error is
   * rethrown as is (not a ChannelError); a failure before it ran is a ChannelError with
   * maybeDelivered false whatever the cause.
   */
  beforeLastByte?: () => Promise<void>;
}

/** Thrown out of the body stream when beforeLastByte failed: carries its error through undici. */
class GateFailed extends Error {
  constructor(readonly original: unknown) {
    super('the request was abandoned before its last byte');
  }
}

async function* heldBack(body: Buffer, gate: () => Promise<void>, state: { released: boolean }): AsyncGenerator<Buffer> {
  if (body.length > 1) yield body.subarray(0, body.length - 1);
  try {
    await gate();
  } catch (e) {
    throw new GateFailed(e);
  }
  state.released = true;
  yield body.subarray(body.length - 1);
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
}

/** One HTTP exchange; transport failures become ChannelError, HTTP statuses are left to the caller. */
export async function httpRequest(o: HttpRequestOptions): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(o.timeoutMs);
  let res: Dispatcher.ResponseData;
  const gate = o.beforeLastByte;
  const state = { released: gate === undefined };
  let body: Dispatcher.RequestOptions['body'] = o.body;
  let reqHeaders = o.headers;
  if (gate) {
    const buf = o.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body, 'utf8');
    if (buf.length === 0) {
      // nothing to hold back: the gate comes before the request
      await gate();
      state.released = true;
    } else {
      // a stream body is sent chunked unless its length is given; with the length, the server waits for the last byte
      reqHeaders = {
        ...Object.fromEntries(Object.entries(o.headers).filter(([k]) => k.toLowerCase() !== 'content-length')),
        'content-length': String(buf.length),
      };
      body = Readable.from(heldBack(buf, gate, state), { objectMode: false });
    }
  }
  try {
    res = await request(o.url, {
      method: o.method,
      headers: reqHeaders,
      body,
      signal,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
  } catch (err) {
    for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (e instanceof GateFailed) throw e.original;
    // before the last byte left, the server cannot have acted on the request, whatever broke
    throw classifyTransportError(err, state.released);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (size + buf.length > o.maxResponseBytes) {
        chunks.push(buf.subarray(0, o.maxResponseBytes - size));
        size = o.maxResponseBytes;
        truncated = true;
        break;
      }
      chunks.push(buf);
      size += buf.length;
    }
  } catch {
    // The status line arrived, so the outcome is known by the status; a broken body only loses detail.
    truncated = true;
  } finally {
    if (truncated) res.body.destroy();
  }
  return { status: res.statusCode, headers, body: Buffer.concat(chunks), truncated };
}

/** The first bytes of a body as text, for error details. */
export const excerpt = (body: Buffer, max = 500): string => body.subarray(0, max).toString('utf8');
