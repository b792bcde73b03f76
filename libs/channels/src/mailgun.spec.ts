import type { ServerResponse } from 'node:http';
import { sendMailgun } from './mailgun';
import { json, rejectionOf, startTestServer, type Recorded, type TestServer } from './test-server';

describe('sendMailgun', () => {
  let server: TestServer;
  let reply: (req: Recorded, res: ServerResponse) => void;
  beforeAll(async () => {
    server = await startTestServer((req, res) => reply(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = (_req, res) => json(res, 200, { id: '<20250301.1@mg.example.com>', message: 'Queued. Thank you.' });
  });
  const cfg = () => ({ apiBase: `${server.url}/`, domain: 'mg.example.com', apiKey: 'key-1', from: 'Acme <no-reply@mg.example.com>' });

  it('POSTs the documented form with Basic api:key and returns the message id', async () => {
    const res = await sendMailgun(cfg(), { to: ['a@x.com', 'b@x.com'], subject: 'Hi', text: 'plain', html: '<b>hi</b>' }, 'exec:step');
    expect(res).toEqual({ providerMessageId: '<20250301.1@mg.example.com>' });
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v3/mg.example.com/messages');
    expect(req?.headers['authorization']).toBe(`Basic ${Buffer.from('api:key-1').toString('base64')}`);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req!.body.toString());
    expect(form.get('from')).toBe('Acme <no-reply@mg.example.com>');
    expect(form.getAll('to')).toEqual(['a@x.com', 'b@x.com']);
    expect(form.get('subject')).toBe('Hi');
    expect(form.get('text')).toBe('plain');
    expect(form.get('html')).toBe('<b>hi</b>');
    expect(form.get('h:X-Idempotency-Key')).toBe('exec:step');
  });

  it("sends an organization's API base through the outbound guard: a loopback base is refused without a request unless host:port is allowed", async () => {
    const msg = { to: 'a@x.com', subject: 's', text: 't' };
    expect(await rejectionOf(sendMailgun({ ...cfg(), policy: { allowPrivateNetworks: false, allowedHosts: [] } }, msg, 'k'))).toMatchObject({
      code: 'ssrf_blocked',
      retryable: false,
    });
    expect(
      await rejectionOf(sendMailgun({ ...cfg(), policy: { allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${server.port + 1}`] } }, msg, 'k')),
    ).toMatchObject({ code: 'ssrf_blocked' });
    // a name that resolves to loopback when the connection is made
    const rebinding = { allowPrivateNetworks: false, allowedHosts: [], resolve: async () => [{ address: '127.0.0.1', family: 4 }] };
    expect(await rejectionOf(sendMailgun({ ...cfg(), apiBase: `http://mail.attacker.example:${server.port}`, policy: rebinding }, msg, 'k'))).toMatchObject({
      code: 'ssrf_blocked',
    });
    expect(server.requests).toHaveLength(0);
    await expect(sendMailgun({ ...cfg(), policy: { allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${server.port}`] } }, msg, 'k')).resolves.toEqual({
      providerMessageId: '<20250301.1@mg.example.com>',
    });
  });

  it('reads the plain-text 401 and the JSON 400 bodies', async () => {
    reply = (_req, res) => res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Forbidden');
    expect(await rejectionOf(sendMailgun(cfg(), { to: 'a@x.com', subject: 's', text: 't' }, 'k'))).toMatchObject({
      code: 'auth_failed',
      retryable: false,
      detail: 'Forbidden',
    });
    reply = (_req, res) => json(res, 400, { message: "'to' parameter is not a valid address. please check documentation" });
    expect(await rejectionOf(sendMailgun(cfg(), { to: 'nope', subject: 's', text: 't' }, 'k'))).toMatchObject({
      code: 'invalid_request',
      detail: "'to' parameter is not a valid address. please check documentation",
    });
  });

  it('classifies 429 with Retry-After and 5xx as retryable', async () => {
    reply = (_req, res) => json(res, 429, { message: 'Too many requests' }, { 'Retry-After': '12' });
    expect(await rejectionOf(sendMailgun(cfg(), { to: 'a@x.com', subject: 's', text: 't' }, 'k'))).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 12_000,
      retryable: true,
    });
    reply = (_req, res) => res.writeHead(502).end('Bad Gateway');
    expect(await rejectionOf(sendMailgun(cfg(), { to: 'a@x.com', subject: 's', text: 't' }, 'k'))).toMatchObject({
      code: 'provider_unavailable',
      retryable: true,
    });
  });

  it('accepts a 200 it cannot parse without failing the send', async () => {
    reply = (_req, res) => res.writeHead(200).end('ok');
    expect(await sendMailgun(cfg(), { to: 'a@x.com', subject: 's', html: '<p/>' }, 'k')).toEqual({ providerMessageId: null });
  });

  it('times out as an unknown outcome', async () => {
    reply = (_req, res) => setTimeout(() => json(res, 200, {}), 800);
    expect(await rejectionOf(sendMailgun({ ...cfg(), timeoutMs: 100 }, { to: 'a@x.com', subject: 's', text: 't' }, 'k'))).toMatchObject({
      code: 'timeout',
      maybeDelivered: true,
    });
  });

  it('refuses a message without a body before calling', async () => {
    expect(await rejectionOf(sendMailgun(cfg(), { to: 'a@x.com', subject: 's' }, 'k'))).toMatchObject({ code: 'invalid_request' });
    expect(server.requests).toHaveLength(0);
  });
});
