import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export type SignatureCheck = 'ok' | 'missing' | 'malformed' | 'stale' | 'mismatch';

/**
 * Telnyx's public key as its portal shows it (base64 of the raw 32-byte Ed25519 key), or a PEM
 * (SPKI). Throws on anything else, so a misconfigured deployment fails at start, not per request.
 */
export const telnyxPublicKey = (text: string): KeyObject => {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return createPublicKey(t);
  const raw = Buffer.from(t, 'base64');
  if (raw.length !== 32) throw new Error('TELNYX_PUBLIC_KEY must be the base64 of a 32-byte Ed25519 public key (or a PEM)');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
};

/**
 * Telnyx webhook signature (API v2): `telnyx-signature-ed25519` is the base64 Ed25519 signature of
 * `<telnyx-timestamp>|<raw body>` by the account's key; the timestamp (unix seconds) must be within
 * the tolerance of now, so a captured request cannot be replayed later.
 */
export const inspectTelnyxSignature = (
  key: KeyObject,
  signature: string | undefined,
  timestamp: string | undefined,
  rawBody: Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureCheck => {
  if (!signature || !timestamp) return 'missing';
  if (!/^\d{1,12}$/.test(timestamp.trim())) return 'malformed';
  const sig = Buffer.from(signature.trim(), 'base64');
  if (sig.length !== 64) return 'malformed';
  if (Math.abs(nowSeconds - Number(timestamp.trim())) > toleranceSeconds) return 'stale';
  const signed = Buffer.concat([Buffer.from(`${timestamp.trim()}|`), rawBody]);
  return verify(null, signed, key, sig) ? 'ok' : 'mismatch';
};

/** Mailgun webhook signature: hex HMAC-SHA256 of `<timestamp><token>` with the webhook signing key. */
export const mailgunWebhookSignature = (signingKey: string, timestamp: string, token: string): string =>
  createHmac('sha256', signingKey).update(`${timestamp}${token}`).digest('hex');

export const inspectMailgunSignature = (
  signingKey: string,
  s: { timestamp: string; token: string; signature: string },
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureCheck => {
  if (Math.abs(nowSeconds - Number(s.timestamp)) > toleranceSeconds) return 'stale';
  const want = Buffer.from(mailgunWebhookSignature(signingKey, s.timestamp, s.token), 'hex');
  const got = Buffer.from(s.signature, 'hex');
  return got.length === want.length && timingSafeEqual(got, want) ? 'ok' : 'mismatch';
};

/** What an unsubscribe link names: whose recipient, on which channel. */
export interface UnsubscribeSubject {
  organizationId: string;
  channel: 'email' | 'sms';
  address: string;
}

const mac = (key: string, payload: string): Buffer => createHmac('sha256', key).update(`unsubscribe|${payload}`).digest().subarray(0, 18);

/**
 * The token of an unsubscribe link: the subject and an HMAC of it with the deployment's key. Nothing
 * in it can be guessed or edited: changing the address or the organization breaks the MAC.
 */
export const unsubscribeToken = (key: string, s: UnsubscribeSubject): string => {
  const payload = Buffer.from(JSON.stringify([s.organizationId, s.channel, s.address])).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
};

/** The subject of a token this deployment signed, or null for anything else. */
export const openUnsubscribeToken = (key: string, token: string): UnsubscribeSubject | null => {
  const m = /^([A-Za-z0-9_-]{10,2000})\.([A-Za-z0-9_-]{24})$/.exec(token);
  if (!m) return null;
  const got = Buffer.from(m[2]!, 'base64url');
  const want = mac(key, m[1]!);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  try {
    const v = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'string')) return null;
    const [organizationId, channel, address] = v as [string, string, string];
    if (channel !== 'email' && channel !== 'sms') return null;
    return { organizationId, channel, address };
  } catch {
    return null;
  }
};

/**
 * The key of unsubscribe links (UNSUBSCRIBE_SIGNING_KEY, shared by the executor that writes them and
 * the API that opens them): required in production; elsewhere a fixed development key when unset.
 */
export const unsubscribeSigningKey = (env: NodeJS.ProcessEnv = process.env): string => {
  const k = env.UNSUBSCRIBE_SIGNING_KEY?.trim();
  if (k) {
    if (k.length < 16) throw new Error('UNSUBSCRIBE_SIGNING_KEY must be at least 16 characters (openssl rand -base64 32)');
    return k;
  }
  if (env.NODE_ENV === 'production') throw new Error('UNSUBSCRIBE_SIGNING_KEY is required in production (openssl rand -base64 32)');
  return 'fixlify-local-development-unsubscribe-key';
};

/** The headers of RFC 2369 / RFC 8058 one-click unsubscribe for one message. */
export const listUnsubscribeHeaders = (url: string, mailto: string | null): Record<string, string> => ({
  'List-Unsubscribe': mailto ? `<${url}>, <mailto:${mailto}?subject=${encodeURIComponent(`unsubscribe ${url.split('/').pop() ?? ''}`)}>` : `<${url}>`,
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
});
