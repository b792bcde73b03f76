import { createHmac, randomBytes } from 'node:crypto';
import { applyFault, basicAuth, FaultQueue, header, postWebhook, sendJson, sendText, startHttpServer, type StandinOptions } from './http-standin';
import { parseForm, type FormField } from './form-data';

export interface MailgunStandinOptions extends StandinOptions {
  /** The key the stand-in accepts as Basic `api:<key>` (default 'key-test'). */
  apiKey?: string;
  /** When given, other domains get 404 "Domain not found". */
  domains?: string[];
  /** Every accepted message is answered this long after it was recorded (default 0): see the Telnyx stand-in's latencyMs. */
  latencyMs?: number;
  /** the HTTP webhook signing key its event webhooks are signed with */
  webhookSigningKey?: string;
}

export interface MailgunRecordedMessage {
  id: string;
  domain: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  /** `h:` fields (custom MIME headers), by header name. */
  headers: Record<string, string>;
  /** `v:` fields (custom variables). */
  variables: Record<string, string>;
  /** From `h:X-Idempotency-Key`, to count duplicates by. */
  idempotencyKey?: string;
  attachments: Array<{ filename: string; contentType?: string; size: number }>;
  contentType: 'multipart' | 'urlencoded';
  receivedAt: string;
}

/** An event as Mailgun's Events API answers it (the fields the stand-in fills). */
export interface MailgunEvent {
  id: string;
  event: 'accepted';
  /** epoch seconds, with a fraction */
  timestamp: number;
  recipient: string;
  'user-variables': Record<string, string>;
  tags: string[];
  message: { headers: { 'message-id': string; from: string; to: string; subject: string }; size: number };
}

export interface MailgunStandin {
  url: string;
  port: number;
  /** `accepted` events, one per recipient of each accepted message (GET /v3/{domain}/events reads them) */
  events: MailgunEvent[];
  /** Accepted messages, oldest first (GET /outbox returns the same as JSON). */
  received: MailgunRecordedMessage[];
  /** Every POST that reached the stand-in, accepted or not. */
  readonly attempts: number;
  /** messages recorded whose answer is still held back (latencyMs): sends in flight right now */
  readonly unanswered: number;
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  delayNext(n: number, ms: number): void;
  /** See MailgunStandinOptions.latencyMs. */
  setLatency(ms: number): void;
  /**
   * Posts an event webhook to `url` as Mailgun does (`{ signature, event-data }`, HMAC-SHA256 of
   * timestamp + token with the signing key), for a message it accepted (its user variables) or any.
   */
  postEvent(
    url: string,
    e: {
      event: 'unsubscribed' | 'complained' | 'failed' | 'delivered';
      recipient: string;
      severity?: 'permanent' | 'temporary';
      variables?: Record<string, string>;
      id?: string;
    },
    o?: { signingKey?: string; timestamp?: number },
  ): Promise<{ status: number; body: unknown }>;
  /** the HTTP webhook signing key events are signed with (the product's MAILGUN_WEBHOOK_SIGNING_KEY) */
  webhookSigningKey: string;
  reset(): void;
  close(): Promise<void>;
}

const fieldsOf = (form: FormField[], name: string) => form.filter((f) => f.name === name && f.filename === undefined).map((f) => f.value);

/** Filters of the Events API the stand-in applies (exact match; Mailgun's filter expressions beyond that are not supported). */
const EVENT_FILTERS = ['event', 'recipient', 'to', 'from', 'subject', 'message-id'] as const;
const eventField = (e: MailgunEvent, f: (typeof EVENT_FILTERS)[number]): string =>
  f === 'event' ? e.event : f === 'recipient' ? e.recipient : f === 'message-id' ? e.message.headers['message-id'] : e.message.headers[f];
/** Mailgun accepts epoch seconds or an RFC 2822 date for begin/end. */
const parseTime = (v: string): number | null => {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t / 1000;
};

/**
 * Speaks Mailgun's Messages API: POST /v3/{domain}/messages with form fields (urlencoded or
 * multipart), Basic auth `api:<key>`, answers as Mailgun documents them; and its Events API:
 * GET /v3/{domain}/events with a time range (begin, end, ascending), limit (≤ 300), the exact-match
 * filters in EVENT_FILTERS, pages of `{items, paging: {first, last, next, previous}}` whose next
 * page URL is /v3/{domain}/events/{token} (the last page is the empty one).
 */
export async function startMailgunStandin(opts: MailgunStandinOptions = {}): Promise<MailgunStandin> {
  const apiKey = opts.apiKey ?? 'key-test';
  const faults = new FaultQueue();
  const received: MailgunRecordedMessage[] = [];
  const events: MailgunEvent[] = [];
  let attempts = 0;
  let latencyMs = opts.latencyMs ?? 0;
  let unanswered = 0;
  const eventsPage = (domain: string, query: URLSearchParams, offset: number): { status: number; body: unknown } => {
    const ascending = query.get('ascending');
    if (ascending !== null && ascending !== 'yes' && ascending !== 'no')
      return { status: 400, body: { message: "Invalid value for 'ascending': must be yes or no" } };
    const begin = query.get('begin') === null ? null : parseTime(query.get('begin')!);
    const end = query.get('end') === null ? null : parseTime(query.get('end')!);
    if ((query.get('begin') !== null && begin === null) || (query.get('end') !== null && end === null))
      return { status: 400, body: { message: 'Invalid time range: begin/end must be epoch seconds or an RFC 2822 date' } };
    if (begin !== null && end === null && ascending === null)
      return { status: 400, body: { message: "Either 'end' or 'ascending' must be given with 'begin'" } };
    const limit = query.get('limit') === null ? 300 : Number(query.get('limit'));
    if (!Number.isInteger(limit) || limit < 1 || limit > 300) return { status: 400, body: { message: "Invalid 'limit': at most 300" } };
    // the range's direction: end before begin walks backwards, like ascending=no
    const desc = begin !== null && end !== null ? end < begin : ascending === 'no';
    const lo = begin !== null && end !== null ? Math.min(begin, end) : desc ? -Infinity : (begin ?? -Infinity);
    const hi = begin !== null && end !== null ? Math.max(begin, end) : desc ? (begin ?? Infinity) : Infinity;
    const filters = EVENT_FILTERS.filter((f) => query.get(f) !== null).map((f) => [f, query.get(f)!] as const);
    const matching = events
      .filter(
        (e) =>
          e.message.headers['message-id'].endsWith(`@${domain}`) && e.timestamp >= lo && e.timestamp <= hi && filters.every(([f, v]) => eventField(e, f) === v),
      )
      .sort((a, b) => (desc ? b.timestamp - a.timestamp : a.timestamp - b.timestamp));
    const items = matching.slice(offset, offset + limit);
    const page = (o: number) =>
      `${running.url}/v3/${encodeURIComponent(domain)}/events/${Buffer.from(JSON.stringify({ q: query.toString(), o: Math.max(0, o) })).toString('base64url')}`;
    return {
      status: 200,
      body: {
        items,
        paging: { first: page(0), last: page(Math.max(0, matching.length - limit)), next: page(offset + items.length), previous: page(offset - limit) },
      },
    };
  };
  const running = await startHttpServer(async (req, res, body) => {
    const [path = '/', search = ''] = (req.url ?? '/').split('?');
    if (req.method === 'GET' && path === '/outbox') return sendJson(res, 200, received);
    if (req.method === 'DELETE' && path === '/outbox') {
      received.length = 0;
      events.length = 0;
      return sendJson(res, 200, { message: 'cleared' });
    }
    const ev = /^\/v3\/([^/]+)\/events(?:\/([A-Za-z0-9_-]+))?\/?$/.exec(path);
    if (ev?.[1]) {
      if (req.method !== 'GET') return sendJson(res, 405, { message: 'Method Not Allowed' });
      const auth = basicAuth(req);
      if (!auth || auth.user !== 'api' || auth.pass !== apiKey) return sendText(res, 401, 'Forbidden');
      const domain = decodeURIComponent(ev[1]);
      if (opts.domains && !opts.domains.includes(domain)) return sendJson(res, 404, { message: `Domain not found: ${domain}` });
      let query = new URLSearchParams(search);
      let offset = 0;
      if (ev[2]) {
        try {
          const token = JSON.parse(Buffer.from(ev[2], 'base64url').toString('utf8')) as { q: string; o: number };
          query = new URLSearchParams(token.q);
          offset = token.o;
        } catch {
          return sendJson(res, 400, { message: 'Invalid page token' });
        }
      }
      const page = eventsPage(domain, query, offset);
      return sendJson(res, page.status, page.body);
    }
    const m = /^\/v3\/([^/]+)\/messages\/?$/.exec(path);
    if (!m?.[1]) return sendJson(res, 404, { message: 'Not Found' });
    if (req.method !== 'POST') return sendJson(res, 405, { message: 'Method Not Allowed' });
    attempts++;
    if (await applyFault(faults.take(), running, res, (s) => ({ message: s === 429 ? 'Too many requests' : 'Internal Server Error' }))) return;

    const auth = basicAuth(req);
    // Mailgun answers a bad key with a bare text body.
    if (!auth || auth.user !== 'api' || auth.pass !== apiKey) return sendText(res, 401, 'Forbidden');
    const domain = decodeURIComponent(m[1]);
    if (opts.domains && !opts.domains.includes(domain)) return sendJson(res, 404, { message: `Domain not found: ${domain}` });

    let form: FormField[] | undefined;
    try {
      form = parseForm(header(req, 'content-type'), body);
    } catch (err) {
      return sendJson(res, 400, { message: `Invalid request body: ${err instanceof Error ? err.message : String(err)}` });
    }
    if (!form) return sendJson(res, 400, { message: "'from' parameter is missing" });
    const [from] = fieldsOf(form, 'from');
    const to = fieldsOf(form, 'to').flatMap((t) =>
      t
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    const [subject] = fieldsOf(form, 'subject');
    const [text] = fieldsOf(form, 'text');
    const [html] = fieldsOf(form, 'html');
    if (!from) return sendJson(res, 400, { message: "'from' parameter is missing" });
    if (to.length === 0) return sendJson(res, 400, { message: "'to' parameter is missing" });
    if (subject === undefined) return sendJson(res, 400, { message: "'subject' parameter is missing" });
    if (text === undefined && html === undefined && fieldsOf(form, 'template').length === 0) {
      return sendJson(res, 400, { message: "Need at least one of 'text', 'html' or 'template' parameters specified" });
    }
    if (to.length > 1000) return sendJson(res, 400, { message: 'Too many recipients; max is 1000' });
    const bad = to.find((t) => !/@[^@\s>]+>?$/.test(t));
    if (bad) return sendJson(res, 400, { message: `to parameter is not a valid address. please check documentation` });

    const headers: Record<string, string> = {};
    const variables: Record<string, string> = {};
    for (const f of form) {
      if (f.name.startsWith('h:')) headers[f.name.slice(2)] = f.value;
      else if (f.name.startsWith('v:')) variables[f.name.slice(2)] = f.value;
    }
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const id = `<${stamp}.${randomBytes(8).toString('hex')}@${domain}>`;
    const idempotencyKey = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-idempotency-key')?.[1];
    const recorded: MailgunRecordedMessage = {
      id,
      domain,
      from,
      to,
      subject,
      headers,
      variables,
      attachments: form
        .filter((f) => f.filename !== undefined)
        .map((f) => ({ filename: f.filename ?? '', size: Buffer.byteLength(f.value), ...(f.contentType ? { contentType: f.contentType } : {}) })),
      contentType: /multipart/i.test(header(req, 'content-type') ?? '') ? 'multipart' : 'urlencoded',
      receivedAt: new Date().toISOString(),
      ...(text !== undefined ? { text } : {}),
      ...(html !== undefined ? { html } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    };
    received.push(recorded);
    const at = Date.now() / 1000;
    for (const recipient of to.map((t) => (/<([^>]+)>/.exec(t)?.[1] ?? t).trim())) {
      events.push({
        id: randomBytes(11).toString('base64url'),
        event: 'accepted',
        timestamp: at,
        recipient,
        'user-variables': variables,
        tags: fieldsOf(form, 'o:tag'),
        message: { headers: { 'message-id': id.slice(1, -1), from, to: to.join(', '), subject }, size: body.length },
      });
    }
    // accepted (and its event written) before the answer leaves: a sender killed meanwhile leaves it in flight
    if (latencyMs > 0) {
      unanswered++;
      await running.sleep(latencyMs).finally(() => unanswered--);
    }
    sendJson(res, 200, { id, message: 'Queued. Thank you.' });
  }, opts);
  const webhookSigningKey = opts.webhookSigningKey ?? 'key-standin-webhook-signing';
  const postEvent: MailgunStandin['postEvent'] = async (url, e, o = {}) => {
    const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
    const token = randomBytes(25).toString('hex');
    const signature = createHmac('sha256', o.signingKey ?? webhookSigningKey)
      .update(`${timestamp}${token}`)
      .digest('hex');
    const body = JSON.stringify({
      signature: { timestamp, token, signature },
      'event-data': {
        id: e.id ?? randomBytes(11).toString('base64url'),
        timestamp: Number(timestamp),
        event: e.event,
        ...(e.severity ? { severity: e.severity } : {}),
        recipient: e.recipient,
        'user-variables': e.variables ?? {},
      },
    });
    return postWebhook(url, body);
  };
  return {
    url: running.url,
    port: running.port,
    postEvent,
    webhookSigningKey,
    received,
    events,
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
    reset: () => {
      received.length = 0;
      events.length = 0;
      attempts = 0;
      faults.clear();
    },
    close: () => running.close(),
  };
}
