import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import {
  applyFault,
  ed25519FromSeed,
  FaultQueue,
  header,
  postWebhook,
  rawEd25519PublicKey,
  sendJson,
  startHttpServer,
  type StandinOptions,
} from './http-standin';

export interface TelnyxStandinOptions extends StandinOptions {
  /** hex of a 32-byte Ed25519 seed: the webhook signing key pair (default: a random one) */
  signingSeed?: string;
  /** where POST /inbound posts its signed message.received webhooks (the product's /telnyx/messages) */
  inboundWebhookUrl?: string;
  /** the receiving number of POST /inbound when the body names none */
  defaultNumber?: string;
  /** The accepted Bearer key(s) (default 'KEY_test'): several stand for several Telnyx accounts. */
  apiKey?: string | string[];
  /**
   * Every accepted message is answered this long after it was recorded (default 0): a provider that
   * acted at once but whose answer is still on its way, so that sends are in flight when a test kills
   * the sender. Changeable later with setLatency.
   */
  latencyMs?: number;
}

export interface TelnyxRecordedMessage {
  id: string;
  from: string;
  to: string;
  text: string;
  messagingProfileId?: string;
  /** Telnyx has no idempotency key; tests count duplicates by (to, text). */
  receivedAt: string;
}

export interface TelnyxStandin {
  url: string;
  port: number;
  received: TelnyxRecordedMessage[];
  readonly attempts: number;
  /** messages recorded whose answer is still held back (latencyMs): sends in flight right now */
  readonly unanswered: number;
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  delayNext(n: number, ms: number): void;
  /** See TelnyxStandinOptions.latencyMs. */
  setLatency(ms: number): void;
  /** The number texted STOP: sends to it get 40300. */
  optOut(phoneNumber: string): void;
  /** the account's Ed25519 public key as Telnyx's portal shows it (base64 of the raw key): the product's TELNYX_PUBLIC_KEY */
  publicKey: string;
  /**
   * Posts a `message.received` webhook to `url` as Telnyx does: signed with the account key
   * (`telnyx-signature-ed25519` over `<telnyx-timestamp>|<body>`). `timestamp` (unix seconds) and
   * `signWith` let a test send a stale or forged one; the same `id` is a redelivery.
   */
  postInbound(
    url: string,
    m: { from: string; to: string; text: string; id?: string },
    o?: { timestamp?: number; unsigned?: boolean; signWith?: KeyObject },
  ): Promise<{ status: number; body: unknown }>;
  reset(): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const SHORT_CODE = /^\d{5,6}$/;
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

type TelnyxError = { code: string; title: string; detail: string; source?: { pointer: string } };
const errors = (...e: TelnyxError[]) => ({ errors: e });

/** Speaks Telnyx's Messages API v2 (POST /v2/messages to send, GET /v2/messages/{id} to retrieve; Bearer auth, JSON). */
export async function startTelnyxStandin(opts: TelnyxStandinOptions = {}): Promise<TelnyxStandin> {
  // the account's webhook signing key pair (Telnyx signs its webhooks with Ed25519)
  const keys = opts.signingSeed ? ed25519FromSeed(opts.signingSeed) : generateKeyPairSync('ed25519');
  const apiKeys = new Set([opts.apiKey ?? 'KEY_test'].flat());
  const faults = new FaultQueue();
  const received: TelnyxRecordedMessage[] = [];
  const optedOut = new Set<string>();
  let attempts = 0;
  let latencyMs = opts.latencyMs ?? 0;
  let unanswered = 0;
  const byId = new Map<string, Record<string, unknown>>();
  const authorized = (req: Parameters<Parameters<typeof startHttpServer>[0]>[0]): boolean => {
    const auth = /^Bearer\s+(.+)$/i.exec(header(req, 'authorization') ?? '');
    return Boolean(auth?.[1] && apiKeys.has(auth[1]));
  };
  const unauthorized = errors({
    code: '10009',
    title: 'Authentication failed',
    detail: 'The required authentication headers were either invalid or not included in the request.',
  });
  const running = await startHttpServer(async (req, res, body) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/outbox') return sendJson(res, 200, received);
    // a person texting the number: POST /inbound {"from","to","text"} is posted, signed, to the product's inbound webhook
    if (req.method === 'POST' && path === '/inbound') {
      if (!opts.inboundWebhookUrl)
        return sendJson(res, 404, errors({ code: '10015', title: 'Not configured', detail: 'start the stand-in with inboundWebhookUrl' }));
      let m: { from?: unknown; to?: unknown; text?: unknown };
      try {
        m = JSON.parse(body.toString('utf8')) as typeof m;
      } catch {
        return sendJson(res, 400, errors({ code: '10015', title: 'Bad request', detail: 'the body must be JSON {"from","to","text"}' }));
      }
      if (typeof m.from !== 'string' || typeof m.text !== 'string')
        return sendJson(res, 400, errors({ code: '10015', title: 'Bad request', detail: 'from and text are required' }));
      const r = await postInbound(opts.inboundWebhookUrl, { from: m.from, to: typeof m.to === 'string' ? m.to : (opts.defaultNumber ?? ''), text: m.text });
      return sendJson(res, 200, { delivered_to: opts.inboundWebhookUrl, status: r.status, response: r.body });
    }
    if (req.method === 'DELETE' && path === '/outbox') {
      received.length = 0;
      byId.clear();
      return sendJson(res, 200, { data: 'cleared' });
    }
    const one = /^\/v2\/messages\/([^/]+)$/.exec(path);
    if (one?.[1]) {
      // Retrieve a message: the record as the send answered it (statuses do not advance here)
      if (req.method !== 'GET') return sendJson(res, 405, errors({ code: '10015', title: 'Bad Request', detail: 'Method not allowed' }));
      if (!authorized(req)) return sendJson(res, 401, unauthorized);
      const found = byId.get(decodeURIComponent(one[1]));
      if (!found)
        return sendJson(res, 404, errors({ code: '10005', title: 'Resource not found', detail: 'The requested resource or URL could not be found.' }));
      return sendJson(res, 200, { data: found });
    }
    if (path !== '/v2/messages') return sendJson(res, 404, errors({ code: '10005', title: 'Resource not found', detail: `No route ${path}` }));
    if (req.method !== 'POST') return sendJson(res, 405, errors({ code: '10015', title: 'Bad Request', detail: 'Method not allowed' }));
    attempts++;
    if (
      await applyFault(faults.take(), running, res, (s) =>
        s === 429
          ? errors({ code: '10011', title: 'Too many requests', detail: 'You have exceeded the maximum number of allowed requests.' })
          : errors({ code: '10007', title: 'Unexpected error', detail: 'An unexpected error occured.' }),
      )
    ) {
      return;
    }
    if (!authorized(req)) return sendJson(res, 401, unauthorized);
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      payload = parsed as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, errors({ code: '10015', title: 'Bad Request', detail: 'The request failed because it was not well-formed.' }));
    }
    const profile = typeof payload['messaging_profile_id'] === 'string' ? payload['messaging_profile_id'] : undefined;
    const from = payload['from'];
    const rawTo = payload['to'];
    const to = Array.isArray(rawTo) && rawTo.length === 1 ? rawTo[0] : rawTo;
    const text = payload['text'];
    if (from === undefined && profile === undefined) {
      return sendJson(
        res,
        422,
        errors({ code: '10004', title: 'Missing required parameter', detail: "The 'from' parameter is required.", source: { pointer: '/from' } }),
      );
    }
    if (from !== undefined && (typeof from !== 'string' || !(E164.test(from) || SHORT_CODE.test(from) || ALPHANUMERIC_SENDER.test(from)))) {
      return sendJson(
        res,
        400,
        errors({
          code: '40305',
          title: "Invalid 'from' address",
          detail: 'The from address should be a valid number, short code or alphanumeric sender id.',
          source: { pointer: '/from' },
        }),
      );
    }
    if (typeof to !== 'string' || !(E164.test(to) || SHORT_CODE.test(to))) {
      return sendJson(
        res,
        400,
        errors({ code: '40310', title: "Invalid 'to' address", detail: "The 'to' address should be a single valid number.", source: { pointer: '/to' } }),
      );
    }
    if ((typeof text !== 'string' || text === '') && payload['media_urls'] === undefined) {
      return sendJson(
        res,
        422,
        errors({ code: '10004', title: 'Missing required parameter', detail: "The 'text' parameter is required.", source: { pointer: '/text' } }),
      );
    }
    if (optedOut.has(to)) {
      return sendJson(
        res,
        400,
        errors({ code: '40300', title: 'Blocked due to STOP message', detail: 'The recipient has opted out of messages from this number.' }),
      );
    }
    const msgText = typeof text === 'string' ? text : '';
    const now = new Date().toISOString();
    const record: TelnyxRecordedMessage = {
      id: randomUUID(),
      from: typeof from === 'string' ? from : '',
      to,
      text: msgText,
      receivedAt: now,
      ...(profile !== undefined ? { messagingProfileId: profile } : {}),
    };
    received.push(record);
    // GSM-7 fits 160 characters in one part (153 per part when split); anything else is UCS-2 (70/67).
    const gsm = /^[\x20-\x7e\n\r]*$/.test(msgText);
    const parts = msgText.length <= (gsm ? 160 : 70) ? 1 : Math.ceil(msgText.length / (gsm ? 153 : 67));
    const data = {
      record_type: 'message',
      direction: 'outbound',
      id: record.id,
      type: 'SMS',
      messaging_profile_id: profile ?? null,
      organization_id: null,
      from: { phone_number: record.from, carrier: 'Telnyx', line_type: 'VoIP' },
      to: [{ phone_number: to, status: 'queued', carrier: '', line_type: '' }],
      text: msgText,
      media: [],
      webhook_url: null,
      webhook_failover_url: null,
      encoding: gsm ? 'GSM-7' : 'UCS-2',
      parts,
      tags: [],
      cost: null,
      received_at: now,
      sent_at: null,
      completed_at: null,
      valid_until: new Date(Date.now() + 4 * 3600_000).toISOString(),
      errors: [],
    };
    byId.set(record.id, data);
    // recorded (the provider acted) before the answer leaves: a sender killed meanwhile leaves it in flight
    if (latencyMs > 0) {
      unanswered++;
      await running.sleep(latencyMs).finally(() => unanswered--);
    }
    sendJson(res, 200, { data });
  }, opts);
  const postInbound: TelnyxStandin['postInbound'] = async (url, m, o = {}) => {
    const id = m.id ?? randomUUID();
    const body = JSON.stringify({
      data: {
        event_type: 'message.received',
        id: randomUUID(),
        occurred_at: new Date().toISOString(),
        payload: {
          id,
          direction: 'inbound',
          type: 'SMS',
          text: m.text,
          from: { phone_number: m.from, carrier: 'Stand-in', line_type: 'Wireless' },
          to: [{ phone_number: m.to, status: 'webhook_delivered' }],
        },
        record_type: 'event',
      },
      meta: { attempt: 1, delivered_to: url },
    });
    const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(`${ts}|${body}`), o.signWith ?? keys.privateKey).toString('base64');
    return postWebhook(url, body, o.unsigned ? {} : { 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': ts });
  };
  return {
    url: running.url,
    port: running.port,
    publicKey: rawEd25519PublicKey(keys.publicKey),
    postInbound,
    received,
    get attempts() {
      return attempts;
    },
    get unanswered() {
      return unanswered;
    },
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    delayNext: (n, ms) => faults.delayNext(n, ms),
    setLatency: (ms) => {
      latencyMs = ms;
    },
    optOut: (n) => void optedOut.add(n),
    reset: () => {
      received.length = 0;
      byId.clear();
      attempts = 0;
      optedOut.clear();
      faults.clear();
    },
    close: () => running.close(),
  };
}
