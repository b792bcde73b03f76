import { findMailgunAccepted, sendMailgun, type MailgunConfig } from '@fixlify/channels';
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
    await expect(sendMailgun({ ...cfg, domain: 'other.test' }, msg, 'k')).rejects.toMatchObject({
      code: 'rejected',
      status: 404,
      detail: 'Domain not found: other.test',
    });
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

  it('Events API: finds an accepted message by recipient and the step key user variable, across pages', async () => {
    const since = new Date(Date.now() - 1000);
    // other messages to the same address come first: the lookup pages through them
    for (let i = 0; i < 5; i++) await sendMailgun(cfg, msg, `other-${i}`);
    const sent = await sendMailgun(cfg, msg, 'exec-1:email');
    await sendMailgun(cfg, { ...msg, to: 'someone-else@example.com' }, 'exec-2:email');
    const hit = await findMailgunAccepted(cfg, { recipient: 'client@example.com', idempotencyKey: 'exec-1:email', since });
    expect(hit).toEqual({ messageId: sent.providerMessageId });
    // paging: limit 2 per page still finds it (the stand-in's next page URLs are followed)
    const res = await fetch(
      `${mg.url}/v3/mg.fixlify.test/events?event=accepted&recipient=client%40example.com&begin=${Math.floor(since.getTime() / 1000)}&ascending=yes&limit=2`,
      {
        headers: { Authorization: `Basic ${Buffer.from('api:key-good').toString('base64')}` },
      },
    );
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      items: Array<{ event: string; recipient: string; 'user-variables': Record<string, string> }>;
      paging: { next: string };
    };
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toMatchObject({ event: 'accepted', recipient: 'client@example.com', 'user-variables': { 'fixlify-step-key': 'other-0' } });
    expect(page.paging.next).toMatch(new RegExp(`^${mg.url}/v3/mg\\.fixlify\\.test/events/`));
    // not there: null (another key, another address, or before the range)
    expect(await findMailgunAccepted(cfg, { recipient: 'client@example.com', idempotencyKey: 'exec-9:email', since })).toBeNull();
    expect(await findMailgunAccepted(cfg, { recipient: 'nobody@example.com', idempotencyKey: 'exec-1:email', since })).toBeNull();
    expect(
      await findMailgunAccepted(cfg, {
        recipient: 'client@example.com',
        idempotencyKey: 'exec-1:email',
        since: new Date(Date.now() + 60_000),
        until: new Date(Date.now() + 120_000),
      }),
    ).toBeNull();
  });

  it('Events API: Basic auth, limit and time range are checked like Mailgun', async () => {
    await expect(findMailgunAccepted({ ...cfg, apiKey: 'wrong' }, { recipient: 'a@x.com', idempotencyKey: 'k', since: new Date() })).rejects.toMatchObject({
      code: 'auth_failed',
    });
    const get = (q: string) =>
      fetch(`${mg.url}/v3/mg.fixlify.test/events?${q}`, { headers: { Authorization: `Basic ${Buffer.from('api:key-good').toString('base64')}` } });
    expect((await get('limit=301&ascending=yes')).status).toBe(400);
    expect((await get('begin=1700000000')).status).toBe(400);
    expect((await get('begin=yesterday&ascending=yes')).status).toBe(400);
    expect((await get('begin=1700000000&ascending=yes')).status).toBe(200);
  });

  it('latency: the message is accepted (and its event written) before the late answer', async () => {
    mg.setLatency(300);
    const p = sendMailgun(cfg, msg, 'late');
    await new Promise((r) => setTimeout(r, 100));
    expect(mg.received).toHaveLength(1);
    expect(mg.events).toHaveLength(1);
    expect(mg.unanswered).toBe(1);
    await p;
    expect(mg.unanswered).toBe(0);
    mg.setLatency(0);
  });
});
