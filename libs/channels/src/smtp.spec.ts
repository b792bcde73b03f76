import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { classifySmtpError, createSmtpSender, messageIdFor } from './smtp';
import type { OutboundPolicy } from './ssrf';
import { rejectionOf, startTestServer } from './test-server';

describe('messageIdFor', () => {
  it('is stable per key, differs across keys, and is a valid msg-id', () => {
    const a = messageIdFor('exec-1:step-1', 'mg.example.com');
    expect(a).toBe(messageIdFor('exec-1:step-1', 'mg.example.com'));
    expect(a).not.toBe(messageIdFor('exec-1:step-2', 'mg.example.com'));
    expect(a).toMatch(/^<[0-9a-f]{32}\.automation@mg\.example\.com>$/);
  });
});

describe('classifySmtpError', () => {
  const e = (fields: Record<string, unknown>) => Object.assign(new Error('smtp failure'), fields);
  it.each([
    [{ responseCode: 421, command: 'CONN' }, 'provider_unavailable', true],
    [{ responseCode: 451, command: 'DATA' }, 'provider_unavailable', true],
    [{ responseCode: 535, code: 'EAUTH', command: 'AUTH PLAIN' }, 'auth_failed', false],
    [{ responseCode: 550, command: 'RCPT TO' }, 'rejected', false],
    [{ responseCode: 552, command: 'DATA' }, 'payload_too_large', false],
    [{ responseCode: 501, command: 'MAIL FROM' }, 'invalid_request', false],
    [{ code: 'EAUTH' }, 'auth_failed', false],
    [{ code: 'EENVELOPE' }, 'invalid_request', false],
    [{ code: 'ECONNECTION', command: 'CONN' }, 'network', true],
    [{ code: 'ETIMEDOUT', command: 'CONN' }, 'timeout', true],
  ])('%j → %s', (fields, code, retryable) => {
    expect(classifySmtpError(e(fields))).toMatchObject({ code, retryable });
  });
  it('a timeout after DATA leaves the outcome unknown; before, it was not sent', () => {
    expect(classifySmtpError(e({ code: 'ETIMEDOUT', command: 'DATA' })).maybeDelivered).toBe(true);
    expect(classifySmtpError(e({ code: 'ETIMEDOUT', command: 'CONN' })).maybeDelivered).toBe(false);
  });
});

describe('createSmtpSender', () => {
  it('reports a refused connection as a retryable network error', async () => {
    const closed = await startTestServer(() => undefined);
    await closed.close();
    const sender = createSmtpSender({ host: '127.0.0.1', port: closed.port, secure: false, from: 'a@example.com', timeoutMs: 1000 });
    try {
      expect(await rejectionOf(sender.send({ to: 'b@example.com', subject: 's', text: 't' }, 'k'))).toMatchObject({ code: 'network', retryable: true });
      expect(await rejectionOf(sender.send({ to: 'b@example.com', subject: 's' }, 'k'))).toMatchObject({ code: 'invalid_request' });
    } finally {
      sender.close();
    }
  });
});

describe('createSmtpSender with a guard (an organization’s own server)', () => {
  let server: SMTPServer;
  let port = 0;
  let connections = 0;
  let subjects: string[] = [];
  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onConnect: (_s, cb) => {
        connections++;
        cb();
      },
      onData: (stream, _s, cb) => {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          subjects.push(/^subject: (.*)$/im.exec(raw)?.[1]?.trim() ?? '');
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    connections = 0;
    subjects = [];
  });
  const msg = { to: 'b@example.com', subject: 'guarded', text: 't' };
  const send = async (policy: OutboundPolicy, allowedPorts: number[]) => {
    const sender = createSmtpSender({ host: '127.0.0.1', port, secure: false, from: 'a@example.com', timeoutMs: 2000, guard: { policy, allowedPorts } });
    try {
      return await sender.send(msg, 'k-1');
    } finally {
      sender.close();
    }
  };

  it('refuses a port outside the allowed submission ports without connecting', async () => {
    const err = await rejectionOf(send({ allowPrivateNetworks: true, allowedHosts: [] }, [25, 465, 587, 2525]));
    expect(err).toMatchObject({ code: 'ssrf_blocked', retryable: false, message: expect.stringContaining(`SMTP port ${port} is not allowed`) });
    expect(connections).toBe(0);
  });

  it('refuses a loopback server the outbound policy does not allow, without connecting (no banner reaches the log)', async () => {
    const err = await rejectionOf(send({ allowPrivateNetworks: false, allowedHosts: [] }, [port]));
    expect(err).toMatchObject({ code: 'ssrf_blocked', message: expect.stringContaining('127.0.0.1 is a loopback address') });
    // the same host allowed on another port only
    expect(await rejectionOf(send({ allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${port + 1}`] }, [port]))).toMatchObject({ code: 'ssrf_blocked' });
    expect(connections).toBe(0);
  });

  it('refuses a name that resolves to a private address', async () => {
    const sender = createSmtpSender({
      host: 'smtp.attacker.example',
      port,
      secure: false,
      from: 'a@example.com',
      timeoutMs: 2000,
      guard: { policy: { allowPrivateNetworks: false, allowedHosts: [], resolve: async () => [{ address: '127.0.0.1', family: 4 }] }, allowedPorts: [port] },
    });
    try {
      expect(await rejectionOf(sender.send(msg, 'k-2'))).toMatchObject({ code: 'ssrf_blocked' });
    } finally {
      sender.close();
    }
    expect(connections).toBe(0);
  });

  it('sends when the policy allows exactly that host and port', async () => {
    const r = await send({ allowPrivateNetworks: false, allowedHosts: [`127.0.0.1:${port}`] }, [port]);
    expect(r.providerMessageId).toMatch(/automation@example\.com>$/);
    expect(subjects).toEqual(['guarded']);
  });
});
