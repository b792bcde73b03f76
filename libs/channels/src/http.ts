import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { ChannelError, classifyHttpStatus } from './errors';
import { assertUrlAllowed, dispatcherFor, type OutboundPolicy } from './ssrf';
import { excerpt, httpRequest, type HttpMethod } from './transport';

export const USER_AGENT = 'Fixlify-Automation/1';
export const SIGNATURE_HEADER = 'Fixlify-Signature';
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;
export const MAX_WEBHOOK_RESPONSE_BYTES = 64 * 1024;
export const MAX_API_RESPONSE_BYTES = 1024 * 1024;

/**
 * Webhook signature, Stripe-style so receivers can reuse familiar code:
 *   Fixlify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * The timestamp is signed too, so a captured request cannot be replayed after the tolerance.
 * Receivers accept any v1 that matches: while a secret is being rotated, one is sent per valid
 * secret (the new one first), so a receiver still holding the old secret goes on verifying.
 */
export function signWebhook(secret: string | readonly string[], body: string | Buffer, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  return `t=${t},${secrets.map((s) => `v1=${hmacHex(s, t, body)}`).join(',')}`;
}

const hmacHex = (secret: string, t: number, body: string | Buffer) => createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

export type WebhookSignatureCheck = 'ok' | 'malformed' | 'stale' | 'mismatch';

/** Why a signature header is (not) acceptable; verifyWebhookSignature is the boolean form. */
export function inspectWebhookSignature(
  secret: string,
  header: string | undefined | null,
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): WebhookSignatureCheck {
  if (!header) return 'malformed';
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't' && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && /^[0-9a-f]{64}$/i.test(v)) v1.push(v.toLowerCase());
  }
  if (t === undefined || v1.length === 0) return 'malformed';
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return 'stale';
  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  // Compare every candidate in constant time; `some` would short-circuit only between candidates.
  let ok = false;
  for (const candidate of v1) ok = timingSafeEqual(expected, Buffer.from(candidate, 'hex')) || ok;
  return ok ? 'ok' : 'mismatch';
}

/** Constant-time check of a Fixlify-Signature header; stale timestamps are refused. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined | null,
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  return inspectWebhookSignature(secret, header, body, nowSeconds, toleranceSeconds) === 'ok';
}

// Hop-by-hop and framing headers are ours to set; letting a workflow set them invites request smuggling.
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** User-supplied headers, validated; reserved names dropped, `override` names replaced. */
export function sanitizeHeaders(user: Record<string, string> | undefined, override: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const overridden = new Set(Object.keys(override).map((k) => k.toLowerCase()));
  for (const [name, value] of Object.entries(user ?? {})) {
    if (!TOKEN.test(name)) throw new ChannelError('invalid_request', `invalid header name ${JSON.stringify(name.slice(0, 100))}`, { retryable: false });
    if (/[\r\n\0]/.test(value)) throw new ChannelError('invalid_request', `invalid value for header ${name}`, { retryable: false });
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || overridden.has(lower)) continue;
    out[name] = value;
  }
  return { ...out, ...override };
}

function assertBodySize(body: string | undefined): void {
  if (body !== undefined && Buffer.byteLength(body) > MAX_REQUEST_BODY_BYTES) {
    throw new ChannelError('payload_too_large', `request body is ${Buffer.byteLength(body)} bytes; the limit is ${MAX_REQUEST_BODY_BYTES}`, {
      retryable: false,
    });
  }
}

export interface SendWebhookInput {
  url: string;
  /** The exact bytes that are signed and sent (JSON text). */
  body: string;
  /** the signing secret, or several while one is being rotated (the new one first) */
  secret: string | readonly string[];
  /** The step key: receivers deduplicate on it, and a resend after an unknown outcome reuses it. */
  idempotencyKey: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  policy: OutboundPolicy;
  now: Date;
  /** Defaults to the guarded agent of `policy`. */
  dispatcher?: Dispatcher;
}

export interface WebhookResult {
  status: number;
  /** The receiver's answer, cut at 64 KiB. */
  responseBody: string;
  truncated: boolean;
}

/** POSTs a signed webhook. Non-2xx answers throw a classified ChannelError. */
export async function sendWebhook(input: SendWebhookInput): Promise<WebhookResult> {
  assertBodySize(input.body);
  const url = await assertUrlAllowed(input.url, input.policy);
  const t = Math.floor(input.now.getTime() / 1000);
  const headers = sanitizeHeaders(input.headers, {
    'Content-Type': 'application/json',
    'User-Agent': USER_AGENT,
    'Idempotency-Key': input.idempotencyKey,
    [SIGNATURE_HEADER]: signWebhook(input.secret, input.body, t),
  });
  const res = await httpRequest({
    url,
    method: 'POST',
    headers,
    body: input.body,
    timeoutMs: input.timeoutMs,
    dispatcher: input.dispatcher ?? dispatcherFor(input.policy),
    maxResponseBytes: MAX_WEBHOOK_RESPONSE_BYTES,
  });
  if (res.status < 200 || res.status >= 300) throw classifyHttpStatus(res.status, res.headers['retry-after'], excerpt(res.body));
  return { status: res.status, responseBody: res.body.toString('utf8'), truncated: res.truncated };
}

export type ApiAuth =
  { type: 'bearer'; token: string } | { type: 'basic'; username: string; password: string } | { type: 'header'; name: string; value: string };

export interface ApiCallInput {
  url: string;
  method: HttpMethod;
  headers?: Record<string, string>;
  body?: string;
  auth?: ApiAuth;
  timeoutMs: number;
  policy: OutboundPolicy;
  /** Sent as Idempotency-Key so a resend after an unknown outcome can be deduplicated downstream. */
  idempotencyKey?: string;
  dispatcher?: Dispatcher;
}

export interface ApiCallResult {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the content type says JSON (and it parses), else text. */
  body: unknown;
  /** The answer was longer than 1 MiB and was cut (and then not parsed as JSON). */
  truncated: boolean;
}

function authHeaders(auth: ApiAuth | undefined): Record<string, string> {
  if (!auth) return {};
  switch (auth.type) {
    case 'bearer':
      return { Authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    case 'header':
      return { [auth.name]: auth.value };
  }
}

const looksLikeJson = (s: string) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

/** Calls an organization's API. Non-2xx answers throw a classified ChannelError. */
export async function apiCall(input: ApiCallInput): Promise<ApiCallResult> {
  assertBodySize(input.body);
  const url = await assertUrlAllowed(input.url, input.policy);
  const ours: Record<string, string> = { 'User-Agent': USER_AGENT };
  if (input.idempotencyKey !== undefined) ours['Idempotency-Key'] = input.idempotencyKey;
  // Auth goes through the same validation as user headers (a 'header' auth name is user input).
  const headers = sanitizeHeaders({ ...input.headers, ...authHeaders(input.auth) }, ours);
  const hasBody = input.body !== undefined && input.method !== 'GET';
  if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = looksLikeJson(input.body ?? '') ? 'application/json' : 'text/plain; charset=utf-8';
  }
  const res = await httpRequest({
    url,
    method: input.method,
    headers,
    ...(hasBody ? { body: input.body } : {}),
    timeoutMs: input.timeoutMs,
    dispatcher: input.dispatcher ?? dispatcherFor(input.policy),
    maxResponseBytes: MAX_API_RESPONSE_BYTES,
  });
  if (res.status < 200 || res.status >= 300) throw classifyHttpStatus(res.status, res.headers['retry-after'], excerpt(res.body));
  const text = res.body.toString('utf8');
  let body: unknown = text;
  if (!res.truncated && /\bjson\b/i.test(res.headers['content-type'] ?? '') && text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers: res.headers, body, truncated: res.truncated };
}
