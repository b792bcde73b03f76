/** Why a channel send failed; the executor maps each code to retry / fail by an exhaustive switch. */
export const CHANNEL_ERROR_CODES = [
  'rate_limited',
  'provider_unavailable',
  'timeout',
  'network',
  'rejected',
  'auth_failed',
  'invalid_request',
  'recipient_gone',
  'ssrf_blocked',
  'payload_too_large',
] as const;
export type ChannelErrorCode = (typeof CHANNEL_ERROR_CODES)[number];

export interface ChannelErrorOptions {
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  /**
   * True when the request may have reached the provider (a timeout after sending, a socket reset
   * mid-response): the outcome is unknown, and delivery-policy decides whether to resend.
   */
  maybeDelivered?: boolean;
  /** A short excerpt of the provider's answer, for the execution log. */
  detail?: string;
  cause?: unknown;
}

export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  readonly code: ChannelErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly maybeDelivered: boolean;
  readonly detail?: string;

  constructor(code: ChannelErrorCode, message: string, opts: ChannelErrorOptions) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable;
    this.maybeDelivered = opts.maybeDelivered ?? false;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.detail !== undefined) this.detail = opts.detail;
  }

  /** A plain object for logs and step results (Error fields do not survive JSON.stringify). */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      status: this.status,
      maybeDelivered: this.maybeDelivered,
      detail: this.detail,
    };
  }
}

export const isChannelError = (e: unknown): e is ChannelError => e instanceof ChannelError;

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms from now,
 * never negative; undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | null | undefined, nowMs = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/[A-Za-z]/.test(s)) return undefined; // HTTP dates name the day and month
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Classifies a non-2xx HTTP answer. 408, 429 and 5xx are worth retrying; other 4xx are not. */
export function classifyHttpStatus(status: number, retryAfterHeader?: string | string[] | null, detail?: string, nowMs = Date.now()): ChannelError {
  const retryAfterMs = parseRetryAfter(retryAfterHeader, nowMs);
  const base = { status, ...(detail === undefined ? {} : { detail }) };
  const withRetry = retryAfterMs === undefined ? base : { ...base, retryAfterMs };
  const msg = (what: string) => `HTTP ${status}: ${what}${detail ? ` (${detail.slice(0, 200)})` : ''}`;
  if (status === 429) return new ChannelError('rate_limited', msg('rate limited'), { ...withRetry, retryable: true });
  if (status === 408) return new ChannelError('timeout', msg('request timeout'), { ...withRetry, retryable: true });
  // 504: the gateway gave up waiting on the origin, which may still have acted.
  if (status >= 500) {
    return new ChannelError('provider_unavailable', msg('provider unavailable'), {
      ...withRetry,
      retryable: true,
      maybeDelivered: status === 504,
    });
  }
  if (status === 401 || status === 403) return new ChannelError('auth_failed', msg('authentication failed'), { ...base, retryable: false });
  if (status === 413) return new ChannelError('payload_too_large', msg('payload too large'), { ...base, retryable: false });
  // 410 is how REST-hook receivers and push services say "unsubscribe me".
  if (status === 410) return new ChannelError('recipient_gone', msg('gone'), { ...base, retryable: false });
  if (status === 400 || status === 422) return new ChannelError('invalid_request', msg('invalid request'), { ...base, retryable: false });
  if (status >= 300 && status < 400) return new ChannelError('rejected', msg('redirects are not followed'), { ...base, retryable: false });
  return new ChannelError('rejected', msg('rejected'), { ...base, retryable: false });
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
/** Errors where the request certainly never left: safe to resend whatever the channel. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Maps a thrown transport error (undici, node:net, AbortSignal.timeout, nodemailer) to a ChannelError.
 * `sent` says whether the request had been handed to the socket, which decides maybeDelivered.
 */
export function classifyTransportError(err: unknown, sent = true): ChannelError {
  if (err instanceof ChannelError) return err;
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  for (const e of chain) if (e instanceof ChannelError) return e;
  const codeOf = (e: unknown) => (e as { code?: unknown }).code;
  const nameOf = (e: unknown) => (e as { name?: unknown }).name;
  const code = chain.map(codeOf).find((c): c is string => typeof c === 'string');
  const message = err instanceof Error ? err.message : String(err);
  const isTimeout = chain.some((e) => nameOf(e) === 'TimeoutError' || nameOf(e) === 'AbortError') || (code !== undefined && TIMEOUT_CODES.has(code));
  const notSent = !sent || (code !== undefined && NOT_SENT_CODES.has(code));
  if (isTimeout) {
    return new ChannelError('timeout', `timed out: ${message}`, { retryable: true, maybeDelivered: !notSent, cause: err });
  }
  return new ChannelError('network', `network error${code ? ` ${code}` : ''}: ${message}`, {
    retryable: true,
    maybeDelivered: !notSent,
    cause: err,
  });
}
