import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Pool } from 'pg';
import { Counter } from 'prom-client';
import { MAILGUN_EVENTS_PATH, TELNYX_INBOUND_PATH, WEBHOOK_TRIGGER_PATH_PREFIX, type TriggerAccepted, type TriggerError } from '@fixlify/contracts';
import { registry, type Logger } from '@fixlify/kafka';
import type { EventEmitter } from '../emit/event-emitter';
import { InboundTriggerError, httpStatusOf } from './errors';
import { handleMailgunEvent, type MailgunEventResult } from './mailgun-events';
import { handleTelnyxInbound, type InboundSmsResult } from './telnyx-inbound';
import { pruneWebhookSignatures, runWebhookTrigger } from './webhook-trigger';
import type { KeyObject } from 'node:crypto';

const requests = new Counter({
  name: 'fixlify_inbound_triggers_total',
  help: 'Inbound webhook trigger requests, per route and outcome',
  labelNames: ['route', 'outcome'] as const,
  registers: [registry],
});

export interface TriggerServerOptions {
  pool: Pool;
  emitter: EventEmitter;
  log: Logger;
  port: number;
  host: string;
  toleranceSeconds: number;
  maxBodyBytes: number;
  /** see waitUntilIndexed */
  activationGraceMs: number;
  /** inbound SMS (POST /telnyx/messages): the Telnyx account's public key and the deployment's number */
  telnyxPublicKey?: KeyObject | null;
  telnyxDeploymentNumber?: string | null;
  /** Mailgun events (POST /mailgun/events): the webhook signing key */
  mailgunSigningKey?: string | null;
  now?: () => Date;
}

type Accepted = TriggerAccepted | InboundSmsResult | MailgunEventResult;

export interface TriggerServer {
  port: number;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage, max: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      reject(new InboundTriggerError('body_too_large', `the body is larger than ${max} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new InboundTriggerError('body_too_large', `the body is larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });

const send = (res: ServerResponse, status: number, body: Accepted | TriggerError, close = false): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
  res.end(text);
};

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** The workflow id of `/hooks/<id>`; malformed percent-encoding (`/hooks/%E0%A4%A`) is the caller's mistake: 400. */
export const workflowIdOfPath = (path: string): string => {
  try {
    return decodeURIComponent(path.slice(WEBHOOK_TRIGGER_PATH_PREFIX.length));
  } catch {
    throw new InboundTriggerError('invalid_path', 'the path is not valid (malformed percent-encoding)');
  }
};

/**
 * The trigger endpoint of ingest, on its own port (the /metrics port stays internal):
 * POST /hooks/:workflowId (public, signed). Manual runs have one way in, the API
 * (`POST /api/workflows/:id/trigger`), where the caller's credentials name the organization: an
 * unauthenticated internal copy here let anyone on the host, or any tenant's api_call, start
 * another organization's workflow. Routing is one fixed prefix, so plain node:http.
 */
export const startTriggerServer = async (o: TriggerServerOptions): Promise<TriggerServer> => {
  const now = o.now ?? (() => new Date());

  const route = async (req: IncomingMessage): Promise<{ route: string; result: Accepted }> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === TELNYX_INBOUND_PATH || path === MAILGUN_EVENTS_PATH) {
      if (req.method !== 'POST') throw new InboundTriggerError('method_not_allowed', 'use POST');
      const rawBody = await readBody(req, o.maxBodyBytes);
      if (path === TELNYX_INBOUND_PATH) {
        const result = await handleTelnyxInbound(
          {
            pool: o.pool,
            emitter: o.emitter,
            publicKey: o.telnyxPublicKey ?? null,
            deploymentNumber: o.telnyxDeploymentNumber ?? null,
            toleranceSeconds: o.toleranceSeconds,
          },
          { rawBody, signature: header(req, 'telnyx-signature-ed25519'), timestamp: header(req, 'telnyx-timestamp') },
          now(),
        );
        return { route: 'telnyx', result };
      }
      return {
        route: 'mailgun',
        result: await handleMailgunEvent({ pool: o.pool, signingKey: o.mailgunSigningKey ?? null, toleranceSeconds: o.toleranceSeconds }, rawBody, now()),
      };
    }
    if (path.startsWith(WEBHOOK_TRIGGER_PATH_PREFIX)) {
      if (req.method !== 'POST') throw new InboundTriggerError('method_not_allowed', 'use POST');
      const workflowId = workflowIdOfPath(path);
      const rawBody = await readBody(req, o.maxBodyBytes);
      const result = await runWebhookTrigger(
        { pool: o.pool, emitter: o.emitter, toleranceSeconds: o.toleranceSeconds, activationGraceMs: o.activationGraceMs },
        { workflowId, rawBody, signature: header(req, 'fixlify-signature'), idempotencyKey: header(req, 'idempotency-key') },
        now(),
      );
      return { route: 'webhook', result };
    }
    throw new InboundTriggerError('not_found', 'no such endpoint');
  };

  const server = createServer((req, res) => {
    route(req)
      .then(({ route: r, result }) => {
        requests.inc({ route: r, outcome: 'accepted' });
        o.log.info({ route: r, result }, 'inbound trigger accepted');
        // provider webhooks are answered 200 (Telnyx and Mailgun retry anything else)
        send(res, r === 'webhook' ? 202 : 200, result);
      })
      .catch((e: unknown) => {
        const p = (req.url ?? '').split('?')[0];
        const r = p === TELNYX_INBOUND_PATH ? 'telnyx' : p === MAILGUN_EVENTS_PATH ? 'mailgun' : 'webhook';
        if (e instanceof InboundTriggerError) {
          requests.inc({ route: r, outcome: e.code });
          o.log.info({ route: r, url: req.url, code: e.code, reason: e.message }, 'inbound trigger refused');
          // a body we stopped reading: close the connection rather than drain it
          send(res, httpStatusOf(e.code), { error: e.code, message: e.message }, e.code === 'body_too_large');
          if (e.code === 'body_too_large') res.once('finish', () => req.destroy());
          return;
        }
        requests.inc({ route: r, outcome: 'unavailable' });
        o.log.error({ err: e, route: r, url: req.url }, 'inbound trigger failed');
        send(res, 503, { error: 'unavailable', message: 'the trigger could not be recorded; retry with the same request id' });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const prune = setInterval(() => {
    pruneWebhookSignatures(o.pool).catch((e: unknown) => o.log.warn({ err: e }, 'pruning webhook signatures failed'));
  }, 60_000);
  prune.unref();
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () =>
      new Promise<void>((r) => {
        clearInterval(prune);
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
};
