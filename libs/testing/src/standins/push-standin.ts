import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, randomUUID, verify, type ECDH } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { applyFault, FaultQueue, header, sendJson, startHttpServer, type StandinOptions } from './http-standin';

export interface StandinPushSubscription {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscriptionId: string;
  endpoint: string;
  ttl: number;
  urgency?: string;
  topic?: string;
  /** The decrypted payload (RFC 8291), or undefined for an empty push. */
  payload?: string;
  vapid: { audience: string; subject: string; expiresAt: number; publicKey: string };
  receivedAt: string;
}

export interface PushStandin {
  url: string;
  port: number;
  received: ReceivedPush[];
  /** A browser-like subscription whose keys the stand-in holds, so it can decrypt what it gets. */
  createSubscription(id?: string): StandinPushSubscription;
  /** The subscription expired or was revoked: its endpoint answers 410 Gone from now on. */
  expire(subscriptionIdOrEndpoint: string): void;
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  delayNext(n: number, ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

interface Sub {
  ecdh: ECDH;
  auth: Buffer;
  gone: boolean;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** Decrypts an aes128gcm push body (RFC 8188 framing, RFC 8291 keys) for a single-record message. */
export function decryptAes128gcm(body: Buffer, ecdh: ECDH, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('aes128gcm: body too short');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] ?? 0;
  const senderPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (ciphertext.length > rs) throw new Error('aes128gcm: multi-record bodies are not supported by the stand-in');
  const uaPublic = ecdh.getPublicKey();
  const shared = ecdh.computeSecret(senderPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('aes128gcm: missing last-record delimiter');
  return padded.subarray(0, end);
}

/** Checks `Authorization: vapid t=<ES256 JWT>, k=<P-256 public key>` (RFC 8292). */
export function verifyVapid(authorization: string | undefined, audience: string, nowSeconds: number): ReceivedPush['vapid'] {
  const m = /^vapid\s+(.+)$/i.exec(authorization ?? '');
  if (!m?.[1]) throw new Error('missing vapid authorization');
  const params = new Map<string, string>();
  for (const kv of m[1].split(',')) {
    const i = kv.indexOf('=');
    if (i > 0) params.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
  }
  const token = params.get('t');
  const k = params.get('k');
  if (!token || !k) throw new Error('vapid needs t and k');
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) throw new Error('malformed JWT');
  const jwtHeader = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
  if (jwtHeader.alg !== 'ES256') throw new Error('JWT alg must be ES256');
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k must be an uncompressed P-256 point');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) }, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) {
    throw new Error('JWT signature does not verify');
  }
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { aud?: string; exp?: number; sub?: string };
  if (claims.aud !== audience) throw new Error(`JWT aud ${claims.aud} is not ${audience}`);
  if (typeof claims.exp !== 'number' || claims.exp < nowSeconds || claims.exp > nowSeconds + 24 * 3600) throw new Error('JWT exp out of range');
  if (!claims.sub || !/^(mailto:|https:)/.test(claims.sub)) throw new Error('JWT sub must be mailto: or https:');
  return { audience: claims.aud, subject: claims.sub, expiresAt: claims.exp, publicKey: k };
}

const origin = (req: IncomingMessage, fallback: string) => (header(req, 'host') ? `http://${header(req, 'host')}` : fallback);

/** A Web Push service (RFC 8030) on loopback: POST /push/{id}, answers 201 with a Location. */
export async function startPushStandin(opts: StandinOptions = {}): Promise<PushStandin> {
  const faults = new FaultQueue();
  const received: ReceivedPush[] = [];
  const subs = new Map<string, Sub>();
  const running = await startHttpServer(async (req, res, body) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/outbox') return sendJson(res, 200, received);
    const m = /^\/push\/([^/]+)$/.exec(path);
    if (!m?.[1]) return sendJson(res, 404, { reason: 'not found' });
    if (req.method !== 'POST') return sendJson(res, 405, { reason: 'method not allowed' });
    if (await applyFault(faults.take(), running, res, (s) => ({ reason: `injected ${s}` }))) return;
    const id = decodeURIComponent(m[1]);
    const sub = subs.get(id);
    if (!sub) return sendJson(res, 404, { reason: 'no such subscription' });
    if (sub.gone) return sendJson(res, 410, { reason: 'subscription expired' });
    const ttlHeader = header(req, 'ttl');
    if (ttlHeader === undefined || !/^\d+$/.test(ttlHeader)) return sendJson(res, 400, { reason: 'TTL header required' });
    let vapid: ReceivedPush['vapid'];
    try {
      vapid = verifyVapid(header(req, 'authorization'), origin(req, running.url), Math.floor(Date.now() / 1000));
    } catch (err) {
      return sendJson(res, 403, { reason: `bad vapid: ${err instanceof Error ? err.message : String(err)}` });
    }
    let payload: string | undefined;
    if (body.length > 0) {
      if (header(req, 'content-encoding') !== 'aes128gcm') return sendJson(res, 415, { reason: 'Content-Encoding must be aes128gcm' });
      if (body.length > 4096) return sendJson(res, 413, { reason: 'payload too large' });
      try {
        payload = decryptAes128gcm(body, sub.ecdh, sub.auth).toString('utf8');
      } catch (err) {
        return sendJson(res, 400, { reason: `cannot decrypt: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    const urgency = header(req, 'urgency');
    const topic = header(req, 'topic');
    received.push({
      subscriptionId: id,
      endpoint: `${running.url}/push/${encodeURIComponent(id)}`,
      ttl: Number(ttlHeader),
      vapid,
      receivedAt: new Date().toISOString(),
      ...(urgency !== undefined ? { urgency } : {}),
      ...(topic !== undefined ? { topic } : {}),
      ...(payload !== undefined ? { payload } : {}),
    });
    res.writeHead(201, { Location: `${running.url}/message/${randomUUID()}`, 'Content-Length': '0' });
    res.end();
  }, opts);
  const idOf = (x: string) => {
    const m = /\/push\/([^/]+)$/.exec(x);
    return m?.[1] ? decodeURIComponent(m[1]) : x;
  };
  return {
    url: running.url,
    port: running.port,
    received,
    createSubscription: (id = randomUUID()) => {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subs.set(id, { ecdh, auth, gone: false });
      return {
        endpoint: `${running.url}/push/${encodeURIComponent(id)}`,
        expirationTime: null,
        keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
      };
    },
    expire: (x) => {
      const sub = subs.get(idOf(x));
      if (sub) sub.gone = true;
    },
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    delayNext: (n, ms) => faults.delayNext(n, ms),
    reset: () => {
      received.length = 0;
      faults.clear();
    },
    close: () => running.close(),
  };
}
