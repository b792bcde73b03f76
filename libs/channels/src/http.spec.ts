import { createHmac } from 'node:crypto';
import { apiCall, inspectWebhookSignature, sanitizeHeaders, sendWebhook, signWebhook, verifyWebhookSignature } from './http';
import type { OutboundPolicy } from './ssrf';
import { json, rejectionOf, startTestServer, type Recorded, type TestServer } from './test-server';
import type { ServerResponse } from 'node:http';

const loopback: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"event":"job_created","id":"j1"}';
  const t = 1_700_000_000;

  it('signs t.<body> with HMAC-SHA256, as documented', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhook(secret, body, t)).toBe(`t=${t},v1=${expected}`);
    expect(signWebhook(secret, Buffer.from(body), t + 0.9)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts a good signature within the tolerance, string or raw bytes', () => {
    const h = signWebhook(secret, body, t);
    expect(verifyWebhookSignature(secret, h, body, t)).toBe(true);
    expect(verifyWebhookSignature(secret, h, Buffer.from(body), t + 299)).toBe(true);
  });

  it('refuses tampered bodies, wrong secrets and forged timestamps', () => {
    const h = signWebhook(secret, body, t);
    expect(inspectWebhookSignature(secret, h, body.replace('j1', 'j2'), t)).toBe('mismatch');
    expect(inspectWebhookSignature('other', h, body, t)).toBe('mismatch');
    expect(inspectWebhookSignature(secret, h.replace(`t=${t}`, `t=${t + 10}`), body, t)).toBe('mismatch');
  });

  it('refuses stale and far-future timestamps', () => {
    const h = signWebhook(secret, body, t);
    expect(inspectWebhookSignature(secret, h, body, t + 301)).toBe('stale');
    expect(inspectWebhookSignature(secret, h, body, t - 301)).toBe('stale');
    expect(verifyWebhookSignature(secret, h, body, t + 60, 30)).toBe(false);
  });

  it('refuses malformed headers', () => {
    for (const h of [undefined, null, '', 'v1=abc', `t=${t}`, `t=abc,v1=${'0'.repeat(64)}`, `t=${t},v1=xyz`]) {
      expect(inspectWebhookSignature(secret, h, body, t)).toBe('malformed');
    }
  });

  it('accepts any matching v1 (secret rotation)', () => {
    const both = signWebhook(['new-secret', 'old-secret'], body, t);
    expect(both.split(',')).toHaveLength(3);
    expect([
      verifyWebhookSignature('new-secret', both, body, t),
      verifyWebhookSignature('old-secret', both, body, t),
      verifyWebhookSignature('other', both, body, t),
    ]).toEqual([true, true, false]);
    const good = signWebhook(secret, body, t).split(',')[1];
    const old = signWebhook('old-secret', body, t).split(',')[1];
    expect(verifyWebhookSignature(secret, `t=${t},${old},${good}`, body, t)).toBe(true);
  });
});

describe('sanitizeHeaders', () => {
  it('drops framing headers and lets ours win', () => {
    expect(sanitizeHeaders({ 'X-A': '1', Host: 'evil', 'content-length': '5', 'idempotency-key': 'user' }, { 'Idempotency-Key': 'ours' })).toEqual({
      'X-A': '1',
      'Idempotency-Key': 'ours',
    });
  });
  it('refuses header injection', () => {
    expect(() => sanitizeHeaders({ 'X-A': 'x\r\nX-Evil: 1' }, {})).toThrow(/invalid value/);
    expect(() => sanitizeHeaders({ 'Bad Name': 'x' }, {})).toThrow(/invalid header name/);
  });
});

describe('sendWebhook', () => {
  let server: TestServer;
  let reply: (req: Recorded, res: ServerResponse) => void;
  beforeAll(async () => {
    server = await startTestServer((req, res) => reply(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = (_req, res) => json(res, 200, { received: true });
  });

  const base = () => ({
    url: `${server.url}/hooks/fixlify?x=1`,
    body: '{"hello":"world"}',
    secret: 's3cret',
    idempotencyKey: 'exec-1:step-2',
    timeoutMs: 2000,
    policy: loopback,
    now: new Date(1_700_000_000_000),
  });

  it('POSTs the body with signature, idempotency key and our headers', async () => {
    const res = await sendWebhook({ ...base(), headers: { 'X-Custom': 'yes', 'User-Agent': 'spoof' } });
    expect(res).toEqual({ status: 200, responseBody: '{"received":true}', truncated: false });
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/hooks/fixlify?x=1');
    expect(req?.body.toString()).toBe('{"hello":"world"}');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['user-agent']).toBe('Fixlify-Automation/1');
    expect(req?.headers['idempotency-key']).toBe('exec-1:step-2');
    expect(req?.headers['x-custom']).toBe('yes');
    const sig = req?.headers['fixlify-signature'] as string;
    expect(sig.startsWith('t=1700000000,v1=')).toBe(true);
    expect(verifyWebhookSignature('s3cret', sig, req!.body, 1_700_000_010)).toBe(true);
  });

  it('cuts the response at 64 KiB', async () => {
    reply = (_req, res) => res.end('x'.repeat(200 * 1024));
    const res = await sendWebhook(base());
    expect(res.responseBody).toHaveLength(64 * 1024);
    expect(res.truncated).toBe(true);
  });

  it('classifies 429 with Retry-After, 5xx and 4xx', async () => {
    reply = (_req, res) => json(res, 429, { error: 'slow' }, { 'Retry-After': '3' });
    expect(await rejectionOf(sendWebhook(base()))).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 3000, status: 429 });
    reply = (_req, res) => json(res, 503, {});
    expect(await rejectionOf(sendWebhook(base()))).toMatchObject({ code: 'provider_unavailable', retryable: true });
    reply = (_req, res) => json(res, 400, { error: 'bad' });
    expect(await rejectionOf(sendWebhook(base()))).toMatchObject({ code: 'invalid_request', retryable: false, detail: '{"error":"bad"}' });
    reply = (_req, res) => json(res, 410, {});
    expect(await rejectionOf(sendWebhook(base()))).toMatchObject({ code: 'recipient_gone', retryable: false });
  });

  it('times out a slow receiver as retryable with an unknown outcome', async () => {
    reply = (_req, res) => setTimeout(() => json(res, 200, {}), 1000);
    const started = Date.now();
    const err = await rejectionOf(sendWebhook({ ...base(), timeoutMs: 150 }));
    expect(err).toMatchObject({ code: 'timeout', retryable: true, maybeDelivered: true });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('reports a closed port as a network error that was not delivered', async () => {
    const closed = await startTestServer(() => undefined);
    await closed.close();
    const err = await rejectionOf(sendWebhook({ ...base(), url: closed.url }));
    expect(err).toMatchObject({ code: 'network', retryable: true, maybeDelivered: false });
  });

  it('refuses bodies over 1 MiB before sending', async () => {
    const err = await rejectionOf(sendWebhook({ ...base(), body: 'x'.repeat(1024 * 1024 + 1) }));
    expect(err).toMatchObject({ code: 'payload_too_large', retryable: false });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses loopback, private and metadata targets with the default policy', async () => {
    const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: [] };
    for (const url of [server.url, 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/']) {
      expect(await rejectionOf(sendWebhook({ ...base(), url, policy }))).toMatchObject({ code: 'ssrf_blocked', retryable: false });
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('apiCall', () => {
  let server: TestServer;
  let reply: (req: Recorded, res: ServerResponse) => void;
  beforeAll(async () => {
    server = await startTestServer((req, res) => reply(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = (req, res) => json(res, 200, { method: req.method, n: 1 }, { 'X-Request-Id': 'r-1' });
  });
  const base = { timeoutMs: 2000, policy: loopback };

  it('parses JSON answers and returns lower-case headers', async () => {
    const res = await apiCall({ ...base, url: `${server.url}/v1/things`, method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ method: 'GET', n: 1 });
    expect(res.headers['x-request-id']).toBe('r-1');
    expect(res.truncated).toBe(false);
  });

  it('returns text when the content type is not JSON, or JSON does not parse', async () => {
    reply = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('{"looks":"json"}');
    expect((await apiCall({ ...base, url: server.url, method: 'GET' })).body).toBe('{"looks":"json"}');
    reply = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{broken');
    expect((await apiCall({ ...base, url: server.url, method: 'GET' })).body).toBe('{broken');
  });

  it('sends the body with an inferred content type, auth and idempotency key', async () => {
    await apiCall({ ...base, url: server.url, method: 'POST', body: '{"a":1}', auth: { type: 'bearer', token: 'tok' }, idempotencyKey: 'k1' });
    await apiCall({ ...base, url: server.url, method: 'PUT', body: 'plain', auth: { type: 'basic', username: 'u', password: 'p:w' } });
    await apiCall({
      ...base,
      url: server.url,
      method: 'PATCH',
      body: 'x',
      headers: { 'Content-Type': 'text/csv' },
      auth: { type: 'header', name: 'X-Api-Key', value: 'abc' },
    });
    const [a, b, c] = server.requests;
    expect(a?.headers['authorization']).toBe('Bearer tok');
    expect(a?.headers['content-type']).toBe('application/json');
    expect(a?.headers['idempotency-key']).toBe('k1');
    expect(a?.body.toString()).toBe('{"a":1}');
    expect(b?.headers['authorization']).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
    expect(b?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(c?.headers['x-api-key']).toBe('abc');
    expect(c?.headers['content-type']).toBe('text/csv');
  });

  it('refuses an auth header that would inject another header', async () => {
    const err = await rejectionOf(apiCall({ ...base, url: server.url, method: 'GET', auth: { type: 'header', name: 'X-Key', value: 'a\r\nHost: evil' } }));
    expect(err).toMatchObject({ code: 'invalid_request' });
    expect(server.requests).toHaveLength(0);
  });

  it('caps answers at 1 MiB and does not parse a cut JSON', async () => {
    reply = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ big: 'y'.repeat(2 * 1024 * 1024) }));
    const res = await apiCall({ ...base, url: server.url, method: 'GET' });
    expect(res.truncated).toBe(true);
    expect(typeof res.body).toBe('string');
    expect((res.body as string).length).toBe(1024 * 1024);
  });

  it('throws classified errors for non-2xx', async () => {
    reply = (_req, res) => json(res, 404, { error: 'no such thing' });
    expect(await rejectionOf(apiCall({ ...base, url: server.url, method: 'GET' }))).toMatchObject({ code: 'rejected', status: 404, retryable: false });
    reply = (_req, res) => json(res, 401, {});
    expect(await rejectionOf(apiCall({ ...base, url: server.url, method: 'GET' }))).toMatchObject({ code: 'auth_failed' });
    reply = (_req, res) => json(res, 429, {}, { 'Retry-After': '1' });
    expect(await rejectionOf(apiCall({ ...base, url: server.url, method: 'GET' }))).toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
    reply = (_req, res) => res.writeHead(302, { Location: 'http://169.254.169.254/' }).end();
    expect(await rejectionOf(apiCall({ ...base, url: server.url, method: 'GET' }))).toMatchObject({ code: 'rejected', status: 302 });
  });

  it('refuses oversized request bodies and blocked targets', async () => {
    expect(await rejectionOf(apiCall({ ...base, url: server.url, method: 'POST', body: 'z'.repeat(1024 * 1024 + 1) }))).toMatchObject({
      code: 'payload_too_large',
    });
    expect(await rejectionOf(apiCall({ ...base, url: 'http://169.254.169.254/latest/meta-data/', method: 'GET' }))).toMatchObject({
      code: 'ssrf_blocked',
    });
  });
});
