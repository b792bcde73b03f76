import { generateVAPIDKeys } from 'web-push';
import { sendWebPush, type OutboundPolicy } from '@fixlify/channels';
import { startPushStandin, verifyVapid, type PushStandin } from './push-standin';

describe('push stand-in with the Web Push channel', () => {
  const vapid = { ...generateVAPIDKeys(), subject: 'mailto:ops@fixlify.test' };
  const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };
  let push: PushStandin;
  beforeAll(async () => {
    push = await startPushStandin();
  });
  afterAll(() => push.close());
  beforeEach(() => push.reset());

  it('decrypts the payload and checks the VAPID token', async () => {
    const sub = push.createSubscription('device-1');
    const payload = JSON.stringify({ title: 'Job completed', body: 'Thanks for choosing us ✓', url: '/jobs/1' });
    const res = await sendWebPush(vapid, sub, payload, { policy, ttlSeconds: 120, urgency: 'normal', idempotencyKey: 'e:s' });
    expect(res.status).toBe(201);
    expect(res.providerMessageId).toMatch(new RegExp(`^${push.url}/message/`));
    expect(push.received).toHaveLength(1);
    expect(push.received[0]).toMatchObject({
      subscriptionId: 'device-1',
      payload,
      ttl: 120,
      urgency: 'normal',
      vapid: { audience: push.url, subject: 'mailto:ops@fixlify.test', publicKey: vapid.publicKey },
    });
  });

  it('answers 410 for an expired subscription and 404 for an unknown one', async () => {
    const sub = push.createSubscription();
    push.expire(sub.endpoint);
    await expect(sendWebPush(vapid, sub, 'x', { policy })).rejects.toMatchObject({ code: 'recipient_gone', status: 410, retryable: false });
    await expect(sendWebPush(vapid, { ...sub, endpoint: `${push.url}/push/unknown` }, 'x', { policy })).rejects.toMatchObject({
      code: 'recipient_gone',
      status: 404,
    });
  });

  it('refuses a push signed with a different key than it claims', async () => {
    const sub = push.createSubscription();
    const other = generateVAPIDKeys();
    await expect(sendWebPush({ ...vapid, privateKey: other.privateKey }, sub, 'x', { policy })).rejects.toMatchObject({ code: 'auth_failed', status: 403 });
    expect(() => verifyVapid('vapid t=a.b.c, k=xyz', push.url, 0)).toThrow();
  });

  it('injects 429 and 5xx', async () => {
    const sub = push.createSubscription();
    push.failNext(1, 429, 30);
    push.failNext(1, 502);
    await expect(sendWebPush(vapid, sub, 'x', { policy })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
    await expect(sendWebPush(vapid, sub, 'x', { policy })).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
    await expect(sendWebPush(vapid, sub, 'x', { policy })).resolves.toMatchObject({ status: 201 });
  });
});
