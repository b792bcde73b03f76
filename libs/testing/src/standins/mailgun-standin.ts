import { randomBytes } from 'node:crypto';
import { applyFault, basicAuth, FaultQueue, header, sendJson, sendText, startHttpServer, type StandinOptions } from './http-standin';
import { parseForm, type FormField } from './form-data';

export interface MailgunStandinOptions extends StandinOptions {
  /** The key the stand-in accepts as Basic `api:<key>` (default 'key-test'). */
  apiKey?: string;
  /** When given, other domains get 404 "Domain not found". */
  domains?: string[];
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

export interface MailgunStandin {
  url: string;
  port: number;
  /** Accepted messages, oldest first (GET /outbox returns the same as JSON). */
  received: MailgunRecordedMessage[];
  /** Every POST that reached the stand-in, accepted or not. */
  readonly attempts: number;
  failNext(n: number, status: number, retryAfterSeconds?: number): void;
  delayNext(n: number, ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

const fieldsOf = (form: FormField[], name: string) => form.filter((f) => f.name === name && f.filename === undefined).map((f) => f.value);

/**
 * Speaks Mailgun's Messages API: POST /v3/{domain}/messages with form fields (urlencoded or
 * multipart), Basic auth `api:<key>`, answers as Mailgun documents them.
 */
export async function startMailgunStandin(opts: MailgunStandinOptions = {}): Promise<MailgunStandin> {
  const apiKey = opts.apiKey ?? 'key-test';
  const faults = new FaultQueue();
  const received: MailgunRecordedMessage[] = [];
  let attempts = 0;
  const running = await startHttpServer(async (req, res, body) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' && path === '/outbox') return sendJson(res, 200, received);
    if (req.method === 'DELETE' && path === '/outbox') {
      received.length = 0;
      return sendJson(res, 200, { message: 'cleared' });
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
    const to = fieldsOf(form, 'to').flatMap((t) => t.split(',').map((s) => s.trim()).filter(Boolean));
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
    sendJson(res, 200, { id, message: 'Queued. Thank you.' });
  }, opts);
  return {
    url: running.url,
    port: running.port,
    received,
    get attempts() {
      return attempts;
    },
    failNext: (n, status, retryAfterSeconds) => faults.failNext(n, status, retryAfterSeconds),
    delayNext: (n, ms) => faults.delayNext(n, ms),
    reset: () => {
      received.length = 0;
      attempts = 0;
      faults.clear();
    },
    close: () => running.close(),
  };
}
