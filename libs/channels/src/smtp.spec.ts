import { classifySmtpError, createSmtpSender, messageIdFor } from './smtp';
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
