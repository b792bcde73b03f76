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
  try {
    res = await request(o.url, {
      method: o.method,
      headers: o.headers,
      body: o.body,
      signal,
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
    });
  } catch (err) {
    throw classifyTransportError(err);
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
