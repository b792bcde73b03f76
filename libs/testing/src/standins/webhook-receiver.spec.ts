import { apiCall, mayRetry, sendWebhook, signWebhook, type OutboundPolicy } from '@fixlify/channels';
import { startWebhookReceiver, verifyFixlifySignature, type WebhookReceiver } from './webhook-receiver';

describe('webhook receiver with the webhook channel', () => {
  const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };
  let rx: WebhookReceiver;
  beforeAll(async () => {
    rx = await startWebhookReceiver();
  });
  afterAll(() => rx.close());
  beforeEach(() => rx.reset());

  const send = (key: string, timeoutMs = 1000) =>
    sendWebhook({
      url: `${rx.url}/hooks/jobs`,
      body: JSON.stringify({ event: 'job_completed', key }),
      secret: 'whsec',
      idempotencyKey: key,
      timeoutMs,
      policy,
      now: new Date(),
    });

  it('records the delivery and verifies its signature independently', async () => {
    await expect(send('e1:s1')).resolves.toMatchObject({ status: 200, responseBody: '{"ok":true}' });
    const [r] = rx.received;
    expect(r).toMatchObject({ method: 'POST', path: '/hooks/jobs', idempotencyKey: 'e1:s1' });
    expect(rx.verify(r!, 'whsec')).toBe(true);
    expect(rx.verify(r!, 'other')).toBe(false);
    expect(rx.verify({ ...r!, body: r!.body.replace('job_completed', 'job_created') }, 'whsec')).toBe(false);
    expect(rx.verify(r!, 'whsec', Date.now() / 1000 + 3600)).toBe(false); // stale
  });

  it('the receiver-side check agrees with the documented format', () => {
    const t = 1_700_000_000;
    expect(verifyFixlifySignature('s', signWebhook('s', 'b', t), 'b', t)).toBe(true);
    expect(verifyFixlifySignature('s', signWebhook('s', 'b', t), 'b', t + 301)).toBe(false);
  });

  it('a timed-out webhook is resent with the same key, and the receiver sees both', async () => {
    rx.delayNext(1, 1000);
    const err = await send('e2:s1', 150).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout', maybeDelivered: true });
    expect(mayRetry('webhook', err as never)).toBe(true);
    await send('e2:s1');
    expect(rx.deliveriesFor('e2:s1')).toBe(2);
  });

  it('injected failures are classified', async () => {
    rx.failNext(1, 429, 4);
    rx.failNext(1, 500);
    rx.failNext(1, 400);
    await expect(send('k')).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 4000 });
    await expect(send('k')).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
    await expect(send('k')).rejects.toMatchObject({ code: 'invalid_request', retryable: false });
    await expect(send('k')).resolves.toBeDefined();
    expect(rx.deliveriesByKey().get('k')).toBe(4);
  });

  it('serves api calls with a scripted answer', async () => {
    rx.respondWith(200, '{"customer":{"tier":"gold"}}');
    const res = await apiCall({ url: `${rx.url}/crm/lookup?id=7`, method: 'GET', timeoutMs: 1000, policy, auth: { type: 'bearer', token: 't' } });
    expect(res.body).toEqual({ customer: { tier: 'gold' } });
    expect(rx.received[0]).toMatchObject({ method: 'GET', path: '/crm/lookup?id=7' });
    expect(rx.received[0]?.headers['authorization']).toBe('Bearer t');
  });

  it('the default policy refuses to reach it at all', async () => {
    const strict: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: [] };
    await expect(
      sendWebhook({ url: rx.url, body: '{}', secret: 's', idempotencyKey: 'x', timeoutMs: 500, policy: strict, now: new Date() }),
    ).rejects.toMatchObject({ code: 'ssrf_blocked' });
    expect(rx.received).toHaveLength(0);
  });
});
