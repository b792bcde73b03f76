import { sendMailgun, type MailgunConfig } from '@fixlify/channels';
import { startMailgunStandin, type MailgunStandin } from './mailgun-standin';

describe('Mailgun stand-in with the Mailgun channel', () => {
  let mg: MailgunStandin;
  let cfg: MailgunConfig;
  beforeAll(async () => {
    mg = await startMailgunStandin({ apiKey: 'key-good', domains: ['mg.fixlify.test'] });
    cfg = { apiBase: mg.url, domain: 'mg.fixlify.test', apiKey: 'key-good', from: 'Fixlify <no-reply@mg.fixlify.test>', timeoutMs: 1000 };
  });
  afterAll(() => mg.close());
  beforeEach(() => mg.reset());

  const msg = { to: 'client@example.com', subject: 'Job scheduled', text: 'See you at 9', html: '<p>See you at 9</p>' };

  it('accepts a send and records it with its idempotency key', async () => {
    const { providerMessageId } = await sendMailgun(cfg, msg, 'exec-1:email');
    expect(providerMessageId).toMatch(/^<\d{14}\.[0-9a-f]{16}@mg\.fixlify\.test>$/);
    expect(mg.received).toHaveLength(1);
    expect(mg.received[0]).toMatchObject({
      id: providerMessageId,
      domain: 'mg.fixlify.test',
      from: 'Fixlify <no-reply@mg.fixlify.test>',
      to: ['client@example.com'],
      subject: 'Job scheduled',
      text: 'See you at 9',
      html: '<p>See you at 9</p>',
      idempotencyKey: 'exec-1:email',
      contentType: 'urlencoded',
    });
    const outbox = (await (await fetch(`${mg.url}/outbox`)).json()) as unknown[];
    expect(outbox).toEqual(JSON.parse(JSON.stringify(mg.received)));
  });

  it('also accepts multipart/form-data, with attachments', async () => {
    const fd = new FormData();
    fd.append('from', 'a@mg.fixlify.test');
    fd.append('to', 'b@example.com');
    fd.append('subject', 'Invoice');
    fd.append('text', 'attached');
    fd.append('attachment', new Blob(['%PDF'], { type: 'application/pdf' }), 'invoice.pdf');
    const res = await fetch(`${mg.url}/v3/mg.fixlify.test/messages`, {
      method: 'POST',
      body: fd,
      headers: { Authorization: `Basic ${Buffer.from('api:key-good').toString('base64')}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ message: 'Queued. Thank you.' });
    expect(mg.received[0]).toMatchObject({ contentType: 'multipart', attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', size: 4 }] });
  });

  it('answers a wrong key with a plain "Forbidden" 401', async () => {
    await expect(sendMailgun({ ...cfg, apiKey: 'key-bad' }, msg, 'k')).rejects.toMatchObject({ code: 'auth_failed', status: 401, detail: 'Forbidden' });
    expect(mg.received).toHaveLength(0);
  });

  it('validates required parameters like Mailgun', async () => {
    const post = (form: Record<string, string>) =>
      fetch(`${mg.url}/v3/mg.fixlify.test/messages`, {
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { Authorization: `Basic ${Buffer.from('api:key-good').toString('base64')}` },
      });
    let res = await post({ from: 'a@x.com', subject: 's', text: 't' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "'to' parameter is missing" });
    res = await post({ from: 'a@x.com', to: 'b@x.com', subject: 's' });
    expect(await res.json()).toEqual({ message: "Need at least one of 'text', 'html' or 'template' parameters specified" });
    await expect(sendMailgun(cfg, { ...msg, to: 'not-an-address' }, 'k')).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    await expect(sendMailgun({ ...cfg, domain: 'other.test' }, msg, 'k')).rejects.toMatchObject({ code: 'rejected', status: 404, detail: 'Domain not found: other.test' });
  });

  it('injects 429 with Retry-After, then 5xx, then recovers', async () => {
    mg.failNext(1, 429, 2);
    mg.failNext(1, 503);
    await expect(sendMailgun(cfg, msg, 'k')).rejects.toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 2000 });
    await expect(sendMailgun(cfg, msg, 'k')).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
    await expect(sendMailgun(cfg, msg, 'k')).resolves.toMatchObject({ providerMessageId: expect.any(String) });
    expect(mg.attempts).toBe(3);
    expect(mg.received).toHaveLength(1);
  });

  it('a slow answer times out the client as an unknown outcome', async () => {
    mg.delayNext(1, 2000);
    await expect(sendMailgun({ ...cfg, timeoutMs: 150 }, msg, 'k')).rejects.toMatchObject({ code: 'timeout', maybeDelivered: true });
  });
});
