import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { ChannelError, classifyTransportError } from './errors';
import type { EmailMessage, SendResult } from './mailgun';
import { openGuardedSocket, type OutboundPolicy } from './ssrf';

export interface SmtpConfig {
  host: string;
  port: number;
  /** true = implicit TLS (465); false = plain, upgraded with STARTTLS when the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
  from: string;
  /** Refuse to send without STARTTLS (set it in production for port 587). */
  requireTLS?: boolean;
  /** Right-hand side of generated Message-IDs; defaults to the domain of `from`. */
  messageIdDomain?: string;
  timeoutMs?: number;
  maxConnections?: number;
  /**
   * For a server an organization typed in: only these ports, and every connection opened under the
   * outbound policy (the resolved address checked, the socket opened to it). Without it (the
   * deployment's own SMTP_URL) nodemailer connects as configured.
   */
  guard?: { policy: OutboundPolicy; allowedPorts: readonly number[] };
}

/** Refuses an organization's SMTP port outside the deployment's submission ports, before any connection. */
export function assertSmtpPortAllowed(port: number, allowedPorts: readonly number[]): void {
  if (!allowedPorts.includes(port)) {
    throw new ChannelError('ssrf_blocked', `SMTP port ${port} is not allowed for an organization's own server (allowed: ${allowedPorts.join(', ')})`, {
      retryable: false,
      detail: 'port',
    });
  }
}

export interface SmtpSender {
  send(msg: EmailMessage, idempotencyKey: string): Promise<SendResult>;
  close(): void;
}

/**
 * A stable Message-ID per step key: a resend (if one ever happens) carries the same id, which
 * mail stores such as Gmail use to collapse duplicates. Hashed because step keys contain ':'.
 */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  const h = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `<${h}.automation@${domain}>`;
}

const domainOf = (address: string) => {
  const m = /@([^>\s]+)>?\s*$/.exec(address);
  return m?.[1] ?? 'fixlify.invalid';
};

/** A pooled nodemailer transport; close() when the process shuts down. */
export function createSmtpSender(cfg: SmtpConfig): SmtpSender {
  const timeout = cfg.timeoutMs ?? 15_000;
  const guard = cfg.guard;
  const transport = createTransport({
    pool: true,
    host: cfg.host,
    port: cfg.port,
    secure: cfg.secure,
    ...(cfg.auth ? { auth: cfg.auth } : {}),
    requireTLS: cfg.requireTLS ?? false,
    maxConnections: cfg.maxConnections ?? 5,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(guard
      ? {
          getSocket: (_options: unknown, callback: (err: Error | null, socketOptions: unknown) => void) => {
            openGuardedSocket(cfg.host, cfg.port, guard.policy, timeout).then(
              (connection) => callback(null, { connection }),
              (err: Error) => callback(err, null),
            );
          },
        }
      : {}),
  });
  const idDomain = cfg.messageIdDomain ?? domainOf(cfg.from);
  return {
    async send(msg, idempotencyKey) {
      if (msg.text === undefined && msg.html === undefined) {
        throw new ChannelError('invalid_request', 'an email needs a text or html body', { retryable: false });
      }
      const messageId = messageIdFor(idempotencyKey, idDomain);
      if (guard) assertSmtpPortAllowed(cfg.port, guard.allowedPorts);
      try {
        const info = await transport.sendMail({
          from: cfg.from,
          to: msg.to,
          subject: msg.subject,
          ...(msg.text !== undefined ? { text: msg.text } : {}),
          ...(msg.html !== undefined ? { html: msg.html } : {}),
          messageId,
          headers: { ...msg.headers, 'X-Idempotency-Key': idempotencyKey },
        });
        const rejected = info.rejected ?? [];
        if ((info.accepted ?? []).length === 0 && rejected.length > 0) {
          throw new ChannelError('rejected', `all recipients rejected: ${rejected.map(String).join(', ')}`, { retryable: false });
        }
        return { providerMessageId: info.messageId ?? messageId };
      } catch (err) {
        throw classifySmtpError(err);
      }
    },
    close() {
      transport.close();
    },
  };
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

/** Maps nodemailer failures: SMTP 4xx are transient, 5xx permanent (RFC 5321 §4.2.1). */
export function classifySmtpError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const e = (err ?? {}) as NodemailerError;
  const detail = (e.response ?? e.message ?? String(err)).slice(0, 500);
  const rc = e.responseCode;
  // Before the end-of-data dot the server has accepted nothing, so the message was not sent.
  const afterData = e.command === 'DATA' || e.command === undefined;
  if (typeof rc === 'number' && rc >= 400 && rc < 600) {
    const base = { status: rc, detail };
    if (rc < 500) {
      return new ChannelError('provider_unavailable', `SMTP ${rc}: ${detail}`, { ...base, retryable: true });
    }
    if (rc === 530 || rc === 534 || rc === 535) return new ChannelError('auth_failed', `SMTP ${rc}: ${detail}`, { ...base, retryable: false });
    if (rc === 552) return new ChannelError('payload_too_large', `SMTP ${rc}: ${detail}`, { ...base, retryable: false });
    if (rc === 500 || rc === 501 || rc === 555) return new ChannelError('invalid_request', `SMTP ${rc}: ${detail}`, { ...base, retryable: false });
    return new ChannelError('rejected', `SMTP ${rc}: ${detail}`, { ...base, retryable: false });
  }
  switch (e.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return new ChannelError('auth_failed', `SMTP auth: ${detail}`, { retryable: false, detail });
    case 'EENVELOPE':
    case 'EMESSAGE':
      return new ChannelError('invalid_request', `SMTP: ${detail}`, { retryable: false, detail });
    case 'ECONNECTION':
    case 'EDNS':
      return new ChannelError('network', `SMTP connection: ${detail}`, { retryable: true, detail, cause: err });
    case 'ETIMEDOUT':
      return new ChannelError('timeout', `SMTP timeout: ${detail}`, { retryable: true, maybeDelivered: afterData && e.command !== 'CONN', detail, cause: err });
    default:
      return classifyTransportError(err, afterData && e.command !== 'CONN');
  }
}
