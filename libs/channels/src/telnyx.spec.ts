import type { ServerResponse } from 'node:http';
import { sendTelnyxSms } from './telnyx';
import { json, rejectionOf, startTestServer, type Recorded, type TestServer } from './test-server';

describe('sendTelnyxSms', () => {
  let server: TestServer;
  let reply: (req: Recorded, res: ServerResponse) => void;
  beforeAll(async () => {
    server = await startTestServer((req, res) => reply(req, res));
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
    reply = (_req, res) =>
      json(res, 200, {
        data: { record_type: 'message', id: '40385f64-5717-4562-b3fc-2c963f66afa6', to: [{ phone_number: '+15551234567', status: 'queued' }] },
      });
  });
  const cfg = () => ({ apiBase: server.url, apiKey: 'KEY1', from: '+15550001111' });

  it('POSTs JSON with a Bearer key and returns data.id', async () => {
    const res = await sendTelnyxSms({ ...cfg(), messagingProfileId: 'prof-1' }, { to: '+15551234567', text: 'Your tech is on the way' });
    expect(res).toEqual({ providerMessageId: '40385f64-5717-4562-b3fc-2c963f66afa6' });
    const [req] = server.requests;
    expect(req?.url).toBe('/v2/messages');
    expect(req?.headers['authorization']).toBe('Bearer KEY1');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['idempotency-key']).toBeUndefined(); // Telnyx documents none; we invent none
    expect(JSON.parse(req!.body.toString())).toEqual({
      from: '+15550001111',
      to: '+15551234567',
      text: 'Your tech is on the way',
      messaging_profile_id: 'prof-1',
    });
  });

  it('reads the errors array into the detail', async () => {
    reply = (_req, res) =>
      json(res, 400, { errors: [{ code: '40310', title: "Invalid 'to' address", detail: 'The to address should be a single valid number.' }] });
    expect(await rejectionOf(sendTelnyxSms(cfg(), { to: '123', text: 'x' }))).toMatchObject({
      code: 'invalid_request',
      retryable: false,
      detail: "40310: Invalid 'to' address: The to address should be a single valid number.",
    });
    reply = (_req, res) => json(res, 401, { errors: [{ code: '10009', title: 'Authentication failed' }] });
    expect(await rejectionOf(sendTelnyxSms(cfg(), { to: '+15551234567', text: 'x' }))).toMatchObject({ code: 'auth_failed' });
  });

  it('treats a STOP block as a permanent rejection whatever the status', async () => {
    reply = (_req, res) => json(res, 403, { errors: [{ code: '40300', title: 'Blocked due to STOP message' }] });
    expect(await rejectionOf(sendTelnyxSms(cfg(), { to: '+15551234567', text: 'x' }))).toMatchObject({ code: 'rejected', retryable: false, status: 403 });
  });

  it('classifies 429 and 5xx as retryable', async () => {
    reply = (_req, res) => json(res, 429, { errors: [{ code: '10011', title: 'Too many requests' }] }, { 'Retry-After': '2' });
    expect(await rejectionOf(sendTelnyxSms(cfg(), { to: '+15551234567', text: 'x' }))).toMatchObject({ code: 'rate_limited', retryAfterMs: 2000 });
    reply = (_req, res) => json(res, 500, { errors: [{ code: '10007', title: 'Unexpected error' }] });
    expect(await rejectionOf(sendTelnyxSms(cfg(), { to: '+15551234567', text: 'x' }))).toMatchObject({ code: 'provider_unavailable', retryable: true });
  });
});
