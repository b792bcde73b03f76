import { generateVAPIDKeys } from 'web-push';
import { createECDH, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { MAX_PUSH_PAYLOAD_BYTES, pushTopicFor, sendWebPush } from './push';
import type { OutboundPolicy } from './ssrf';
import { json, rejectionOf, startTestServer, type Recorded, type TestServer } from './test-server';

describe('sendWebPush', () => {
  const vapid = { ...generateVAPIDKeys(), subject: 'mailto:ops@fixlify.example' };
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
  const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };
  let server: TestServer;
  let reply: (req: Recorded, res: ServerResponse) => void;
  beforeAll(async () => {
    server = await startTestServer((req, res) => reply(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = (_req, res) => res.writeHead(201, { Location: `${server.url}/m/1` }).end();
  });
  const sub = () => ({ endpoint: `${server.url}/push/abc`, keys });

  it('sends an encrypted, VAPID-signed request with TTL, urgency and a topic from the key', async () => {
    const res = await sendWebPush(vapid, sub(), '{"title":"Hi"}', { policy, ttlSeconds: 60, urgency: 'high', idempotencyKey: 'exec:step' });
    expect(res).toEqual({ status: 201, providerMessageId: `${server.url}/m/1` });
    const [req] = server.requests;
    expect(req?.url).toBe('/push/abc');
    expect(req?.headers['ttl']).toBe('60');
    expect(req?.headers['urgency']).toBe('high');
    expect(req?.headers['topic']).toBe(pushTopicFor('exec:step'));
    expect(req?.headers['content-encoding']).toBe('aes128gcm');
    expect(req?.headers['authorization']).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
    expect(req?.body.includes(Buffer.from('"title"'))).toBe(false);
  });

  it('404 and 410 mean the subscription is gone', async () => {
    for (const status of [404, 410]) {
      reply = (_req, res) => json(res, status, {});
      expect(await rejectionOf(sendWebPush(vapid, sub(), 'x', { policy }))).toMatchObject({ code: 'recipient_gone', retryable: false, status });
    }
  });

  it('429 and 5xx are retryable', async () => {
    reply = (_req, res) => json(res, 429, {}, { 'Retry-After': '5' });
    expect(await rejectionOf(sendWebPush(vapid, sub(), 'x', { policy }))).toMatchObject({ code: 'rate_limited', retryAfterMs: 5000 });
    reply = (_req, res) => json(res, 503, {});
    expect(await rejectionOf(sendWebPush(vapid, sub(), 'x', { policy }))).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });

  it('refuses oversized payloads, bad keys, http endpoints on the open internet and blocked addresses', async () => {
    expect(await rejectionOf(sendWebPush(vapid, sub(), 'x'.repeat(MAX_PUSH_PAYLOAD_BYTES + 1), { policy }))).toMatchObject({ code: 'payload_too_large' });
    expect(await rejectionOf(sendWebPush(vapid, { ...sub(), keys: { p256dh: 'bad', auth: 'bad' } }, 'x', { policy }))).toMatchObject({
      code: 'invalid_request',
    });
    expect(await rejectionOf(sendWebPush(vapid, { endpoint: 'http://8.8.8.8/push/1', keys }, 'x'))).toMatchObject({ code: 'ssrf_blocked' });
    expect(await rejectionOf(sendWebPush(vapid, sub(), 'x'))).toMatchObject({ code: 'ssrf_blocked' });
    expect(server.requests).toHaveLength(0);
  });
});
