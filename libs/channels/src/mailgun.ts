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
  /** extra headers (List-Unsubscribe, List-Unsubscribe-Post) */
  headers?: Record<string, string>;
  /** Mailgun user variables (`v:` fields), copied into every event of the message */
  variables?: Record<string, string>;
}

export interface SendResult {
  /** The provider's id; null when it accepted but its answer could not be read. */
  providerMessageId: string | null;
}

export interface SendOptions {
  /** See HttpRequestOptions.beforeLastByte: the delivery ledger records "sending" there. */
  beforeLastByte?: () => Promise<void>;
}

/** Mailgun stores custom headers given as `h:` fields; receivers and support can trace a duplicate by it. */
export const MAILGUN_IDEMPOTENCY_FIELD = 'h:X-Idempotency-Key';
/**
 * The same key as a user variable (`v:` field): Mailgun copies user variables into every event of the
 * message (`user-variables` in the Events API), which is how an unknown outcome is looked up.
 */
export const MAILGUN_STEP_KEY_VARIABLE = 'fixlify-step-key';

/**
 * Sends through Mailgun's Messages API (form-encoded POST /v3/{domain}/messages, Basic api:{key}).
 * Mailgun does not deduplicate on our header, so the delivery ledger is what prevents resends.
 */
export async function sendMailgun(cfg: MailgunConfig, msg: EmailMessage, idempotencyKey: string, opts: SendOptions = {}): Promise<SendResult> {
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
  form.append(`v:${MAILGUN_STEP_KEY_VARIABLE}`, idempotencyKey);
  for (const [k, v] of Object.entries(msg.headers ?? {})) form.append(`h:${k}`, v);
  for (const [k, v] of Object.entries(msg.variables ?? {})) form.append(`v:${k}`, v);

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
    ...(opts.beforeLastByte ? { beforeLastByte: opts.beforeLastByte } : {}),
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

export interface MailgunAcceptedLookup {
  /** the address the message went to (the `recipient` filter) */
  recipient: string;
  /** the idempotency key it was sent with (MAILGUN_STEP_KEY_VARIABLE) */
  idempotencyKey: string;
  /** no earlier than this: when the send was recorded as going out */
  since: Date;
  /** the search ends here (default: now) */
  until?: Date;
  /** pages to read at most (300 events each) before giving up */
  maxPages?: number;
}

/**
 * Asks Mailgun's Events API whether it accepted a message: GET /v3/{domain}/events with the documented
 * filters `event=accepted` and `recipient`, a time range (`begin`/`end`, epoch seconds, ascending),
 * then the message's own `user-variables` to tell it from others to the same address. Answers the
 * message id, or null when no such event is (yet) there. Mailgun indexes events with a delay (it
 * advises reading up to about half an hour back), so null right after a send is not proof that the
 * message was not accepted; the caller must treat it as "still unknown".
 */
export async function findMailgunAccepted(
  cfg: Pick<MailgunConfig, 'apiBase' | 'domain' | 'apiKey' | 'timeoutMs' | 'dispatcher'>,
  q: MailgunAcceptedLookup,
): Promise<{ messageId: string | null } | null> {
  const base = `${cfg.apiBase.replace(/\/+$/, '')}/v3/${encodeURIComponent(cfg.domain)}/events`;
  const params = new URLSearchParams({
    event: 'accepted',
    recipient: q.recipient,
    begin: String(Math.floor(q.since.getTime() / 1000)),
    end: String(Math.ceil((q.until ?? new Date()).getTime() / 1000) + 1),
    ascending: 'yes',
    limit: '300',
  });
  let url = `${base}?${params.toString()}`;
  const origin = new URL(base).origin;
  for (let page = 0; page < (q.maxPages ?? 10); page++) {
    const res = await httpRequest({
      url,
      method: 'GET',
      headers: { Authorization: `Basic ${Buffer.from(`api:${cfg.apiKey}`).toString('base64')}`, Accept: 'application/json', 'User-Agent': USER_AGENT },
      timeoutMs: cfg.timeoutMs ?? 15_000,
      ...(cfg.dispatcher ? { dispatcher: cfg.dispatcher } : {}),
      maxResponseBytes: 4 * 1024 * 1024,
    });
    if (res.status < 200 || res.status >= 300) throw classifyHttpStatus(res.status, res.headers['retry-after'], mailgunErrorDetail(res.body));
    let parsed: {
      items?: Array<{ 'user-variables'?: Record<string, unknown>; message?: { headers?: { 'message-id'?: unknown } } }>;
      paging?: { next?: unknown };
    };
    try {
      parsed = JSON.parse(res.body.toString('utf8')) as typeof parsed;
    } catch {
      throw new ChannelError('provider_unavailable', 'Mailgun answered an events query with something that is not JSON', {
        retryable: true,
        status: res.status,
        detail: excerpt(res.body),
      });
    }
    const items = parsed.items ?? [];
    const hit = items.find((e) => e['user-variables']?.[MAILGUN_STEP_KEY_VARIABLE] === q.idempotencyKey);
    if (hit) {
      const id = hit.message?.headers?.['message-id'];
      // the Messages API answers "<id>"; events carry the bare id
      return { messageId: typeof id === 'string' ? `<${id.replace(/^<|>$/g, '')}>` : null };
    }
    const next = parsed.paging?.next;
    // the last page is the empty one; a next page elsewhere than Mailgun is not followed (our key goes along)
    if (items.length === 0 || typeof next !== 'string' || new URL(next, origin).origin !== origin) return null;
    url = next;
  }
  return null;
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
