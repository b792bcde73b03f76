import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelError } from './errors';
import { httpRequest } from './transport';

/** A server that reports what arrived of each request body before the request ended (or broke off). */
const startProbe = async (answer: 'ok' | 'reset' = 'ok') => {
  const seen: { bytes: number; ended: boolean; aborted: boolean; contentLength: string | undefined; transferEncoding: string | undefined }[] = [];
  const progress: number[] = [];
  const server: Server = createServer((req, res) => {
    const s = { bytes: 0, ended: false, aborted: false, contentLength: req.headers['content-length'], transferEncoding: req.headers['transfer-encoding'] };
    seen.push(s);
    req.on('data', (c: Buffer) => {
      s.bytes += c.length;
      progress.push(s.bytes);
    });
    req.on('aborted', () => (s.aborted = true));
    req.on('close', () => {
      if (!s.ended) s.aborted = true;
    });
    req.on('end', () => {
      s.ended = true;
      if (answer === 'reset') return void res.socket?.destroy();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  return {
    url,
    seen,
    progress,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
};

const base = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, timeoutMs: 5000, maxResponseBytes: 1024 };
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('httpRequest beforeLastByte', () => {
  it('holds the last byte back until the hook resolved; the server has all but one byte meanwhile', async () => {
    const probe = await startProbe();
    const body = JSON.stringify({ text: 'hello there' });
    let release!: () => void;
    let called = 0;
    const p = httpRequest({
      ...base,
      url: probe.url,
      body,
      beforeLastByte: () => {
        called++;
        return new Promise<void>((r) => (release = r));
      },
    });
    await until(() => probe.progress.includes(body.length - 1));
    expect(called).toBe(1);
    expect(probe.seen[0]).toMatchObject({ bytes: body.length - 1, ended: false, contentLength: String(body.length) });
    // a length, not chunked: the server knows the body is incomplete
    expect(probe.seen[0]!.transferEncoding).toBeUndefined();
    release();
    const res = await p;
    expect(res.status).toBe(200);
    expect(probe.seen[0]).toMatchObject({ bytes: body.length, ended: true });
    await probe.close();
  });

  it('a hook that throws abandons the request unfinished and its error comes out as is', async () => {
    const probe = await startProbe();
    const boom = new Error('ledger away');
    const err = await httpRequest({ ...base, url: probe.url, body: 'abcdef', beforeLastByte: () => Promise.reject(boom) }).catch((e: unknown) => e);
    expect(err).toBe(boom);
    await until(() => probe.seen[0]?.aborted === true);
    // the server never got a complete request: nothing to act on
    expect(probe.seen[0]).toMatchObject({ ended: false, aborted: true, bytes: 5 });
    await probe.close();
  });

  it('a failure before the hook ran is never "maybe delivered", whatever it is', async () => {
    const probe = await startProbe();
    const url = probe.url;
    await probe.close();
    let called = false;
    const err = await httpRequest({
      ...base,
      url,
      body: 'abc',
      beforeLastByte: async () => {
        called = true;
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).maybeDelivered).toBe(false);
    expect(called).toBe(false);
  });

  it('a connection broken after the last byte left is "maybe delivered"', async () => {
    const probe = await startProbe('reset');
    const err = await httpRequest({ ...base, url: probe.url, body: 'abc', beforeLastByte: async () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).maybeDelivered).toBe(true);
    await probe.close();
  });

  it('an empty body runs the hook before the request', async () => {
    const probe = await startProbe();
    const order: string[] = [];
    const res = await httpRequest({
      ...base,
      url: probe.url,
      beforeLastByte: async () => {
        order.push(`hook with ${probe.seen.length} requests seen`);
      },
    });
    expect(res.status).toBe(200);
    expect(order).toEqual(['hook with 0 requests seen']);
    await probe.close();
  });
});
