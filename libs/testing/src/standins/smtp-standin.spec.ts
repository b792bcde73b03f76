import { createSmtpSender, messageIdFor, type SmtpSender } from '@fixlify/channels';
import { parseMessageHeaders, startSmtpStandin, type SmtpStandin } from './smtp-standin';

describe('parseMessageHeaders', () => {
  it('unfolds headers and splits the body', () => {
    const { headers, body } = parseMessageHeaders('Subject: a\r\n long one\r\nFrom: x@y\r\n\r\nbody\r\n\r\nmore');
    expect(headers).toEqual({ subject: 'a long one', from: 'x@y' });
    expect(body).toBe('body\r\n\r\nmore');
  });
});

describe('SMTP stand-in with the SMTP channel', () => {
  let smtp: SmtpStandin;
  let sender: SmtpSender;
  beforeAll(async () => {
    smtp = await startSmtpStandin({ auth: { user: 'fixlify', pass: 'pw' } });
    sender = createSmtpSender({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      auth: { user: 'fixlify', pass: 'pw' },
      from: 'Fixlify <no-reply@fixlify.test>',
      timeoutMs: 2000,
    });
  });
  afterAll(async () => {
    sender.close();
    await smtp.close();
  });
  beforeEach(() => smtp.reset());

  it('delivers with a Message-ID derived from the idempotency key', async () => {
    const res = await sender.send({ to: 'client@example.com', subject: 'Invoice #42 paid', text: 'Thanks!', html: '<p>Thanks!</p>' }, 'exec-9:email-1');
    const expectedId = messageIdFor('exec-9:email-1', 'fixlify.test');
    expect(res.providerMessageId).toBe(expectedId);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({
      envelope: { from: 'no-reply@fixlify.test', to: ['client@example.com'] },
      subject: 'Invoice #42 paid',
      messageId: expectedId,
      idempotencyKey: 'exec-9:email-1',
    });
    expect(smtp.received[0]?.from).toContain('no-reply@fixlify.test');
    expect(smtp.received[0]?.body).toContain('Thanks!');
  });

  it('classifies transient and permanent SMTP replies', async () => {
    smtp.failNext(1, 451);
    await expect(sender.send({ to: 'c@example.com', subject: 's', text: 't' }, 'k1')).rejects.toMatchObject({
      code: 'provider_unavailable',
      retryable: true,
      status: 451,
    });
    smtp.failNext(1, 550, 'Mailbox unavailable');
    await expect(sender.send({ to: 'c@example.com', subject: 's', text: 't' }, 'k2')).rejects.toMatchObject({
      code: 'rejected',
      retryable: false,
      status: 550,
    });
    await expect(sender.send({ to: 'c@example.com', subject: 's', text: 't' }, 'k3')).resolves.toBeDefined();
    expect(smtp.received).toHaveLength(1);
  });

  it('refuses wrong credentials as auth_failed', async () => {
    const bad = createSmtpSender({
      host: smtp.host,
      port: smtp.port,
      secure: false,
      auth: { user: 'fixlify', pass: 'nope' },
      from: 'a@fixlify.test',
      timeoutMs: 2000,
    });
    try {
      await expect(bad.send({ to: 'c@example.com', subject: 's', text: 't' }, 'k')).rejects.toMatchObject({ code: 'auth_failed', retryable: false });
    } finally {
      bad.close();
    }
  });
});
