import { getTelnyxMessage, sendTelnyxSms, type TelnyxConfig } from '@fixlify/channels';
import { startTelnyxStandin, type TelnyxStandin } from './telnyx-standin';

describe('Telnyx stand-in with the Telnyx channel', () => {
  let tx: TelnyxStandin;
  let cfg: TelnyxConfig;
  beforeAll(async () => {
    tx = await startTelnyxStandin({ apiKey: 'KEY_good' });
    cfg = { apiBase: tx.url, apiKey: 'KEY_good', from: '+15550001111', timeoutMs: 1000 };
  });
  afterAll(() => tx.close());
  beforeEach(() => tx.reset());

  it('accepts a send and answers the documented shape', async () => {
    const res = await fetch(`${tx.url}/v2/messages`, {
      method: 'POST',
      headers: { Authorization: 'Bearer KEY_good', 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: '+15550001111', to: '+15551234567', text: 'Hello' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({
      record_type: 'message',
      direction: 'outbound',
      type: 'SMS',
      to: [{ phone_number: '+15551234567', status: 'queued' }],
      from: { phone_number: '+15550001111' },
      text: 'Hello',
      parts: 1,
      encoding: 'GSM-7',
    });
    const { providerMessageId } = await sendTelnyxSms({ ...cfg, messagingProfileId: 'p-1' }, { to: '+15557654321', text: 'Tech on the way' });
    expect(providerMessageId).toBe(tx.received[1]?.id);
    expect(tx.received[1]).toMatchObject({ to: '+15557654321', text: 'Tech on the way', messagingProfileId: 'p-1' });
    expect(((await (await fetch(`${tx.url}/outbox`)).json()) as unknown[]).length).toBe(2);
  });

  it('refuses a bad key with the errors array', async () => {
    await expect(sendTelnyxSms({ ...cfg, apiKey: 'nope' }, { to: '+15551234567', text: 'x' })).rejects.toMatchObject({
      code: 'auth_failed',
      status: 401,
      detail: expect.stringMatching(/^10009: Authentication failed/),
    });
  });

  it("validates 'to', 'from' and 'text'", async () => {
    await expect(sendTelnyxSms(cfg, { to: '555-1234', text: 'x' })).rejects.toMatchObject({ code: 'invalid_request', detail: expect.stringMatching(/^40310/) });
    await expect(sendTelnyxSms({ ...cfg, from: 'not a number!' }, { to: '+15551234567', text: 'x' })).rejects.toMatchObject({
      detail: expect.stringMatching(/^40305/),
    });
    await expect(sendTelnyxSms(cfg, { to: '+15551234567', text: '' })).rejects.toMatchObject({ code: 'invalid_request', status: 422 });
    expect(tx.received).toHaveLength(0);
  });

  it('refuses opted-out recipients permanently', async () => {
    tx.optOut('+15551234567');
    await expect(sendTelnyxSms(cfg, { to: '+15551234567', text: 'x' })).rejects.toMatchObject({ code: 'rejected', retryable: false });
  });

  it('injects 429 with Retry-After and 5xx', async () => {
    tx.failNext(1, 429, 1);
    tx.failNext(1, 500);
    await expect(sendTelnyxSms(cfg, { to: '+15551234567', text: 'x' })).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 1000 });
    await expect(sendTelnyxSms(cfg, { to: '+15551234567', text: 'x' })).rejects.toMatchObject({ code: 'provider_unavailable' });
    await expect(sendTelnyxSms(cfg, { to: '+15551234567', text: 'x' })).resolves.toBeDefined();
    expect(tx.attempts).toBe(3);
  });

  it('a slow answer times out the client', async () => {
    tx.delayNext(1, 2000);
    await expect(sendTelnyxSms({ ...cfg, timeoutMs: 150 }, { to: '+15551234567', text: 'x' })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('retrieves a sent message by its id (GET /v2/messages/{id}); an unknown id is null; the key is checked', async () => {
    const sent = await sendTelnyxSms(cfg, { to: '+15551234567', text: 'Hello' });
    expect(await getTelnyxMessage(cfg, sent.providerMessageId!)).toEqual({ id: sent.providerMessageId, status: 'queued' });
    expect(await getTelnyxMessage(cfg, '40017f1c-0000-4000-8000-000000000000')).toBeNull();
    await expect(getTelnyxMessage({ ...cfg, apiKey: 'KEY_bad' }, sent.providerMessageId!)).rejects.toMatchObject({ code: 'auth_failed' });
  });

  it('latency: the message is recorded before the late answer', async () => {
    tx.setLatency(300);
    const p = sendTelnyxSms(cfg, { to: '+15551234567', text: 'late' });
    await new Promise((r) => setTimeout(r, 100));
    expect(tx.received).toHaveLength(1);
    expect(tx.unanswered).toBe(1);
    await p;
    expect(tx.unanswered).toBe(0);
    tx.setLatency(0);
  });
});
