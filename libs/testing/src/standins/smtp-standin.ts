import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface SmtpStandinOptions {
  port?: number;
  host?: string;
  /** When given, AUTH is required and must match (535 otherwise). */
  auth?: { user: string; pass: string };
}

export interface SmtpRecordedMessage {
  envelope: { from: string; to: string[] };
  /** Top-level headers, lower-case names, unfolded (first occurrence wins). */
  headers: Record<string, string>;
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  idempotencyKey?: string;
  /** Everything after the header block, undecoded (may be multipart). */
  body: string;
  raw: string;
  receivedAt: string;
}

export interface SmtpStandin {
  host: string;
  port: number;
  received: SmtpRecordedMessage[];
  /** The next `n` transactions are refused with this SMTP reply (e.g. 451 transient, 550 permanent). */
  failNext(n: number, responseCode: number, message?: string): void;
  reset(): void;
  close(): Promise<void>;
}

/** Splits the header block of an RFC 5322 message, unfolding continuation lines. */
export function parseMessageHeaders(raw: string): { headers: Record<string, string>; body: string } {
  const sep = raw.search(/\r?\n\r?\n/);
  const block = sep < 0 ? raw : raw.slice(0, sep);
  const body = sep < 0 ? '' : raw.slice(sep).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/** A real SMTP server on loopback (smtp-server, no TLS) that records what it is sent. */
export async function startSmtpStandin(opts: SmtpStandinOptions = {}): Promise<SmtpStandin> {
  const received: SmtpRecordedMessage[] = [];
  const faults: Array<{ code: number; message: string }> = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: opts.auth === undefined,
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 50,
    size: 25 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) callback(null, { user: auth.username });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      const fault = faults.shift();
      callback(fault ? smtpError(fault.code, fault.message) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, body } = parseMessageHeaders(raw);
        const addr = (a: SMTPServerAddress | false) => (a ? a.address : '');
        const rec: SmtpRecordedMessage = {
          envelope: { from: addr(session.envelope.mailFrom), to: session.envelope.rcptTo.map((r) => r.address) },
          headers,
          body,
          raw,
          receivedAt: new Date().toISOString(),
        };
        if (headers['from'] !== undefined) rec.from = headers['from'];
        if (headers['to'] !== undefined) rec.to = headers['to'];
        if (headers['subject'] !== undefined) rec.subject = headers['subject'];
        if (headers['message-id'] !== undefined) rec.messageId = headers['message-id'];
        if (headers['x-idempotency-key'] !== undefined) rec.idempotencyKey = headers['x-idempotency-key'];
        received.push(rec);
        callback(null, 'Message queued');
      });
    },
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  server.on('error', () => undefined); // a client hanging up mid-session is not a test failure
  const port = (server.server.address() as AddressInfo).port;
  return {
    host,
    port,
    received,
    failNext: (n, code, message = code >= 500 ? 'Requested action not taken' : 'Try again later') => {
      for (let i = 0; i < n; i++) faults.push({ code, message });
    },
    reset: () => {
      received.length = 0;
      faults.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
