import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { applyFault, FaultQueue, header, startHttpServer, type StandinOptions } from './http-standin';

export interface ReceivedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  idempotencyKey?: string;
  receivedAt: string;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** How many requests carried each Idempotency-Key (duplicates show as > 1). */
  deliveriesByKey(): Map<string, number>;
  deliveriesFor(idempotencyKey: string): number;
  /** Checks a recorded request's Fixlify-Signature against `secret`, independently of libs/channels. */
  verify(request: ReceivedRequest, secret: string, nowSeconds?: number, toleranceSeconds?: number): boolean;
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  delayNext(n: number, ms: number): void;
  /** The normal answer (default 200 {"ok":true}). */
  respondWith(status: number, body: string, headers?: Record<string, string>): void;
  reset(): void;
  close(): Promise<void>;
}

/**
 * Verifies `t=<s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` as a receiver following the
 * documented format would; deliberately not shared with the sender's code.
 */
export function verifyFixlifySignature(secret: string, headerValue: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (!headerValue) return false;
  const fields = new Map<string, string[]>();
  for (const kv of headerValue.split(',')) {
    const [k, v] = kv.split('=', 2);
    if (k && v) fields.set(k.trim(), [...(fields.get(k.trim()) ?? []), v.trim()]);
  }
  const t = Number(fields.get('t')?.[0]);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return (fields.get('v1') ?? []).some((sig) => {
    const got = Buffer.from(sig, 'hex');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/** Records any request to any path; answers 200 unless told otherwise. */
export async function startWebhookReceiver(opts: StandinOptions = {}): Promise<WebhookReceiver> {
  const faults = new FaultQueue();
  const received: ReceivedRequest[] = [];
  let normal = { status: 200, body: '{"ok":true}', headers: { 'Content-Type': 'application/json' } as Record<string, string> };
  const running = await startHttpServer(async (req, res, body) => {
    const key = header(req, 'idempotency-key');
    received.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: body.toString('utf8'),
      receivedAt: new Date().toISOString(),
      ...(key !== undefined ? { idempotencyKey: key } : {}),
    });
    if (await applyFault(faults.take(), running, res, (s) => ({ error: `injected ${s}` }))) return;
    if (res.destroyed) return;
    res.writeHead(normal.status, { ...normal.headers, 'Content-Length': String(Buffer.byteLength(normal.body)) });
    res.end(normal.body);
  }, opts);
  const deliveriesByKey = () => {
    const m = new Map<string, number>();
    for (const r of received) if (r.idempotencyKey !== undefined) m.set(r.idempotencyKey, (m.get(r.idempotencyKey) ?? 0) + 1);
    return m;
  };
  return {
    url: running.url,
    port: running.port,
    received,
    deliveriesByKey,
    deliveriesFor: (k) => deliveriesByKey().get(k) ?? 0,
    verify: (r, secret, nowSeconds = Date.now() / 1000, tolerance = 300) => {
      const sig = r.headers['fixlify-signature'];
      return verifyFixlifySignature(secret, Array.isArray(sig) ? sig[0] : sig, r.body, nowSeconds, tolerance);
    },
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    delayNext: (n, ms) => faults.delayNext(n, ms),
    respondWith: (status, body, headers = { 'Content-Type': 'application/json' }) => {
      normal = { status, body, headers };
    },
    reset: () => {
      received.length = 0;
      faults.clear();
      normal = { status: 200, body: '{"ok":true}', headers: { 'Content-Type': 'application/json' } };
    },
    close: () => running.close(),
  };
}
