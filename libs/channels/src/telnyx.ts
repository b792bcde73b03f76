import type { Dispatcher } from 'undici';
import { ChannelError, classifyHttpStatus } from './errors';
import { USER_AGENT } from './http';
import type { SendOptions, SendResult } from './mailgun';
import { excerpt, httpRequest } from './transport';

export const TELNYX_STOP_CODE = '40300';

export interface TelnyxConfig {
  /** https://api.telnyx.com; a stand-in in tests. */
  apiBase: string;
  apiKey: string;
  /** E.164 number, short code or alphanumeric sender id. */
  from: string;
  messagingProfileId?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

export interface SmsMessage {
  /** E.164, e.g. +15551234567. */
  to: string;
  text: string;
}

/**
 * Sends an SMS with Telnyx's Messages API (JSON POST /v2/messages, Bearer key).
 * Telnyx documents no idempotency header and we do not invent one: the delivery ledger alone
 * prevents a second SMS, which is why an unknown outcome is never resent (see delivery-policy).
 */
export async function sendTelnyxSms(cfg: TelnyxConfig, msg: SmsMessage, opts: SendOptions = {}): Promise<SendResult> {
  const body: Record<string, string> = { from: cfg.from, to: msg.to, text: msg.text };
  if (cfg.messagingProfileId !== undefined) body['messaging_profile_id'] = cfg.messagingProfileId;
  const res = await httpRequest({
    url: `${cfg.apiBase.replace(/\/+$/, '')}/v2/messages`,
    method: 'POST',
    headers: {
      Authorization: `Bearer ${cfg.apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
    },
    body: JSON.stringify(body),
    timeoutMs: cfg.timeoutMs ?? 15_000,
    ...(cfg.dispatcher ? { dispatcher: cfg.dispatcher } : {}),
    maxResponseBytes: 64 * 1024,
    ...(opts.beforeLastByte ? { beforeLastByte: opts.beforeLastByte } : {}),
  });
  if (res.status < 200 || res.status >= 300) {
    const detail = telnyxErrorDetail(res.body);
    // 40300: the recipient texted STOP. Not an auth problem whatever the status; never retry.
    if (detail.startsWith(`${TELNYX_STOP_CODE}:`)) {
      throw new ChannelError('rejected', `recipient opted out: ${detail}`, { retryable: false, status: res.status, detail });
    }
    throw classifyHttpStatus(res.status, res.headers['retry-after'], detail);
  }
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { data?: { id?: unknown } };
    return { providerMessageId: typeof parsed.data?.id === 'string' ? parsed.data.id : null };
  } catch {
    return { providerMessageId: null };
  }
}

/** What Telnyx knows of a message it accepted: GET /v2/messages/{id}. */
export interface TelnyxMessageStatus {
  id: string;
  /** the first recipient's status: queued, sending, sent, delivered, sending_failed, delivery_failed, delivery_unconfirmed */
  status: string | null;
}

/**
 * Looks a message up by the id Telnyx answered it with (Retrieve a message, GET /v2/messages/{id}).
 * null: Telnyx does not know the id (404). Telnyx offers no lookup by a reference of ours, so only a
 * message whose answer was read (and its id stored) can be looked up.
 */
export async function getTelnyxMessage(
  cfg: Pick<TelnyxConfig, 'apiBase' | 'apiKey' | 'timeoutMs' | 'dispatcher'>,
  id: string,
): Promise<TelnyxMessageStatus | null> {
  const res = await httpRequest({
    url: `${cfg.apiBase.replace(/\/+$/, '')}/v2/messages/${encodeURIComponent(id)}`,
    method: 'GET',
    headers: { Authorization: `Bearer ${cfg.apiKey}`, Accept: 'application/json', 'User-Agent': USER_AGENT },
    timeoutMs: cfg.timeoutMs ?? 15_000,
    ...(cfg.dispatcher ? { dispatcher: cfg.dispatcher } : {}),
    maxResponseBytes: 64 * 1024,
  });
  if (res.status === 404) return null;
  if (res.status < 200 || res.status >= 300) throw classifyHttpStatus(res.status, res.headers['retry-after'], telnyxErrorDetail(res.body));
  let parsed: { data?: { id?: unknown; to?: Array<{ status?: unknown }> } };
  try {
    parsed = JSON.parse(res.body.toString('utf8')) as typeof parsed;
  } catch {
    throw new ChannelError('provider_unavailable', 'Telnyx answered a message lookup with something that is not JSON', {
      retryable: true,
      status: res.status,
      detail: excerpt(res.body),
    });
  }
  const status = parsed.data?.to?.[0]?.status;
  return { id: typeof parsed.data?.id === 'string' ? parsed.data.id : id, status: typeof status === 'string' ? status : null };
}

/** Telnyx errors: {"errors":[{"code":"40310","title":"...","detail":"..."}]}. */
function telnyxErrorDetail(body: Buffer): string {
  const text = excerpt(body, 2000);
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; title?: unknown; detail?: unknown }> };
    const first = parsed.errors?.[0];
    if (first) {
      const parts = [first.code, first.title, first.detail].filter((p): p is string => typeof p === 'string' && p !== '');
      if (parts.length > 0) return parts.join(': ');
    }
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500);
}
