import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; every service exposes it on GET /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const messagesProcessed = new Counter({
  name: 'fixlify_messages_processed_total',
  help: 'Messages consumed and processed, per consumer and topic',
  labelNames: ['consumer', 'topic'] as const,
  registers: [registry],
});
export const messagesFailed = new Counter({
  name: 'fixlify_messages_failed_total',
  help: 'Messages sent to the dead-letter topic or skipped, per consumer, topic and reason',
  labelNames: ['consumer', 'topic', 'reason'] as const,
  registers: [registry],
});
export const batchDuration = new Histogram({
  name: 'fixlify_batch_duration_seconds',
  help: 'Time to process and commit one batch, per consumer and topic',
  labelNames: ['consumer', 'topic'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});
export const consumerLag = new Gauge({
  name: 'fixlify_consumer_lag',
  help: 'Offset lag of the last batch, per consumer, topic and partition',
  labelNames: ['consumer', 'topic', 'partition'] as const,
  registers: [registry],
});

export const messageAge = new Histogram({
  name: 'fixlify_message_age_seconds',
  help: 'Time from a message being written to the log to its processing being committed, per consumer and topic',
  labelNames: ['consumer', 'topic'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});
export const organizationLag = new Gauge({
  name: 'fixlify_organization_lag_seconds',
  help: 'Age of the newest message of an organization when its batch committed, per consumer (the most recently active organizations only)',
  labelNames: ['consumer', 'organization'] as const,
  registers: [registry],
});
export const executionsByStatus = new Counter({
  name: 'fixlify_executions_by_status_total',
  help: 'Executions that reached a status (pending, processing, retry, waiting, completed, failed, cancelled), as projected',
  labelNames: ['status'] as const,
  registers: [registry],
});
export const deliveries = new Counter({
  name: 'fixlify_deliveries_total',
  help: 'Deliveries per channel (email, sms, push, webhook, api_call) and outcome (delivered, suppressed, deduplicated, retrying, failed)',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

/** Label sets of organizationLag, oldest first: bounded, so a large tenant base cannot blow up the series count. */
const lagSeries = new Map<string, { consumer: string; organization: string }>();
const MAX_LAG_SERIES = 500;

/** Records, per organization, how old its newest message was when the batch committed. */
export const recordOrganizationLag = (consumer: string, newestByOrganization: ReadonlyMap<string, number>, now = Date.now()): void => {
  for (const [organization, writtenAtMs] of newestByOrganization) {
    const key = `${consumer}|${organization}`;
    organizationLag.set({ consumer, organization }, Math.max(0, now - writtenAtMs) / 1000);
    lagSeries.delete(key);
    lagSeries.set(key, { consumer, organization });
  }
  for (const [key, labels] of lagSeries) {
    if (lagSeries.size <= MAX_LAG_SERIES) break;
    organizationLag.remove(labels);
    lagSeries.delete(key);
  }
};

/**
 * The identity fields of a message (organizationId, workflowId, executionId, eventId) when it has
 * them, for log lines and per-organization metrics; duck-typed so libraries stay message-agnostic.
 */
export const identityOf = (value: unknown): { organizationId?: string; workflowId?: string; executionId?: string; eventId?: string } => {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as Record<string, unknown>;
  const out: { organizationId?: string; workflowId?: string; executionId?: string; eventId?: string } = {};
  if (typeof v.organizationId === 'string') out.organizationId = v.organizationId;
  if (typeof v.workflowId === 'string') out.workflowId = v.workflowId;
  if (typeof v.executionId === 'string') out.executionId = v.executionId;
  if (typeof v.eventId === 'string') out.eventId = v.eventId;
  return out;
};

export interface ServiceHttp {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** /metrics (Prometheus text), /health/live and /health/ready (ready only when consumers have joined). */
export const startServiceHttp = async (port: number, isReady: () => boolean, extra?: (path: string) => unknown): Promise<ServiceHttp> => {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        });
      return;
    }
    if (path === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"live"}');
      return;
    }
    if (path === '/health/ready' || path === '/health') {
      const ready = isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'starting' }));
      return;
    }
    const body = extra?.(path);
    if (body !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const addr = server.address();
  return {
    server,
    port: typeof addr === 'object' && addr ? addr.port : port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};
