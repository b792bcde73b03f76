import type { Dispatcher } from 'undici';
import { ChannelError, classifyHttpStatus } from './errors';
import { USER_AGENT } from './http';
import { assertUrlAllowed, dispatcherFor, type OutboundPolicy } from './ssrf';
import { excerpt, httpRequest } from './transport';

export interface MailgunConfig {
  /** https://api.mailgun.net (US) or https://api.eu.mailgun.net (EU); a stand-in in tests. */
  apiBase: string;
  domain: string;
  apiKey: string;
  from: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /**
   * For an API base an organization typed in: the URL is checked and sent through the guarded
   * dispatcher of this policy (the resolved address checked at connect time), like a webhook.
   * Unset for the deployment's own account (MAILGUN_API_BASE).
   */
  policy?: OutboundPolicy;
}

export interface EmailMessage {
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
}

export interface SendResult {
  /** The provider's id; null when it accepted but its answer could not be read. */
  providerMessageId: string | null;
}

/** Mailgun stores custom headers given as `h:` fields; receivers and support can trace a duplicate by it. */
export const MAILGUN_IDEMPOTENCY_FIELD = 'h:X-Idempotency-Key';

/**
 * Sends through Mailgun's Messages API (form-encoded POST /v3/{domain}/messages, Basic api:{key}).
 * Mailgun does not deduplicate on our header, so the delivery ledger is what prevents resends.
 */
export async function sendMailgun(cfg: MailgunConfig, msg: EmailMessage, idempotencyKey: string): Promise<SendResult> {
  if (msg.text === undefined && msg.html === undefined) {
    throw new ChannelError('invalid_request', 'an email needs a text or html body', { retryable: false });
  }
  const form = new URLSearchParams();
  form.append('from', cfg.from);
  for (const to of Array.isArray(msg.to) ? msg.to : [msg.to]) form.append('to', to);
  form.append('subject', msg.subject);
  if (msg.text !== undefined) form.append('text', msg.text);
  if (msg.html !== undefined) form.append('html', msg.html);
  form.append(MAILGUN_IDEMPOTENCY_FIELD, idempotencyKey);

  const raw = `${cfg.apiBase.replace(/\/+$/, '')}/v3/${encodeURIComponent(cfg.domain)}/messages`;
  const url = cfg.policy ? await assertUrlAllowed(raw, cfg.policy) : raw;
  const dispatcher = cfg.dispatcher ?? (cfg.policy ? dispatcherFor(cfg.policy) : undefined);
  const res = await httpRequest({
    url,
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`api:${cfg.apiKey}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    },
    body: form.toString(),
    timeoutMs: cfg.timeoutMs ?? 15_000,
    ...(dispatcher ? { dispatcher } : {}),
    maxResponseBytes: 64 * 1024,
  });
  if (res.status < 200 || res.status >= 300) {
    throw classifyHttpStatus(res.status, res.headers['retry-after'], mailgunErrorDetail(res.body));
  }
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { id?: unknown };
    return { providerMessageId: typeof parsed.id === 'string' ? parsed.id : null };
  } catch {
    return { providerMessageId: null };
  }
}

/** Mailgun answers errors as {"message": "..."} or, for a bad key, the plain text "Forbidden". */
function mailgunErrorDetail(body: Buffer): string {
  const text = excerpt(body);
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // plain text
  }
  return text.trim();
}
