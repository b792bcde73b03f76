import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { generateRequestDetails, type PushSubscription, type Urgency } from 'web-push';
import { ChannelError, classifyHttpStatus } from './errors';
import { assertUrlAllowed, DEFAULT_OUTBOUND_POLICY, dispatcherFor, isTargetAllowed, portOf, type OutboundPolicy } from './ssrf';
import { excerpt, httpRequest } from './transport';

export interface VapidConfig {
  publicKey: string;
  privateKey: string;
  /** mailto: or https: contact the push service can reach us at. */
  subject: string;
}

export interface WebPushOptions {
  /** Seconds the push service keeps an undelivered message (default 1 day). */
  ttlSeconds?: number;
  urgency?: Urgency;
  /** Derives the Topic header, so a resend replaces a still-undelivered copy instead of adding one. */
  idempotencyKey?: string;
  timeoutMs?: number;
  /** Subscription endpoints come from browsers, i.e. from users: they go through the SSRF guard. */
  policy?: OutboundPolicy;
  dispatcher?: Dispatcher;
  /** See HttpRequestOptions.beforeLastByte: the delivery ledger records "sending" there. */
  beforeLastByte?: () => Promise<void>;
}

export interface WebPushResult {
  status: number;
  /** The Location of the created push message resource, when the service gives one. */
  providerMessageId: string | null;
}

/** RFC 8291: 4096-byte records minus the aes128gcm header (86), tag (16) and padding delimiter (1). */
export const MAX_PUSH_PAYLOAD_BYTES = 4096 - 86 - 16 - 1;

/** A Topic (≤ 32 URL-safe base64 chars, RFC 8030 §5.4) stable per step key. */
export const pushTopicFor = (idempotencyKey: string) => createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 32);

/**
 * Encrypts and signs with the web-push package (aes128gcm + VAPID) but sends with undici, so the
 * request goes through the guarded dispatcher and the common timeout/error handling.
 * 404/410 mean the subscription is gone: delete it, do not retry.
 */
export async function sendWebPush(
  cfg: VapidConfig,
  subscription: PushSubscription,
  payload: string | Buffer,
  opts: WebPushOptions = {},
): Promise<WebPushResult> {
  const size = Buffer.byteLength(payload);
  if (size > MAX_PUSH_PAYLOAD_BYTES) {
    throw new ChannelError('payload_too_large', `push payload is ${size} bytes; the limit is ${MAX_PUSH_PAYLOAD_BYTES}`, { retryable: false });
  }
  const policy = opts.policy ?? DEFAULT_OUTBOUND_POLICY;
  const url = await assertUrlAllowed(subscription.endpoint, policy);
  // Real push services are all https; plain http is only for hosts the policy names (stand-ins).
  if (url.protocol !== 'https:' && !isTargetAllowed(url.hostname, portOf(url), policy) && !policy.allowPrivateNetworks) {
    throw new ChannelError('ssrf_blocked', 'push endpoints must be https', { retryable: false, detail: 'scheme' });
  }
  let details: ReturnType<typeof generateRequestDetails>;
  try {
    details = generateRequestDetails(subscription, payload, {
      vapidDetails: cfg,
      TTL: opts.ttlSeconds ?? 86_400,
      contentEncoding: 'aes128gcm',
      ...(opts.urgency ? { urgency: opts.urgency } : {}),
      ...(opts.idempotencyKey !== undefined ? { topic: pushTopicFor(opts.idempotencyKey) } : {}),
    });
  } catch (err) {
    // Malformed subscription keys or VAPID details: retrying will not help.
    throw new ChannelError('invalid_request', `cannot build push request: ${err instanceof Error ? err.message : String(err)}`, {
      retryable: false,
      cause: err,
    });
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(details.headers)) headers[k] = String(v);
  delete headers['Content-Length']; // undici frames the body itself
  const res = await httpRequest({
    url,
    method: 'POST',
    headers,
    body: details.body ?? Buffer.alloc(0),
    timeoutMs: opts.timeoutMs ?? 10_000,
    dispatcher: opts.dispatcher ?? dispatcherFor(policy),
    maxResponseBytes: 16 * 1024,
    ...(opts.beforeLastByte ? { beforeLastByte: opts.beforeLastByte } : {}),
  });
  if (res.status === 404 || res.status === 410) {
    throw new ChannelError('recipient_gone', `push subscription gone (HTTP ${res.status})`, {
      retryable: false,
      status: res.status,
      detail: excerpt(res.body),
    });
  }
  if (res.status < 200 || res.status >= 300) throw classifyHttpStatus(res.status, res.headers['retry-after'], excerpt(res.body));
  return { status: res.status, providerMessageId: res.headers['location'] ?? null };
}
