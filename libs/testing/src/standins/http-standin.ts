import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

/** What the next answers should be instead of the normal one (a queue, consumed per request). */
export interface InjectedFailure {
  status: number;
  retryAfterSeconds?: number;
  /** Hold the answer this long first (to trigger client timeouts). */
  delayMs?: number;
}

/** A FIFO of injected behaviours shared by the HTTP stand-ins. */
export class FaultQueue {
  private readonly queue: Array<{ status?: number; retryAfterSeconds?: number; delayMs?: number }> = [];

  /** The next `n` requests are answered with `status` (and Retry-After when given). */
  failNext(n: number, status: number, retryAfterSeconds?: number): void {
    for (let i = 0; i < n; i++) this.queue.push(retryAfterSeconds === undefined ? { status } : { status, retryAfterSeconds });
  }

  /** The next `n` requests are held `ms` before their normal answer. */
  delayNext(n: number, ms: number): void {
    for (let i = 0; i < n; i++) this.queue.push({ delayMs: ms });
  }

  take(): { status?: number; retryAfterSeconds?: number; delayMs?: number } | undefined {
    return this.queue.shift();
  }

  clear(): void {
    this.queue.length = 0;
  }
}

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  /** Waits (cancellably) inside a handler; pending waits end when the server closes. */
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void;

/** A loopback HTTP server that buffers the request body (up to `maxBodyBytes`) before the handler. */
export async function startHttpServer(handler: Handler, opts: StandinOptions = {}, maxBodyBytes = 25 * 1024 * 1024): Promise<RunningServer> {
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => (timers.delete(entry), resolve()), ms), resolve };
      timers.add(entry);
    });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) {
        sendJson(res, 413, { message: 'request entity too large' });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      Promise.resolve(handler(req, res, Buffer.concat(chunks))).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `stand-in error: ${err instanceof Error ? err.message : String(err)}` });
        else res.destroy();
      });
    });
  });
  // Providers sit behind load balancers that keep idle connections for about a minute; Node's default
  // (5 s) is so close to the client's own idle limit (4 s) that on a loaded machine a send reuses a
  // socket the server is closing: ECONNRESET, an outcome a person's message must treat as unknown.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    sleep,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) {
          clearTimeout(t.timer);
          t.resolve();
        }
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Applies a dequeued fault: waits for a delay, or answers the injected status. Returns true when it answered. */
export async function applyFault(
  fault: ReturnType<FaultQueue['take']>,
  running: Pick<RunningServer, 'sleep'>,
  res: ServerResponse,
  body: (status: number) => unknown,
): Promise<boolean> {
  if (!fault) return false;
  if (fault.delayMs !== undefined) await running.sleep(fault.delayMs);
  if (fault.status === undefined) return false;
  const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) };
  sendJson(res, fault.status, body(fault.status), headers);
  return true;
}

/** Header value as one string (first of repeated headers). */
export const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** Decodes `Authorization: Basic ...`; undefined when absent or malformed. */
export function basicAuth(req: IncomingMessage): { user: string; pass: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header(req, 'authorization') ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
}

/** Posts a provider's webhook (JSON) as the provider would, and reads the answer: its JSON, or its text. */
export async function postWebhook(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

/** An Ed25519 key pair from a 32-byte seed (hex): PKCS#8 of the seed, so a fixed seed gives a fixed public key. */
export function ed25519FromSeed(seedHex: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** An Ed25519 public key as Telnyx's portal shows it: base64 of the raw 32 bytes. */
export const rawEd25519PublicKey = (key: KeyObject): string => Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
